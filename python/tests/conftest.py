"""Shared test data: valid resident ID numbers made with the binding's own check character."""

from __future__ import annotations

import random

import pytest

from yikatong import ResidentId


def make_resident_ids(count: int, seed: int = 7) -> list[str]:
    """`count` valid 18-character numbers, deterministic for a seed."""
    rng = random.Random(seed)
    ids = []
    for _ in range(count):
        body = "150422{:04d}{:02d}{:02d}{:03d}".format(
            rng.randint(1940, 2010), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 999)
        )
        check = ResidentId.check_character(body)
        assert check is not None
        ids.append(body + check)
    return ids


@pytest.fixture(scope="session")
def resident_ids() -> list[str]:
    return make_resident_ids(100_000)

"""Bulk validation without the GIL, and calls from several Python threads at once."""

from __future__ import annotations

import datetime
from concurrent.futures import ThreadPoolExecutor

from yikatong import Amount, InvalidResidentId, RegionTree, ResidentId, WorkCalendar


def test_validate_many_on_100k_ids(resident_ids: list[str]) -> None:
    broken = [rid[:-1] + ("0" if rid[-1] != "0" else "1") for rid in resident_ids[:1000]]
    texts = resident_ids + broken + ["", "abc"]
    results = ResidentId.validate_many(texts)
    assert len(results) == len(texts)
    assert results[: len(resident_ids)] == [None] * len(resident_ids)
    messages = results[len(resident_ids) :]
    assert all(message is not None for message in messages)
    # Each message is exactly what parsing that text one by one raises.
    for text, message in zip(broken[:50] + ["", "abc"], messages[:50] + messages[-2:]):
        try:
            ResidentId(text)
        except InvalidResidentId as error:
            assert str(error) == message
        else:
            raise AssertionError(f"{text!r} parsed")


def test_validate_many_takes_any_sequence_of_str() -> None:
    assert ResidentId.validate_many(("11010519491231002X",)) == [None]
    assert ResidentId.validate_many([]) == []


def test_calls_from_many_threads_agree_with_one_thread(resident_ids: list[str]) -> None:
    chunks = [resident_ids[i : i + 12_500] for i in range(0, len(resident_ids), 12_500)]
    tree = RegionTree.bundled()
    calendar = WorkCalendar.bundled()

    def work(chunk: list[str]) -> tuple[list[str | None], list[str], str, datetime.date, str]:
        results = ResidentId.validate_many(chunk)
        masked = [ResidentId(text).masked() for text in chunk[:2000]]
        total = Amount.checked_sum(Amount(f"{i % 1000}.{i % 100:02d}") for i in range(2000))
        due = calendar.add_working_days(datetime.date(2024, 9, 30), len(chunk) % 7).value
        path = tree.name_path("150422100")
        return results, masked, str(total), due, path

    expected = [work(chunk) for chunk in chunks]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(work, chunks))
    assert got == expected


def test_bundled_data_shared_across_threads() -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        trees = list(pool.map(lambda _: len(RegionTree.bundled()), range(16)))
        calendars = list(pool.map(lambda _: WorkCalendar.bundled().covered_years(), range(16)))
    assert len(set(trees)) == 1
    assert all(years == calendars[0] for years in calendars)

"""The store from Python: a file that reopens to the same read models, optimistic
concurrency, command ids, a closed store, missing rosters, and the read models as
Arrow tables in pandas and polars with exact money."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from test_payments import CLERK, FINANCE, ROSTER_ID, day, make_catalog, make_register, run_cycle, write_roster_csv
from yikatong import (
    Period,
    Register,
    ReviewRefused,
    Store,
    StoreConflict,
    StoreCorrupt,
    StoreError,
    WorkCalendar,
    YikatongError,
    read_roster,
)


def test_a_file_store_reopens_to_the_same_read_models(tmp_path: Path) -> None:
    path = tmp_path / "yikatong.sqlite"
    with Store.open(path) as store:
        assert store.path == path
        cycle = run_cycle(store, tmp_path)
        payments = store.payments().to_pyarrow()
        batches = store.batches_table().to_pyarrow()
        corrections = store.corrections().to_pyarrow()
        events = store.event_count
        journal = store.export_jsonl()
    assert store.closed and "closed" in repr(store)

    with Store.open(path) as again:
        assert again.event_count == events > 0
        assert again.payments().to_pyarrow().equals(payments)
        assert again.batches_table().to_pyarrow().equals(batches)
        assert again.corrections().to_pyarrow().equals(corrections)
        assert again.batch_ids() == [cycle.first_batch, cycle.reissue_batch]
        assert again.review_status(ROSTER_ID) == "finance_approved"
        assert again.roster_ids() == [ROSTER_ID]
        roster = again.roster(ROSTER_ID)
        assert roster is not None and roster.total == Decimal("975.00")
        assert again.beneficiary_count == 4
        report = again.verify()
        assert report.intact and bool(report) and report.count == events and report.broken_seq is None
        assert again.export_jsonl() == journal
        written = again.export_jsonl(tmp_path / "journal.jsonl")
        assert written == events
        lines = (tmp_path / "journal.jsonl").read_bytes().splitlines()
        assert len(lines) == events and all("hash" in json.loads(line) for line in lines)
        assert again.snapshot() == events
        assert again.refresh() == 0
    # The snapshot replays to the same state.
    with Store.open(path) as third:
        assert third.payments().to_pyarrow().equals(payments)


def test_a_stale_expected_version_is_a_conflict_and_changes_nothing() -> None:
    with Store.in_memory() as store:
        register = make_register()
        store.save_register(register, command_id="register/1", expected="no_stream")
        assert store.version("register") == 1
        with pytest.raises(StoreConflict) as caught:
            store.save_register(register, command_id="register/2", expected=0)
        assert caught.value.value == "register" and caught.value.rule == "conflict"
        with pytest.raises(StoreConflict):
            store.save_register(register, command_id="register/3", expected="no_stream")
        assert store.version("register") == 1
        done = store.save_register(register, command_id="register/4", expected=1)
        assert done.version == 2 and not done.retried


def test_a_command_id_reused_for_another_command_is_refused() -> None:
    with Store.in_memory() as store:
        store.save_register(make_register(), command_id="register/1")
        same = store.save_register(make_register(), command_id="register/1")
        assert same.retried and same.version == 1 and store.event_count == 1
        with pytest.raises(StoreError) as caught:
            store.save_register(Register(), command_id="register/1")
        assert caught.value.rule == "command_reused" and caught.value.value == "register/1"
        with pytest.raises(StoreError) as blank:
            store.save_register(Register(), command_id="  ")
        assert blank.value.rule == "blank_command_id"
        assert store.event_count == 1


def test_a_missing_roster_is_named() -> None:
    with Store.in_memory() as store:
        with pytest.raises(StoreError) as caught:
            store.open_review("R-NONE", clerk=CLERK, today=day(0), command_id="open/none")
        assert caught.value.rule == "unknown_roster" and caught.value.value == "R-NONE"
        assert isinstance(caught.value, YikatongError)
        assert store.roster("R-NONE") is None and store.review_status("R-NONE") is None
        assert store.batch("B-NONE") is None and store.batch_status("B-NONE") is None
        assert store.event_count == 0


def test_bad_arguments_are_refused_before_the_store_is_touched() -> None:
    with Store.in_memory() as store:
        with pytest.raises(TypeError, match="no_stream"):
            store.save_register(Register(), command_id="r", expected=1.0)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="no_stream"):
            store.save_register(Register(), command_id="r", expected="latest")  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="expected must be"):
            store.save_register(Register(), command_id="r", expected=True)
        with pytest.raises(YikatongError):
            store.release("not-a-payment-id", note="x", by="c1", on=day(0), command_id="x")
        with pytest.raises(ValueError, match="unknown review action"):
            store.review(
                ROSTER_ID,
                action="approve_everything",  # type: ignore[arg-type]
                actor=CLERK,
                today=day(0),
                calendar=WorkCalendar.weekdays_only(),
                command_id="x",
            )
        assert store.event_count == 0


def test_a_closed_store_raises_value_error() -> None:
    store = Store.in_memory()
    store.close()
    store.close()  # twice does nothing
    with pytest.raises(ValueError, match="closed"):
        store.save_register(Register(), command_id="r")
    with pytest.raises(ValueError, match="closed"):
        store.payments()
    with pytest.raises(ValueError, match="closed"):
        store.version("register")


def test_read_models_round_trip_to_pandas_and_polars_with_decimal_money(tmp_path: Path) -> None:
    with Store.in_memory() as store:
        run_cycle(store, tmp_path)
        frame = store.payments().to_pandas()
        assert isinstance(frame, pd.DataFrame) and len(frame) == 6
        assert all(isinstance(value, Decimal) for value in frame["amount"])
        settled = frame[frame["status"] == "settled"]
        assert settled["amount"].sum() == Decimal("975.00")
        assert (settled["amount_fen"].sum()) == 97500

        polars = pl.DataFrame(store.batches_table().to_pyarrow())
        assert polars.schema["amount"] == pl.Decimal(18, 2)
        assert polars["amount"].to_list() == [Decimal("975.00"), Decimal("425.00")]
        assert polars["status"].to_list() == ["closed", "closed"]

        # The PyCapsule stream goes straight into pyarrow too.
        queue = pa.table(store.corrections())
        assert queue.schema.field("amount").type == pa.decimal128(18, 2)
        assert set(queue.column_names) >= {"payment_id", "reason_kind", "status", "queued_on"}


def test_a_refused_review_command_raises_review_refused_and_records_nothing(tmp_path: Path) -> None:
    register = make_register()
    roster, _ = read_roster(
        write_roster_csv(tmp_path),
        roster_id=ROSTER_ID,
        project="CYSTBH-CXPH",
        period=Period("2026"),
        township="150422101",
        register=register,
        catalog=make_catalog(),
        on=day(0),
    )
    with Store.in_memory() as store:
        store.save_register(register, command_id="register/1")
        store.save_roster(roster, command_id="roster/1")
        store.open_review(ROSTER_ID, clerk=CLERK, today=day(0), command_id="open/1")
        version = store.version(Store.review_stream(ROSTER_ID))
        with pytest.raises(ReviewRefused) as caught:
            store.review(
                ROSTER_ID,
                action="finance_approve",
                actor=FINANCE,
                today=day(1),
                calendar=WorkCalendar.weekdays_only(),
                command_id="finance/too-early",
            )
        assert "draft" in str(caught.value)
        assert store.version(Store.review_stream(ROSTER_ID)) == version
        assert store.review_status(ROSTER_ID) == "draft"
        with pytest.raises(TypeError, match="needs reason="):
            store.review(
                ROSTER_ID,
                action="withdraw",
                actor=CLERK,
                today=day(1),
                calendar=WorkCalendar.weekdays_only(),
                command_id="withdraw/1",
            )


def test_the_store_serves_several_threads(tmp_path: Path) -> None:
    with Store.open(tmp_path / "threads.sqlite") as store:
        cycle = run_cycle(store, tmp_path)
        expected = store.payments().to_pyarrow()

        def work(_: int) -> tuple[bool, int]:
            same = store.payments().to_pyarrow().equals(expected)
            # Every thread retries the same close: the first outcome, never a second event.
            done = store.close_batch(
                cycle.first_batch, by="f1", on=day(21), command_id=f"close/{cycle.first_batch}"
            )
            assert done.retried
            return same, store.version("payments")

        events = store.event_count
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(work, range(32)))
        assert all(same for same, _ in results)
        assert {version for _, version in results} == {store.version("payments")}
        assert store.event_count == events


def test_a_journal_changed_outside_the_store_is_refused_on_opening(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "yikatong.sqlite"
    with Store.open(path) as store:
        store.save_register(make_register(), command_id="register/1", expected="no_stream")
    # Someone edits the first event in the file (a name in the register).
    connection = sqlite3.connect(path)
    with connection:
        (body,) = connection.execute("SELECT body FROM events WHERE seq = 1").fetchone()
        assert "其木格" in body
        connection.execute("UPDATE events SET body = ? WHERE seq = 1", (body.replace("其木格", "其木各"),))
    connection.close()
    with pytest.raises(StoreCorrupt) as caught:
        Store.open(path)
    assert isinstance(caught.value, StoreError) and isinstance(caught.value, YikatongError)
    assert caught.value.rule == "corrupt" and caught.value.value == "1"
    assert "event 1 is damaged" in str(caught.value) and "restore from a backup" in str(caught.value)

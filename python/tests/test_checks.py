"""The audit checks from Python over Arrow tables: pyarrow, polars and pandas in,
findings out, reference lists as tables or pairs, errors that name the row and column,
and calls from several threads."""

from __future__ import annotations

import datetime
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from conftest import make_resident_ids
from yikatong import ArrowTable, InvalidTable, YikatongError, run_checks

AS_OF = datetime.date(2026, 12, 1)
PEOPLE = make_resident_ids(300, seed=11)


def payment_rows() -> dict[str, list[Any]]:
    """300 people paid on time, one row each, plus planted anomalies: person 0 paid
    twice, person 1 paid late, persons 2 and 3 (two households) paid onto one card."""
    rows: dict[str, list[Any]] = {name: [] for name in COLUMNS}

    def add(n: int, person: str, **changes: Any) -> None:
        row: dict[str, Any] = {
            "payment_id": f"{n:032X}",
            "attempt": 1,
            "beneficiary": person,
            "payee": person,
            "household_id": f"H{n}",
            "registered_name": "王芳",
            "holder_name": "王芳",
            "account": f"6228{n:015d}",
            "project": "GLJT",
            "period": "2026-11",
            "township": "150422101000",
            "county": "150422",
            "batch_id": "B1",
            "amount_fen": 10_000,
            "entitled_fen": 10_000,
            "recovered_fen": 0,
            "settled_on": datetime.date(2026, 11, 10),
            "counted": True,
            "deadline": datetime.date(2026, 11, 13),
            "on_hold": False,
            "ineligible": None,
            "approved_roster_id": "R1",
            "approved_line_no": n,
            "approved_payee": person,
            "approved_account": f"6228{n:015d}",
            "approved_amount_fen": 10_000,
        }
        row.update(changes)
        for name in COLUMNS:
            rows[name].append(row[name])

    for n, person in enumerate(PEOPLE):
        add(n + 1, person)
    add(1001, PEOPLE[0], approved_line_no=1001)  # listed twice: a duplicate
    rows["settled_on"][1] = datetime.date(2026, 11, 20)  # late
    shared = f"6228{4:015d}"
    rows["account"][2] = shared  # person 2's payment onto person 3's card
    rows["approved_account"][2] = shared
    return rows


COLUMNS = [
    "payment_id", "attempt", "beneficiary", "payee", "household_id", "registered_name",
    "holder_name", "account", "project", "period", "township", "county", "batch_id",
    "amount_fen", "entitled_fen", "recovered_fen", "settled_on", "counted", "deadline",
    "on_hold", "ineligible", "approved_roster_id", "approved_line_no", "approved_payee",
    "approved_account", "approved_amount_fen",
]  # fmt: skip


def arrow_rows() -> pa.Table:
    schema = pa.schema(
        [
            (name, pa.date32() if name in ("settled_on", "deadline")
             else pa.bool_() if name in ("counted", "on_hold")
             else pa.int64() if name.endswith("_fen") or name in ("attempt", "approved_line_no")
             else pa.string())
            for name in COLUMNS
        ]
    )  # fmt: skip
    return pa.table(payment_rows(), schema=schema)


def found(table: ArrowTable) -> dict[str, list[str]]:
    findings = pa.table(table)
    by_check: dict[str, list[str]] = {}
    for check, person in zip(findings.column("check").to_pylist(), findings.column("beneficiary").to_pylist()):
        by_check.setdefault(check, []).append(person)
    return by_check


def test_checks_over_a_pyarrow_table_find_what_was_planted() -> None:
    deaths = pa.table(
        {"resident_id": [PEOPLE[4], PEOPLE[5]], "died_on": [datetime.date(2026, 9, 30), datetime.date(2026, 11, 20)]}
    )
    report = run_checks(
        arrow_rows(),
        as_of=AS_OF,
        deaths=deaths,
        exclusions=[(PEOPLE[6], "public_employee"), (PEOPLE[7], "village_cadre")],
        exclusion_rules={"public_employee": ["GLJT"], "village_cadre": ["NCDB"]},
    )
    result = found(report.findings)
    shared = result.pop("shared_account")
    assert result == {
        "duplicate_payment": [PEOPLE[0]],
        "deceased": [PEOPLE[4]],
        "excluded_person": [PEOPLE[6]],
        "late_payment": [PEOPLE[1]],
    }
    assert len(shared) == 1 and shared[0] in (PEOPLE[2], PEOPLE[3])
    assert report.by_check["duplicate_payment"] == (1, 10_000)
    assert report.by_check["deceased"] == (1, 10_000)
    assert len(report) == 5
    assert report.as_of == AS_OF
    assert "5 findings" in repr(report)
    findings = pa.table(report.findings)
    assert findings.column_names == report.findings.column_names
    assert findings.schema.field("amount_fen").type == pa.int64()
    evidence = json.loads(findings.column("evidence")[0].as_py())
    assert {"name", "value"} <= set(evidence[0])
    assert all(action for action in findings.column("action").to_pylist())
    timeliness = pa.table(report.timeliness).to_pylist()
    assert timeliness == [
        {"county": "150422000000", "project": "GLJT", "on_time": 300, "late": 1, "missed": 0, "not_yet_due": 0}
    ]


def test_polars_and_pandas_give_the_same_findings() -> None:
    table = arrow_rows()
    expected = pa.table(run_checks(table, as_of=AS_OF).findings)
    from_polars = pa.table(run_checks(pl.from_arrow(table), as_of=AS_OF).findings)
    from_pandas = pa.table(run_checks(table.to_pandas(), as_of=AS_OF).findings)
    from_batches = pa.table(run_checks(pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=37)), as_of=AS_OF).findings)
    assert from_polars.equals(expected)
    assert from_pandas.equals(expected)
    assert from_batches.equals(expected)
    # And back out to polars and pandas.
    frame = pl.DataFrame(run_checks(table, as_of=AS_OF).findings)
    assert frame.height == expected.num_rows
    assert isinstance(run_checks(table, as_of=AS_OF).findings.to_pandas(), pd.DataFrame)


def test_reference_lists_as_tables_or_pairs_agree() -> None:
    pairs = [(PEOPLE[8], datetime.date(2026, 10, 1))]
    as_table = pa.table({"resident_id": [PEOPLE[8]], "died_on": [datetime.date(2026, 10, 1)]})
    a = pa.table(run_checks(arrow_rows(), as_of=AS_OF, deaths=pairs).findings)
    b = pa.table(run_checks(arrow_rows(), as_of=AS_OF, deaths=as_table).findings)
    assert a.equals(b)
    assert PEOPLE[8] in a.column("beneficiary").to_pylist()


def test_bad_tables_name_the_row_column_and_rule() -> None:
    table = arrow_rows()
    broken = table.set_column(
        table.schema.get_field_index("beneficiary"),
        "beneficiary",
        pa.array([PEOPLE[0], PEOPLE[1][:-1] + ("0" if PEOPLE[1][-1] != "0" else "1")] + PEOPLE[2:] + [PEOPLE[0]]),
    )
    with pytest.raises(InvalidTable) as error:
        run_checks(broken, as_of=AS_OF)
    assert error.value.row == 2
    assert error.value.column == "beneficiary"
    assert error.value.value is not None and error.value.value.startswith(PEOPLE[1][:17])
    assert str(error.value).startswith("row 2, column beneficiary:")
    assert isinstance(error.value, YikatongError) and isinstance(error.value, ValueError)

    with pytest.raises(InvalidTable, match="no column period") as missing:
        run_checks(table.drop_columns(["period"]), as_of=AS_OF)
    assert missing.value.column == "period"

    floats = table.set_column(
        table.schema.get_field_index("amount_fen"), "amount_fen", pa.array([100.0] * table.num_rows)
    )
    with pytest.raises(InvalidTable, match="column amount_fen is Float64; it must hold a whole number"):
        run_checks(floats, as_of=AS_OF)

    with pytest.raises(TypeError, match="rows must be an Arrow table"):
        run_checks([1, 2, 3], as_of=AS_OF)
    with pytest.raises(TypeError, match="datetime.date"):
        run_checks(table, as_of=datetime.datetime(2026, 12, 1, 8, 0))
    with pytest.raises(YikatongError, match="check character"):
        run_checks(table, as_of=AS_OF, deaths=[("110105194912310021", datetime.date(2026, 1, 1))])


def test_checks_from_several_threads_agree() -> None:
    table = arrow_rows()
    expected = pa.table(run_checks(table, as_of=AS_OF).findings)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: pa.table(run_checks(table, as_of=AS_OF).findings), range(8)))
    assert all(result.equals(expected) for result in results)


def test_an_arrow_table_shows_its_shape() -> None:
    findings = run_checks(arrow_rows(), as_of=AS_OF).findings
    assert len(findings) == findings.num_rows == 3
    assert repr(findings).startswith("ArrowTable(3 rows: check, check_zh, severity")


def test_progress_is_reported_by_step_up_to_the_total() -> None:
    seen: list[tuple[str, int, int]] = []
    table = arrow_rows()
    # Three batches: the reading step counts rows across all of them.
    chunked = pa.Table.from_batches(table.to_batches(max_chunksize=120))
    report = run_checks(chunked, as_of=AS_OF, progress=lambda *args: seen.append(args))
    assert len(report) == len(run_checks(table, as_of=AS_OF))
    steps = [step for step, _, _ in seen]
    assert steps.index("checking rows") > steps.index("reading rows")
    assert steps.index("grouping rows") > max(i for i, s in enumerate(steps) if s == "checking rows")
    last = {step: (done, total) for step, done, total in seen}
    assert last["reading rows"] == (table.num_rows, table.num_rows)
    assert last["checking rows"] == (table.num_rows, table.num_rows)
    assert max(done for step, done, _ in seen if step == "grouping rows") == 3


def test_a_progress_callback_that_fails_or_cannot_be_called() -> None:
    def broken(step: str, done: int, total: int) -> None:
        raise RuntimeError(f"the bar broke at {step}")

    with pytest.raises(RuntimeError, match="the bar broke at reading rows"):
        run_checks(arrow_rows(), as_of=AS_OF, progress=broken)
    with pytest.raises(TypeError, match="progress must be a callable"):
        run_checks(arrow_rows(), as_of=AS_OF, progress=42)  # type: ignore[arg-type]

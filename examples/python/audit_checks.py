"""An analyst's starting point: run the audit checks over a table of payments.

The payments come as any Arrow table: here a synthetic pyarrow table (one month of
an old-age allowance for a county, with a few planted problems); in practice
`pyarrow.parquet.read_table(...)`, `polars.read_csv(...)`, a pandas DataFrame or a
DuckDB result. The columns are those of docs/arrow-tables.md.

    python examples/python/audit_checks.py [people] [out-dir]

prints the findings by check and writes them to findings.csv and timeliness.csv.
A tqdm bar per step shows how far the checks have got (they take seconds over
millions of rows).
"""

from __future__ import annotations

import datetime
import pathlib
import random
import sys
import time

import polars as pl
import pyarrow as pa
import pyarrow.csv
from tqdm import tqdm

import yikatong

AS_OF = datetime.date(2026, 12, 1)


def resident_id(rng: random.Random) -> str:
    """A valid ID number of 巴林左旗 (150422), born 1930-1946."""
    body = "150422{:04d}{:02d}{:02d}{:03d}".format(
        rng.randint(1930, 1946), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 999)
    )
    return body + (yikatong.ResidentId.check_character(body) or "0")


def payments(people: int, seed: int = 7) -> pa.Table:
    """One paid row per person, and a few planted problems: listed twice, paid
    late, paid onto another household's card."""
    rng = random.Random(seed)
    ids = sorted({resident_id(rng) for _ in range(people)})
    n = len(ids)
    accounts = [f"6228{i:015d}" for i in range(n)]
    settled = [datetime.date(2026, 11, 10)] * n
    for i in range(0, n, 97):
        settled[i] = datetime.date(2026, 11, 20)  # after the deadline
    for i in range(5, n, 211):
        accounts[i] = accounts[i - 1]  # a neighbour's card
    twice = list(range(3, n, 307))  # listed a second time
    rows = list(range(n)) + twice
    return pa.table(
        {
            "payment_id": [f"{k:032X}" for k in range(len(rows))],
            "attempt": pa.array([1] * len(rows), pa.uint8()),
            "beneficiary": [ids[i] for i in rows],
            "payee": [ids[i] for i in rows],
            "household_id": [f"H{i}" for i in rows],
            "registered_name": ["王秀英"] * len(rows),
            "holder_name": ["王秀英"] * len(rows),
            "account": [accounts[i] for i in rows],
            "project": ["GLJT"] * len(rows),
            "period": ["2026-11"] * len(rows),
            "township": ["150422100000"] * len(rows),
            "county": ["150422000000"] * len(rows),
            "amount_fen": pa.array([10_000] * len(rows), pa.int64()),
            "settled_on": [settled[i] for i in rows],
            "counted": [True] * len(rows),
            "deadline": [datetime.date(2026, 11, 13)] * len(rows),
            "approved_roster_id": ["GLJT-2026-11-150422100"] * len(rows),
            "approved_line_no": pa.array([k + 1 for k in range(len(rows))], pa.uint32()),
            "approved_payee": [ids[i] for i in rows],
            "approved_account": [accounts[i] for i in rows],
        }
    )


class ProgressBars:
    """One tqdm bar per step of the checks ("reading rows", "checking rows",
    "grouping rows"), for `run_checks(progress=...)`. The checks call it from their
    worker threads, one call at a time."""

    def __init__(self) -> None:
        self.bars: dict[str, tqdm] = {}

    def __call__(self, step: str, done: int, total: int) -> None:
        bar = self.bars.get(step)
        if bar is None:
            bar = self.bars[step] = tqdm(total=total, desc=f"{step:<14}", unit=" rows" if step != "grouping rows" else "")
        bar.update(done - bar.n)
        if done >= total:
            bar.close()


def main() -> None:
    people = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    out = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else pathlib.Path("target/audit-example")
    out.mkdir(parents=True, exist_ok=True)
    table = payments(people)
    # Civil affairs' deaths and a list of public employees, as (ID, value) pairs.
    ids = table.column("beneficiary").to_pylist()
    deaths = [(ids[i], datetime.date(2026, 9, 1)) for i in range(11, len(ids), 1_009)]
    employees = [(ids[i], "public_employee") for i in range(17, len(ids), 1_201)]

    started = time.perf_counter()
    report = yikatong.run_checks(
        table,
        as_of=AS_OF,
        deaths=deaths,
        exclusions=employees,
        exclusion_rules={"public_employee": ["GLJT"]},
        progress=ProgressBars(),
    )
    took = time.perf_counter() - started
    print(f"{table.num_rows:,} payments checked in {took:.2f} s: {len(report)} findings")
    for check, (count, fen) in sorted(report.by_check.items()):
        print(f"  {check:<24} {count:>6}   {fen / 100:>14,.2f} yuan")

    findings = pl.DataFrame(report.findings)  # or pa.table(...), or .to_pandas()
    worst = findings.filter(pl.col("severity") == "critical").select("check_zh", "beneficiary", "action")
    print(worst.head(3))
    pyarrow.csv.write_csv(pa.table(report.findings), out / "findings.csv")
    pyarrow.csv.write_csv(pa.table(report.timeliness), out / "timeliness.csv")
    print(f"written: {out / 'findings.csv'}, {out / 'timeliness.csv'}")


if __name__ == "__main__":
    main()

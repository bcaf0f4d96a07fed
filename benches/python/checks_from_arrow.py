"""The Python side of the checks comparison: the same 10,021,413 rows and 1,000,000
reference entries as `cargo bench --bench checks`, read from the Arrow IPC files that
bench writes (``YIKATONG_BENCH_TABLES=dir``), checked through ``yikatong.run_checks``.

Compare the best time here with criterion's ``checks/from_arrow_and_run_checks_10m``
(the same operation in Rust: read the rows from Arrow, then check).

    python benches/python/checks_from_arrow.py DIR [--runs 5]

`scripts/bench-python checks` runs both sides.
"""

from __future__ import annotations

import argparse
import datetime
import pathlib
import time

import pyarrow as pa

import yikatong


def read(path: pathlib.Path) -> pa.Table:
    # Memory-mapped: the table's buffers are the file's pages, nothing is copied.
    with pa.memory_map(str(path)) as source:
        return pa.ipc.open_file(source).read_all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tables", type=pathlib.Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rows = read(args.tables / "rows.arrow")
    deaths = read(args.tables / "deaths.arrow")
    exclusions = read(args.tables / "exclusions.arrow")
    print(f"{rows.num_rows:,} rows, {deaths.num_rows:,} deaths, {exclusions.num_rows:,} tags")
    times = []
    for run in range(args.runs):
        started = time.perf_counter()
        report = yikatong.run_checks(
            rows,
            as_of=datetime.date(2026, 12, 1),
            deaths=deaths,
            exclusions=exclusions,
            exclusion_rules={
                "public_employee": ["CXJMYL", "NCDB"],
                "village_cadre": ["GDDLBH"],
                "no_rule_tag": [],
            },
            exclusive_pairs=[("CXJMYL", "KNCJR")],
        )
        took = time.perf_counter() - started
        times.append(took)
        print(f"run {run + 1}: {took:.2f} s, {len(report)} findings")
    best = min(times)
    print(f"best {best:.2f} s ({rows.num_rows / best / 1e6:.2f} M rows/s), "
          f"median {sorted(times)[len(times) // 2]:.2f} s")


if __name__ == "__main__":
    main()

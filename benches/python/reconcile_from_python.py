"""The Python side of the reconciliation comparison: read the bank's result files of
every batch of a 1,000,000-line roster and record them in the store, from Python.

`cargo bench --bench store_receive` writes the store (every batch exported) and the
bank's success and failure files to DIR (``$YIKATONG_BENCH_TABLES/reconcile``) and
times the same work in Rust (``store/read_results_and_receive_1m``). Each run here
starts from a fresh copy of the store; copying and opening it are not timed.

    python benches/python/reconcile_from_python.py DIR [--runs 3]
"""

from __future__ import annotations

import argparse
import datetime
import pathlib
import shutil
import time

import yikatong


def fresh_store(directory: pathlib.Path) -> yikatong.Store:
    work = directory / "work.sqlite"
    for stale in ("work.sqlite", "work.sqlite-wal", "work.sqlite-shm"):
        (directory / stale).unlink(missing_ok=True)
    shutil.copyfile(directory / "payments.sqlite", work)
    return yikatong.Store.open(work)


def reconcile(store: yikatong.Store, directory: pathlib.Path, batch_ids: list[str]) -> tuple[int, int]:
    """The timed work: returns (results, failed)."""
    results = failed = 0
    for batch_id in batch_ids:
        success = (directory / f"{batch_id}-ok.txt").read_bytes()
        failure = (directory / f"{batch_id}-fail.txt").read_bytes()
        answer = yikatong.read_agency_results(success, failure, batch_id=batch_id)
        received = store.receive(
            answer, by="bank", on=datetime.date(2026, 3, 23), command_id=f"results/{batch_id}"
        )
        results += len(answer)
        failed += received.report.tally("failed")[0]
    return results, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=pathlib.Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    batch_ids = (args.directory / "batches.txt").read_text().split()
    times = []
    for run in range(args.runs):
        with fresh_store(args.directory) as store:
            started = time.perf_counter()
            results, failed = reconcile(store, args.directory, batch_ids)
            took = time.perf_counter() - started
        times.append(took)
        print(f"run {run + 1}: {took:.2f} s for {results:,} results ({failed:,} failed)")
    best = min(times)
    print(f"best {best:.2f} s ({results / best / 1e6:.2f} M results/s)")


if __name__ == "__main__":
    main()

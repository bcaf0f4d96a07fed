"""The README's Python example runs and prints what its comments say."""

from __future__ import annotations

import contextlib
import io
import os
import pathlib
import re
import subprocess
import sys

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def test_readme_python_example_runs_and_prints_what_it_claims() -> None:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"```python\n(.*?)```", text, re.DOTALL)
    assert match, "README has no python example"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(match.group(1), "README.md", "exec"), {})
    lines = out.getvalue().splitlines()
    assert lines[0] == "110105********002X 1949-12-31"
    assert lines[1] == "壹仟肆佰零玖元伍角"
    assert "float" in lines[2]
    assert lines[3].startswith("110105194912310021 → ") and "'X'" in lines[3]


def test_readme_second_python_example_runs_and_prints_what_it_claims() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    assert len(blocks) >= 2, "README has no second python example"
    out = io.StringIO()
    here = os.getcwd()
    os.chdir(README.parent)  # the example loads a policy file by its repository path
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(blocks[1], "README.md", "exec"), {})
    finally:
        os.chdir(here)
    lines = out.getvalue().splitlines()
    assert lines[0] == "100.00 内民政发〔2022〕37号"
    assert lines[1] == "{'duplicate_payment': (1, 10000), 'review_payment_mismatch': (2, 20000)}"


def test_the_analysts_example_script_runs(tmp_path: pathlib.Path) -> None:
    script = README.parent / "examples" / "python" / "audit_checks.py"
    done = subprocess.run(
        [sys.executable, str(script), "3000", str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert "payments checked" in done.stdout
    # tqdm's bars, on stderr, each run to the end.
    for step in ("reading rows", "checking rows", "grouping rows"):
        assert any(step in line and "100%" in line for line in done.stderr.splitlines()), done.stderr
    assert "duplicate_payment" in done.stdout and "late_payment" in done.stdout
    findings = (tmp_path / "findings.csv").read_text(encoding="utf-8").splitlines()
    assert findings[0].startswith('"check","check_zh","severity"')
    assert len(findings) > 10
    assert (tmp_path / "timeliness.csv").exists()


def test_readme_store_example_runs_on_a_store_the_python_cycle_wrote(tmp_path: pathlib.Path) -> None:
    from test_payments import day, run_cycle
    from yikatong import Store

    path = tmp_path / "yikatong.sqlite"
    with Store.open(path) as store:
        run_cycle(store, tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    assert len(blocks) >= 3, "README has no store example"
    # The README opens the main job's store; here, the one the cycle test wrote.
    code = blocks[2].replace("target/disbursement/yikatong.sqlite", str(path))
    first_results = day(18)
    code = code.replace(
        "datetime.date(2026, 11, 4)",
        f"datetime.date({first_results.year}, {first_results.month}, {first_results.day})",
    )
    out = io.StringIO()
    here = os.getcwd()
    os.chdir(README.parent)
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md", "exec"), {})
    finally:
        os.chdir(here)
    lines = out.getvalue().splitlines()
    assert lines[0] == "True"
    assert lines[1] == "{'failed': Decimal('425.00'), 'settled': Decimal('975.00')}"
    assert lines[2] == "2 550.00"

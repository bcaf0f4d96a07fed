"""The README's Python example runs and prints what its comments say."""

from __future__ import annotations

import contextlib
import io
import pathlib
import re

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

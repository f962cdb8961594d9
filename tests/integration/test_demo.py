"""`misusewatch demo --no-dashboard`: the whole pipeline on the testbed, checked against its truth."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    workdir = tmp_path_factory.mktemp("demo")  # no sources.toml here: the project watchlist is used
    result = subprocess.run(
        [sys.executable, "-m", "misusewatch.cli", "demo", "--no-dashboard", "--posts", "1200", "--seed", "7"],
        cwd=workdir, capture_output=True, text=True, timeout=900,
    )
    return result, workdir


def stage_rows(stdout: str) -> dict[str, list[tuple[int, int]]]:
    """stage -> [(measured, truth)] for posts, discussion, plan, code, deployment."""
    rows = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and re.fullmatch(r"\d+ \(\d+\)", cells[1]):
            rows[cells[0]] = [tuple(map(int, re.findall(r"\d+", c))) for c in cells[1:]]
    return rows


def test_demo_exits_0_and_collects_exactly_the_truth(demo):
    result, workdir = demo
    assert result.returncode == 0, result.stderr[-3000:]
    truth = json.loads((workdir / "var" / "testbed" / "summary.json").read_text())
    rows = stage_rows(result.stdout)
    assert set(rows) == set(truth["by_stage"])
    for stage, cells in rows.items():
        assert cells[0] == (truth["by_stage"][stage], truth["by_stage"][stage]), stage


def test_demo_tags_misuse_close_to_the_truth(demo):
    result, _ = demo
    rows = stage_rows(result.stdout)
    measured = sum(m for cells in rows.values() for m, _ in cells[1:])
    true = sum(t for cells in rows.values() for _, t in cells[1:])
    # The tagger reads text only; the testbed's truth is what the generator intended.
    assert true > 0 and abs(measured - true) / true < 0.3, (measured, true)


def test_demo_prints_the_committee_summary_and_stores_alerts(demo):
    result, workdir = demo
    assert "# Threat summary" in result.stdout and "## Headline findings" in result.stdout
    assert re.search(r"\d+ rule firings -> \d+ new alerts", result.stderr)
    assert "Traceback" not in result.stderr


def test_second_demo_run_stores_nothing_new(demo):
    _, workdir = demo
    again = subprocess.run(
        [sys.executable, "-m", "misusewatch.cli", "demo", "--no-dashboard", "--posts", "1200", "--seed", "7"],
        cwd=workdir, capture_output=True, text=True, timeout=900,
    )
    assert again.returncode == 0, again.stderr[-3000:]
    assert re.findall(r"testbed-\w+: (\d+) new", again.stderr) and all(
        n == "0" for n in re.findall(r"testbed-\w+: (\d+) new", again.stderr)
    )

"""``misusewatch testbed truth``: writes the ground truth; bad flags are one line, exit 2."""

from __future__ import annotations

import json

from click.testing import CliRunner

from misusewatch.cli import cli


def test_truth_writes_files_and_prints_the_summary(tmp_path) -> None:
    result = CliRunner().invoke(cli, ["testbed", "truth", "--posts", "300", "--seed", "7", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["posts"] == 300 and summary["seed"] == 7
    assert sum(1 for _ in (tmp_path / "truth.jsonl").open()) == 300
    assert (tmp_path / "actors.jsonl").stat().st_size > 0


def test_now_limits_the_truth(tmp_path) -> None:
    args = ["testbed", "truth", "--posts", "300", "--now", "2019-06-01T00:00:00Z", "--out", str(tmp_path)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in (tmp_path / "truth.jsonl").open()]
    assert 0 < len(rows) < 300 and max(r["created_at"] for r in rows) <= "2019-06-01T00:00:00Z"


def test_thread_posts_makes_long_threads(tmp_path) -> None:
    args = ["testbed", "truth", "--posts", "2000", "--platforms", "4chan", "--thread-posts", "150",
            "--out", str(tmp_path)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    threads = {json.loads(line)["thread_id"] for line in (tmp_path / "truth.jsonl").open()}
    assert len(threads) < 2000 / 50  # the forum's own mean (14) would give ~140 threads


def test_bad_flags_are_one_line_exit_2(tmp_path) -> None:
    for args in (
        ["testbed", "truth", "--platforms", "myspace", "--out", str(tmp_path)],
        ["testbed", "truth", "--now", "yesterday-ish", "--out", str(tmp_path)],
        ["testbed", "truth", "--posts", "0", "--out", str(tmp_path)],
        ["testbed", "truth", "--thread-posts", "0", "--out", str(tmp_path)],
        ["testbed", "serve", "--fault", "teapot:/"],
    ):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("misusewatch: error:"), result.stderr

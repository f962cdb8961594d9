"""The store verbs end to end through the real console script on a real SQLite file."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

POSTS = [
    {"source": "s", "platform": "phpbb", "site": "ex.org", "thread_id": "1", "post_id": str(n),
     "created_at": f"2019-03-0{n}T10:00:00Z", "text": f"post {n} about GPT-2 spam bots", "author": "kim"}
    for n in range(1, 6)
]


def run(args: list[str], cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "misusewatch.cli", *args],
        cwd=cwd, input=stdin, capture_output=True, text=True, timeout=120,
    )


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "posts.jsonl").write_text("".join(json.dumps(p) + "\n" for p in POSTS))
    return tmp_path


def test_import_twice_leaves_the_store_unchanged(workdir: Path):
    first = run(["import", "posts.jsonl"], workdir)
    assert first.returncode == 0, first.stderr
    assert "5 inserted, 0 updated, 0 unchanged, 0 rejected" in first.stdout
    second = run(["import", "posts.jsonl"], workdir)
    assert "0 inserted, 0 updated, 5 unchanged" in second.stdout
    exported = run(["export"], workdir)
    assert [json.loads(line)["post_id"] for line in exported.stdout.splitlines()] == ["1", "2", "3", "4", "5"]


def test_malformed_line_is_reported_and_valid_lines_kept(workdir: Path):
    no_text = {k: v for k, v in POSTS[1].items() if k != "text"}
    lines = [json.dumps(POSTS[0]), '{"source": "s", oops', json.dumps(no_text), json.dumps(POSTS[2])]
    (workdir / "mixed.jsonl").write_text("\n".join(lines) + "\n")
    result = run(["import", "mixed.jsonl"], workdir)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line]
    assert errors == [
        "misusewatch: error: mixed.jsonl:2: malformed JSON: Expecting property name enclosed in double quotes",
        "misusewatch: error: mixed.jsonl:3: missing field text",
    ]
    assert "Traceback" not in result.stderr
    assert "2 inserted" in result.stdout
    assert run(["search", "", "--json"], workdir).stdout.count("\n") == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--store", "mongodb://x", "search", "a"],
         "unknown store URL 'mongodb://x': expected one of http://, https://, sqlite://"),
        (["import", "missing.jsonl"], "missing.jsonl: no such file"),
    ],
)
def test_bad_input_is_one_line_exit_2(workdir: Path, args: list[str], message: str):
    result = run(args, workdir)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"misusewatch: error: {message}"]


def test_search_and_filters(workdir: Path):
    run(["import", "posts.jsonl"], workdir)
    hits = run(["search", "post 3", "--json"], workdir)
    assert [json.loads(x)["post_id"] for x in hits.stdout.splitlines()] == ["3"]
    since = run(["search", "", "--since", "2019-03-04", "--json", "--sort", "oldest"], workdir)
    assert [json.loads(x)["post_id"] for x in since.stdout.splitlines()] == ["4", "5"]
    hostile = run(["search", 'NEAR( "unbalanced * OR'], workdir)
    assert hostile.returncode == 0, hostile.stderr
    kim = run(["search", "", "--actor", "phpbb:ex.org:kim", "--json"], workdir)
    assert len(kim.stdout.splitlines()) == 5
    assert run(["search", "", "--actor", "phpbb:ex.org:lee", "--json"], workdir).stdout == ""


def test_csv_export_neutralises_formulas(workdir: Path):
    row = dict(POSTS[0], text="=HYPERLINK(\"http://evil\")")
    (workdir / "evil.jsonl").write_text(json.dumps(row) + "\n")
    run(["import", "evil.jsonl"], workdir)
    out = run(["export", "--format", "csv"], workdir).stdout
    record = next(csv.DictReader(io.StringIO(out)))
    assert record["text"].startswith("'=")


def test_export_round_trips_through_import(workdir: Path, tmp_path: Path):
    run(["import", "posts.jsonl"], workdir)
    run(["export", "-o", "out.jsonl", "--raw"], workdir)
    other = tmp_path / "other"
    other.mkdir()
    (other / "out.jsonl").write_text((workdir / "out.jsonl").read_text())
    result = run(["import", "out.jsonl"], other)
    assert "5 inserted" in result.stdout

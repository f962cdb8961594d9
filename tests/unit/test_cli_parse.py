"""`misusewatch parse` and `misusewatch sources`: offline, JSON lines out, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from misusewatch.cli import cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REPO = Path(__file__).resolve().parents[2]
FIELDS = {"id", "platform", "site", "thread_id", "post_id", "thread_title", "author", "author_id",
          "created_at", "edited_at", "text", "url", "reply_to"}


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_parse_prints_json_lines_with_the_contract_fields():
    result = run("parse", "--platform", "4chan", str(FIXTURES / "4chan" / "thread_70001000.json"))
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 5 and set(lines[0]) == FIELDS
    assert lines[0]["created_at"] == "2019-04-03T16:00:00Z"
    assert lines[0]["id"] == "4chan:boards.4chan.org:70001000:70001000"
    assert "thread_70001000.json: 5 posts, 0 links a crawl would follow" in result.stderr


def test_parse_several_files_and_options():
    result = run("parse", "--platform", "phpbb", "--url", "https://forum.example.org/viewtopic.php?t=42",
                 "--timezone", "Europe/London", str(FIXTURES / "phpbb" / "phpbb2_viewtopic.html"))
    first = json.loads(result.stdout.splitlines()[0])
    assert first["site"] == "forum.example.org" and first["created_at"] == "2019-05-11T13:15:00Z"
    assert first["url"] == "https://forum.example.org/viewtopic.php?p=301#301"
    result = run("parse", "--platform", "generic", "--profile", str(FIXTURES / "generic" / "xenforo_like.toml"),
                 "--url", "https://forums.example.com/threads/x.2200/", str(FIXTURES / "generic" / "thread.html"))
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 2
    # without the page's URL the profile's url: thread id has nothing to match: one clear line
    result = run("parse", "--platform", "generic", "--profile", str(FIXTURES / "generic" / "xenforo_like.toml"),
                 str(FIXTURES / "generic" / "thread.html"))
    assert result.exit_code == 2 and "thread_id 'url:/threads/" in result.stderr


def test_parse_reports_invalid_posts_and_keeps_the_rest():
    result = run("parse", "--platform", "feed", str(FIXTURES / "feed" / "rss.xml"))
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 2
    assert "skipped post https://paste.example.org/p/NoDate: missing field created_at" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--platform", "4chan", "{fixtures}/phpbb/phpbb2_viewtopic.html"],
         "phpbb2_viewtopic.html: cannot parse as 4chan: not valid JSON"),
        (["--platform", "discourse", "{fixtures}/4chan/archive.json"],
         "archive.json: cannot parse as discourse: not a Discourse JSON object"),
        (["--platform", "phpbb", "{fixtures}/generic/thread.html"],
         "thread.html: cannot parse as phpbb: no phpBB posts, topics or forums on this page"),
        (["--platform", "feed", "{fixtures}/4chan/threads.json"], "threads.json: cannot parse as feed"),
        (["--platform", "reddit", "{fixtures}/nope.json"], "nope.json: no such file"),
        (["--platform", "myspace", "{fixtures}/4chan/threads.json"], "--platform: unknown 'myspace'"),
        (["--platform", "generic", "{fixtures}/generic/thread.html"], "--platform generic needs --profile"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message):
    args = [a.format(fixtures=FIXTURES) for a in args]
    result = run("parse", *args)
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("misusewatch: error: ") and message in line


def test_truncated_and_empty_files(tmp_path):
    whole = (FIXTURES / "4chan" / "thread_70001000.json").read_bytes()
    cut = tmp_path / "cut.json"
    cut.write_bytes(whole[: len(whole) // 2])
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    for path, message in ((cut, "cut.json: cannot parse as 4chan: not valid JSON"),
                          (empty, "empty.json: empty file")):
        result = run("parse", "--platform", "4chan", str(path))
        assert result.exit_code == 2 and message in result.stderr


def test_console_script_error_has_no_traceback(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    proc = subprocess.run([sys.executable, "-m", "misusewatch.cli", "parse", "--platform", "reddit", str(bad)],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"misusewatch: error: {bad}: cannot parse as reddit: not valid "
                                                f"JSON (Expecting property name enclosed in double quotes: "
                                                f"line 1 column 2 (char 1))"]
    assert proc.stdout == ""


def test_sources_list_and_check(tmp_path):
    result = run("sources", "check", "--sources", str(REPO / "sources.toml"))
    assert result.exit_code == 0 and "sources OK" in result.stdout
    result = run("sources", "list", "--json", "--sources", str(REPO / "sources.toml"))
    names = [json.loads(line)["name"] for line in result.stdout.splitlines()]
    assert "testbed-discourse" in names
    bad = tmp_path / "s.toml"
    bad.write_text('[[source]]\nname = "x"\nplatform = "feed"\nstart_urls = ["gopher://x"]\n')
    result = run("sources", "check", "--sources", str(bad))
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"misusewatch: error: {bad}:1: source 'x': start_urls: "
                                     "'gopher://x' is not an http(s) URL")

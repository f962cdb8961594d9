"""``misusewatch users`` and ``misusewatch dashboard``: accounts from the command line, safe launch flags."""

from __future__ import annotations

from click.testing import CliRunner

from dashboard.auth import UserFile
from dashboard.launch import REPO, dashboard_env, streamlit_command
from misusewatch.cli import cli
from misusewatch.config import DEFAULT_STORE
from misusewatch.records import CrawlRun, utcnow
from misusewatch.store import open_store


def run(args, env=None):
    return CliRunner().invoke(cli, args, env=env or {}, catch_exceptions=False)


def test_users_add_list_remove(tmp_path):
    users = tmp_path / "users.toml"
    added = run(["users", "add", "carol", "--role", "committee", "--users-file", str(users)],
                env={"MISUSEWATCH_USER_PASSWORD": "carol-password"})
    assert added.exit_code == 0, added.output
    assert UserFile.load(users).authenticate("carol", "carol-password").role == "committee"
    listed = run(["users", "list", "--users-file", str(users)])
    assert "carol\tcommittee" in listed.output and "scrypt" not in listed.output
    assert run(["users", "remove", "carol", "--users-file", str(users)]).exit_code == 0
    assert UserFile.load(users).users == {}


def test_users_file_from_environment(tmp_path):
    users = tmp_path / "from-env.toml"
    result = run(["users", "add", "alice", "--role", "analyst"],
                 env={"MISUSEWATCH_USER_PASSWORD": "alice-password", "MISUSEWATCH_USERS_FILE": str(users)})
    assert result.exit_code == 0 and "alice" in UserFile.load(users).users


def test_bad_user_input_is_one_line_exit_2(tmp_path):
    users = str(tmp_path / "users.toml")
    short = run(["users", "add", "bob", "--role", "analyst", "--users-file", users],
                env={"MISUSEWATCH_USER_PASSWORD": "short"})
    assert short.exit_code == 2 and "shorter than" in short.output and "Traceback" not in short.output
    missing = run(["users", "remove", "nobody", "--users-file", users])
    assert missing.exit_code == 2 and "no user 'nobody'" in missing.output
    no_password = run(["users", "add", "bob", "--role", "analyst", "--users-file", users])
    assert no_password.exit_code == 2 and "MISUSEWATCH_USER_PASSWORD" in no_password.output


def test_streamlit_launch_binds_loopback_and_phones_nowhere(tmp_path):
    command = streamlit_command("127.0.0.1", 8599)
    flags = dict(zip(command[5::2], command[6::2], strict=True))
    assert command[1:5] == ["-m", "streamlit", "run", command[4]] and command[4].endswith("dashboard/app.py")
    assert flags["--server.address"] == "127.0.0.1" and flags["--server.port"] == "8599"
    assert flags["--browser.gatherUsageStats"] == "false" and flags["--server.headless"] == "true"
    env = dashboard_env("sqlite:////srv/x.db", tmp_path / "u.toml")
    assert env["MISUSEWATCH_STORE"] == "sqlite:////srv/x.db" and env["MISUSEWATCH_USERS_FILE"].endswith("u.toml")


def test_the_dashboard_reads_the_watchlist_the_launch_names_not_the_repositorys(tmp_path, monkeypatch):
    """The app runs in the repository: a relative sources_file is resolved where the CLI runs."""
    monkeypatch.chdir(tmp_path)
    env = dashboard_env("sqlite:///x.db", tmp_path / "u.toml", sources_file="sources.toml")
    assert env["MISUSEWATCH_SOURCES_FILE"] == str(tmp_path / "sources.toml")


def test_the_dashboard_opens_the_store_file_the_callers_directory_names(tmp_path, monkeypatch):
    """The app runs in the repository: the default relative SQLite file is the one in the
    directory the CLI runs in, where the crawls and the scheduler write, not the repository's."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "var").mkdir()
    written = open_store(DEFAULT_STORE)  # as `misusewatch crawl` run here opens it
    written.record_crawl_run(CrawlRun("run-1", "here-forum", utcnow(), status="finished"))
    written.close()
    url = dashboard_env(DEFAULT_STORE, tmp_path / "u.toml")["MISUSEWATCH_STORE"]
    assert url == f"sqlite:///{(tmp_path / 'var' / 'misusewatch.db').resolve()}"
    monkeypatch.chdir(REPO)  # where the app runs
    opened = open_store(url, init=False)
    assert [r.source for r in opened.list_crawl_runs()] == ["here-forum"]
    opened.close()
    # Nothing else is rewritten: these name the same store from any directory.
    for same in ("sqlite:////srv/misusewatch.db", "sqlite:///:memory:", "http://es:9200", "https://es.example:9200"):
        assert dashboard_env(same, tmp_path / "u.toml")["MISUSEWATCH_STORE"] == same


def test_dashboard_help_defaults_to_loopback():
    result = run(["dashboard", "--help"])
    assert result.exit_code == 0 and "127.0.0.1" in result.output

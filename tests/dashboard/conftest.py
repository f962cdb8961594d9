"""A seeded store, a users file and an AppTest factory for the dashboard's page tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.auth import UserFile
from dashboard.demo_seed import seed_demo_store
from misusewatch.store import open_store

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
PASSWORDS = {"alice": "alice-password", "carol": "carol-password", "sam": "sam-password"}


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One seeded SQLite store and users file for the session; tests that write use their own copy."""
    root = tmp_path_factory.mktemp("dashboard")
    url = f"sqlite:///{root / 'store.db'}"
    store = open_store(url)
    marked = seed_demo_store(store)
    store.close()
    users = UserFile(root / "users.toml")
    users.add("alice", "analyst", PASSWORDS["alice"])
    users.add("carol", "committee", PASSWORDS["carol"])
    users.add("sam", "stakeholder", PASSWORDS["sam"], stakeholder="example-news")
    users.save()
    return {"root": root, "url": url, "users": root / "users.toml", "marked": marked}


@pytest.fixture
def writable(seeded: dict, tmp_path: Path) -> dict:
    """A private copy of the seeded store, for tests that label or override."""
    import sqlite3

    path = tmp_path / "store.db"
    source = sqlite3.connect(seeded["url"].removeprefix("sqlite:///"))
    target = sqlite3.connect(path)
    source.backup(target)
    source.close()
    target.close()
    return {**seeded, "url": f"sqlite:///{path}"}


@pytest.fixture
def app_for(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., AppTest]:
    """AppTest of the real entry point on a given store, signed in as a role (or not at all)."""

    def make(env: dict, role: str | None = "analyst", *, name: str | None = None,
             stakeholder: str | None = None, config_text: str = "", watchlist: str | None = None) -> AppTest:
        config = tmp_path / "misusewatch.toml"
        config.write_text(config_text)  # also keeps a developer's ./misusewatch.toml out of the tests
        monkeypatch.setenv("MISUSEWATCH_CONFIG", str(config))
        # The watchlist given, else none: never the repository's sources.toml.
        sources = tmp_path / "sources.toml"
        if watchlist is not None:
            sources.write_text(watchlist)
        else:
            sources.unlink(missing_ok=True)  # one an earlier make() in the same test wrote
        monkeypatch.setenv("MISUSEWATCH_SOURCES_FILE", str(sources))
        monkeypatch.setenv("MISUSEWATCH_STORE", env["url"])
        monkeypatch.setenv("MISUSEWATCH_USERS_FILE", str(env["users"]))
        monkeypatch.delenv("MISUSEWATCH_DASHBOARD_DEMO", raising=False)
        monkeypatch.delenv("MISUSEWATCH_WORKDIR", raising=False)  # the app would move there
        at = AppTest.from_file(str(APP), default_timeout=60)
        if role is not None:
            default = {"analyst": "alice", "committee": "carol", "stakeholder": "sam"}[role]
            if role == "stakeholder":
                stakeholder = stakeholder or "example-news"
            at.session_state["user"] = {"name": name or default, "role": role, "stakeholder": stakeholder}
        return at

    return make


def open_page(at: AppTest, page: str, **query) -> AppTest:
    """Run the app once (registers the pages), then switch to ``views/<page>.py`` and run it."""
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.query_params.update(query)
    return at.switch_page(f"views/{page}.py").run()


def no_exceptions(at: AppTest) -> None:
    assert not at.exception, "\n".join(str(e.value) + "\n" + "\n".join(e.stack_trace) for e in at.exception)


def frame_with(at: AppTest, *columns: str):
    """The first dataframe on the page that has all these columns."""
    for element in at.dataframe:
        frame = element.value
        if all(c in frame.columns for c in columns):
            return frame
    raise AssertionError(f"no dataframe with columns {columns}; have {[list(d.value.columns) for d in at.dataframe]}")


def html_bodies(at: AppTest) -> list[str]:
    return [element.proto.body for element in at.get("html")]


def markdown_texts(at: AppTest) -> list[str]:
    """Everything Streamlit renders as markdown: markdown, captions, titles, headers, alerts."""
    kinds = ("markdown", "caption", "title", "header", "subheader", "error", "warning", "info", "success")
    return [element.value for kind in kinds for element in at.get(kind)]

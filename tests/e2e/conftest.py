"""The real dashboard as a subprocess on a free loopback port, on a seeded store, and a Chromium to drive it."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.auth import UserFile
from dashboard.browser import CHROMIUM, Session, browser_session
from dashboard.demo_seed import seed_demo_store
from dashboard.launch import free_port, start_dashboard
from misusewatch.store import open_store

NAME, PASSWORD = "alice", "alice-e2e-password"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="module")
def dashboard_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not installed (apt-get install -y chromium): browser tests skipped")
    if importlib.util.find_spec("playwright") is None:
        pytest.skip("the playwright Python package is not installed")
    root = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{root / 'store.db'}"
    store = open_store(url)
    marked = seed_demo_store(store)
    store.close()
    users = UserFile(root / "users.toml")
    users.add(NAME, "analyst", PASSWORD)
    users.save()
    port = free_port()
    proc = start_dashboard(url, users_file=root / "users.toml", port=port, echo=lambda _: None,
                           log_path=root / "streamlit.log")
    try:
        yield {"base_url": f"http://127.0.0.1:{port}", "url": url, "marked": marked, "log": root / "streamlit.log"}
    finally:
        proc.terminate()
        proc.wait(15)


@pytest.fixture
def browser(dashboard_server: dict) -> Iterator[Session]:
    with browser_session(dashboard_server["base_url"]) as session:
        yield session
        log = Path(dashboard_server["log"])
        problems = session.problems()
        assert not problems, "\n".join(problems) + "\n--- streamlit log ---\n" + log.read_text()[-3000:]

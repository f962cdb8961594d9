"""Services the scheduler tests point jobs at: one that blocks until released, one that fails."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

started = threading.Event()
release = threading.Event()
calls: list[str] = []


def blocking_service(app) -> str:
    """In-process: count the call, then hold the job until the test releases it."""
    calls.append(app.settings.store)
    started.set()
    release.wait(timeout=120)
    return "released"


def failing_service(app) -> None:
    raise RuntimeError("boom")


def file_gated_service(app) -> str:
    """Across processes: mark started, wait for the release file, mark finished."""
    folder = Path(os.environ["MW_TEST_GATE"])
    (folder / "started").write_text("1")
    deadline = time.monotonic() + 120  # a safety net only; the test releases it
    while not (folder / "release").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    (folder / "finished").write_text("1")
    return "finished"

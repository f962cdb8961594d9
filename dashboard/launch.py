"""Start the Streamlit dashboard as a child process: blocking for the CLI and demo, or in the background."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from dashboard.auth import ensure_default_user
from dashboard.config import USERS_FILE_ENV, WORKDIR_ENV
from misusewatch.store.sqlite import absolute_sqlite_url

APP = Path(__file__).resolve().parent / "app.py"
REPO = APP.parents[1]
DEMO_ENV = "MISUSEWATCH_DASHBOARD_DEMO"


def streamlit_command(host: str, port: int) -> list[str]:
    """``streamlit run dashboard/app.py`` that phones nowhere and binds only where asked."""
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.address", host,
        "--server.port", str(port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
        "--global.developmentMode", "false",
        "--client.toolbarMode", "viewer",
    ]


def dashboard_env(store_url: str, users_file: str | Path, *, config_path: str | Path | None = None,
                  sources_file: str | Path | None = None, demo: bool = False) -> dict[str, str]:
    env = dict(os.environ)
    # The app runs in the repository: a relative SQLite file is the one the caller's cwd names,
    # where the CLI and the scheduler write (an Elasticsearch URL means the same from anywhere).
    env["MISUSEWATCH_STORE"] = absolute_sqlite_url(store_url)
    env[USERS_FILE_ENV] = str(Path(users_file).resolve())
    if config_path:
        env["MISUSEWATCH_CONFIG"] = str(Path(config_path).resolve())
    if sources_file:
        # Resolved here: the app runs in the repository, where a relative path names another file.
        env["MISUSEWATCH_SOURCES_FILE"] = str(Path(sources_file).resolve())
    env[DEMO_ENV] = "1" if demo else ""
    # The app moves there (dashboard.config.enter_workdir): every other relative path in the
    # settings, a model's included, then names what it names to the CLI run here.
    env[WORKDIR_ENV] = os.getcwd()
    # The app imports `dashboard` and `misusewatch` from the repository, whatever the cwd.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    return env


def _announce_default_user(users_file: str | Path, demo: bool, echo) -> None:
    created = ensure_default_user(users_file, demo=demo)
    if created:
        name, password = created
        note = "the documented demo password" if demo else "shown once; change it with `misusewatch users add`"
        echo(f"dashboard: created user {name!r} with password {password!r} ({note})")


def start_dashboard(store_url: str, *, users_file: str | Path, host: str = "127.0.0.1", port: int = 8501,
                    config_path: str | Path | None = None, sources_file: str | Path | None = None,
                    demo: bool = False, echo=print, log_path: str | Path | None = None) -> subprocess.Popen:
    """Start the dashboard in the background and return once it answers its health check."""
    _announce_default_user(users_file, demo, echo)
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 - owned by the child
    proc = subprocess.Popen(streamlit_command(host, port), cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                            env=dashboard_env(store_url, users_file, config_path=config_path,
                                              sources_file=sources_file, demo=demo))
    try:
        wait_until_ready(f"http://{host}:{port}", proc)
    except Exception:
        proc.terminate()
        proc.wait(10)
        raise
    return proc


def run_dashboard(store_url: str, *, users_file: str | Path, host: str = "127.0.0.1", port: int = 8501,
                  config_path: str | Path | None = None, sources_file: str | Path | None = None,
                  demo: bool = False, echo=print) -> int:
    """Serve the dashboard until interrupted (Ctrl-C); returns Streamlit's exit status."""
    _announce_default_user(users_file, demo, echo)
    echo(f"dashboard: http://{host}:{port}  (store {absolute_sqlite_url(store_url)}; Ctrl-C to stop)")
    proc = subprocess.Popen(streamlit_command(host, port), cwd=REPO,
                            env=dashboard_env(store_url, users_file, config_path=config_path,
                                              sources_file=sources_file, demo=demo))
    # `docker stop` or a service manager sends SIGTERM to us: pass it on, never orphan Streamlit.
    previous = _forward_sigterm(proc)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            return proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _forward_sigterm(proc: subprocess.Popen):
    try:
        return signal.signal(signal.SIGTERM, lambda signum, frame: proc.send_signal(signum))
    except ValueError:  # not the main thread: the caller owns signal handling
        return None


def wait_until_ready(base_url: str, proc: subprocess.Popen | None = None, timeout: float = 60.0) -> None:
    """Poll Streamlit's health endpoint; raise if the process exits or never answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"dashboard exited with status {proc.returncode} before it was ready")
        try:
            with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    raise TimeoutError(f"dashboard at {base_url} not ready after {timeout:.0f} s")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]

"""``misusewatch dashboard`` for real: serves on loopback, creates the first account once, stops on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dashboard.auth import UserFile
from dashboard.launch import free_port, wait_until_ready


@pytest.mark.integration
def test_dashboard_command_serves_loopback_and_stops_cleanly(tmp_path):
    port = free_port()
    users = tmp_path / "users.toml"
    env = {**os.environ, "MISUSEWATCH_CONFIG": str(tmp_path / "none.toml")}
    (tmp_path / "none.toml").write_text("")
    proc = subprocess.Popen(
        [sys.executable, "-m", "misusewatch.cli", "--store", f"sqlite:///{tmp_path / 'store.db'}", "dashboard",
         "--port", str(port), "--users-file", str(users)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=tmp_path,
    )
    try:
        wait_until_ready(f"http://127.0.0.1:{port}", proc)
        with pytest.raises(OSError):  # bound to 127.0.0.1 only, so not reachable on another address
            socket.create_connection((_other_address(), port), timeout=1).close()
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=30)
    password = re.search(r"created user 'analyst' with password '([^']+)'", output).group(1)
    assert UserFile.load(users).authenticate("analyst", password) is not None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # Streamlit went with us: the port is free again
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return
        time.sleep(0.2)
    pytest.fail("the Streamlit server outlived `misusewatch dashboard`")


def _other_address() -> str:
    """A non-loopback address of this machine (skips when it has none)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("192.0.2.1", 9))  # TEST-NET-1: no packet is sent for a UDP connect
            address = sock.getsockname()[0]
        except OSError:
            address = ""
    if not address or address.startswith("127."):
        pytest.skip("no non-loopback address to check the binding against")
    return address


@pytest.mark.integration
def test_dashboard_started_elsewhere_opens_the_store_of_the_directory_it_was_started_in(tmp_path):
    """Streamlit runs in the repository; the default ``sqlite:///var/misusewatch.db`` must still
    name the file under the directory ``misusewatch dashboard`` was started in."""
    if not Path("/proc/self/environ").exists():
        pytest.skip("reads the Streamlit process's environment from /proc")
    port = free_port()
    (tmp_path / "none.toml").write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MISUSEWATCH_")}  # the default store
    env["MISUSEWATCH_CONFIG"] = str(tmp_path / "none.toml")
    proc = subprocess.Popen(
        [sys.executable, "-m", "misusewatch.cli", "dashboard", "--port", str(port),
         "--users-file", str(tmp_path / "users.toml")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=tmp_path,
    )
    try:
        wait_until_ready(f"http://127.0.0.1:{port}", proc)
        (streamlit,) = _children(proc.pid)
        store_url = _environ(streamlit)["MISUSEWATCH_STORE"]
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=30)
    expected = f"sqlite:///{(tmp_path / 'var' / 'misusewatch.db').resolve()}"
    assert store_url == expected
    assert f"(store {expected}; Ctrl-C to stop)" in output  # the terminal names the same file


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid``, from /proc/<pid>/stat (ppid is the 2nd field after the name)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # exited meanwhile
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _environ(pid: int) -> dict[str, str]:
    pairs = Path(f"/proc/{pid}/environ").read_bytes().decode().split("\0")
    return dict(pair.split("=", 1) for pair in pairs if "=" in pair)

"""``misusewatch dashboard`` for real: serves on loopback, creates the first account once, stops on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time

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

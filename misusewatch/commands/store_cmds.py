"""Store verbs: init, import, export, search (filled in with the SQLite backend)."""

from __future__ import annotations

COMMANDS: list = []

"""Errors a user can cause: the CLI prints them as one line and exits 2, never a traceback."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input from the user: a file, a line, a flag. ``str()`` names where."""

    def __init__(self, message: str, *, path: object = None, line: int | None = None):
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(f"{where}{message}")
        self.path = path
        self.line = line

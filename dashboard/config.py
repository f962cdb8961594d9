"""The ``[dashboard]`` settings: validated in one place so a typo is a clear error, not a silent default."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from misusewatch.config import ConfigError, Settings

# key -> what it is (docs/dashboard.md documents each; tests/unit/test_dashboard_docs.py checks).
KEYS = {
    "users_file": "accounts file (default <var_dir>/users.toml)",
    "gltr_model": "local path or id of a causal LM for the GLTR token view",
}
USERS_FILE_ENV = "MISUSEWATCH_USERS_FILE"
WORKDIR_ENV = "MISUSEWATCH_WORKDIR"


def dashboard_section(settings: Settings) -> dict[str, Any]:
    section = settings.section("dashboard")
    unknown = sorted(set(section) - set(KEYS))
    if unknown:
        where = settings.config_path or "misusewatch.toml"
        raise ConfigError(f"{where}: [dashboard]: unknown key(s) {unknown} (allowed: {', '.join(sorted(KEYS))})")
    return section


def users_file_for(settings: Settings) -> Path:
    """``$MISUSEWATCH_USERS_FILE``, else ``[dashboard] users_file``, else ``<var_dir>/users.toml``."""
    chosen = os.environ.get(USERS_FILE_ENV) or dashboard_section(settings).get("users_file")
    return Path(chosen) if chosen else Path(settings.var_dir) / "users.toml"


def enter_workdir() -> None:
    """Work in ``$MISUSEWATCH_WORKDIR``, the directory ``misusewatch dashboard`` (or ``demo``) was
    started in, so each relative path in the settings (a model, ``var_dir``, the default
    ``misusewatch.toml`` and ``stakeholders.toml``) names the file the CLI run there reads.

    Streamlit itself starts in the repository, where it reads ``.streamlit/config.toml``; that is
    done before the app first runs, so moving afterwards keeps its settings.
    """
    workdir = os.environ.get(WORKDIR_ENV)
    if workdir and os.getcwd() != workdir:
        os.chdir(workdir)

"""Settings from ``misusewatch.toml`` (or ``$MISUSEWATCH_CONFIG``) with ``MISUSEWATCH_*`` env overrides."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_STORE = "sqlite:///var/misusewatch.db"
ENV_PREFIX = "MISUSEWATCH_"


class ConfigError(ValueError):
    """The config file is missing, unreadable or has a wrong value; the message says where."""


@dataclass(slots=True)
class Settings:
    """Top-level settings. Sections owned by one package (``[detectors]``, ``[alerts]``,
    ``[stages]``...) stay as plain dicts in ``sections``; that package parses its own.
    """

    store: str = DEFAULT_STORE
    var_dir: Path = Path("var")
    sources_file: Path = Path("sources.toml")
    dashboard_host: str = "127.0.0.1"
    dashboard_port: int = 8501
    config_path: Path | None = None
    sections: dict[str, Any] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        value = self.sections.get(name, {})
        if not isinstance(value, dict):
            raise ConfigError(f"{self.config_path}: [{name}] must be a table")
        return value


# The tables a package reads (each checks its own keys): anything else at the top is a typo.
SECTIONS = ("alerts", "assess", "dashboard", "detectors", "enrichment", "schedule", "stages")

_SCALARS = {
    "store": str,
    "var_dir": Path,
    "sources_file": Path,
    "dashboard_host": str,
    "dashboard_port": int,
}


def load_settings(
    path: str | Path | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """Read settings: defaults < config file < environment.

    The file is ``path``, else ``$MISUSEWATCH_CONFIG``, else ``./misusewatch.toml`` if present.
    Any top-level key can be overridden by ``MISUSEWATCH_<KEY>`` (e.g. ``MISUSEWATCH_STORE``).
    """
    env = os.environ if env is None else env
    chosen = path or env.get(f"{ENV_PREFIX}CONFIG")
    config_path = Path(chosen) if chosen else Path("misusewatch.toml")
    data: dict[str, Any] = {}
    if config_path.exists():
        try:
            data = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{config_path}: {exc}") from None
    elif chosen:
        raise ConfigError(f"{config_path}: config file not found")
    else:
        config_path = None  # type: ignore[assignment]

    settings = Settings(config_path=config_path)
    for key, value in data.items():
        if key in _SCALARS:
            setattr(settings, key, _coerce(key, value, config_path))
        elif key in SECTIONS:
            settings.sections[key] = value
        else:
            known = ", ".join([*_SCALARS, *(f"[{name}]" for name in SECTIONS)])
            raise ConfigError(f"{config_path}: unknown setting {key!r} (known: {known})")
    for key in _SCALARS:
        override = env.get(f"{ENV_PREFIX}{key.upper()}")
        if override:
            setattr(settings, key, _coerce(key, override, f"${ENV_PREFIX}{key.upper()}"))
    return settings


def _coerce(key: str, value: Any, where: object) -> Any:
    try:
        return _SCALARS[key](value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: {key} = {value!r} is not a valid {_SCALARS[key].__name__}") from None

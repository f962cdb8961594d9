"""Selector profiles: how the generic spider reads a forum it has no code for (TOML, checked)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parsel import Selector

from misusewatch.errors import InputError

# Every key a profile may have, per table, and whether it is required.
SCHEMA: dict[str, dict[str, bool]] = {
    "threads": {"row": False, "link": True, "version": False, "next_page": False},
    "posts": {
        "container": True,
        "id": True,
        "id_pattern": False,
        "thread_id": True,
        "thread_title": False,
        "author": False,
        "author_id": False,
        "author_id_pattern": False,
        "time": True,
        "time_format": False,
        "edited": False,
        "body": True,
        "reply_to": False,
        "reply_to_pattern": False,
        "next_page": False,
        "board": False,
    },
}
TOP_LEVEL = {"name", "timezone", "threads", "posts"}
_PATTERN_KEYS = {"id_pattern", "author_id_pattern", "reply_to_pattern"}
_PROBE = Selector(text="<html><body><p>x</p></body></html>")


@dataclass(slots=True)
class Profile:
    """A checked profile. ``threads`` is empty when the forum is crawled from thread URLs only."""

    name: str
    posts: dict[str, str]
    threads: dict[str, str] = field(default_factory=dict)
    timezone: str | None = None
    origin: str = "profile"

    def pattern(self, key: str) -> re.Pattern[str] | None:
        value = self.posts.get(key)
        return re.compile(value) if value else None


def load_profile(value: str | Path | dict[str, Any], *, base_dir: Path = Path(".")) -> Profile:
    """A profile from a TOML file path or an inline table; InputError names file and key."""
    if isinstance(value, dict):
        return parse_profile(value, origin="inline profile")
    path = Path(value)
    if not path.is_absolute():
        path = base_dir / path
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("profile file not found", path=path) from None
    except tomllib.TOMLDecodeError as exc:
        from crawlers.sources import toml_error

        message, line = toml_error(exc)
        raise InputError(f"not valid TOML: {message}", path=path, line=line) from None
    return parse_profile(data, origin=str(path))


def parse_profile(data: dict[str, Any], *, origin: str = "profile") -> Profile:
    def fail(message: str) -> InputError:
        return InputError(message, path=origin)

    unknown = set(data) - TOP_LEVEL
    if unknown:
        raise fail(f"unknown key(s) {sorted(unknown)} (allowed: {', '.join(sorted(TOP_LEVEL))})")
    if not isinstance(data.get("posts"), dict):
        raise fail("[posts] table is required (container, id, thread_id, time, body)")
    tables: dict[str, dict[str, str]] = {}
    for table, keys in SCHEMA.items():
        given = data.get(table, {})
        if table == "threads" and not given:
            tables[table] = {}
            continue
        if not isinstance(given, dict):
            raise fail(f"[{table}] must be a table")
        extra = set(given) - set(keys)
        if extra:
            raise fail(f"[{table}]: unknown key(s) {sorted(extra)} (allowed: {', '.join(sorted(keys))})")
        missing = [k for k, required in keys.items() if required and not given.get(k)]
        if missing:
            raise fail(f"[{table}]: missing {', '.join(missing)}")
        for key, expr in given.items():
            if not isinstance(expr, str) or not expr.strip():
                raise fail(f"[{table}].{key}: must be a non-empty string")
            if key in _PATTERN_KEYS or (key == "thread_id" and expr.startswith("url:")):
                _check_regex(expr.removeprefix("url:"), f"[{table}].{key}", fail)
            elif key != "time_format":
                _check_selector(expr, f"[{table}].{key}", fail)
        tables[table] = dict(given)
    timezone = data.get("timezone")
    if timezone is not None:
        from crawlers.text import zone
        from misusewatch.records import RecordError

        try:
            zone(timezone)
        except RecordError:
            raise fail(f"timezone: unknown time zone {timezone!r}") from None
    return Profile(
        name=str(data.get("name") or Path(origin).stem),
        posts=tables["posts"],
        threads=tables["threads"],
        timezone=timezone,
        origin=origin,
    )


def select(node: Selector, expr: str) -> list[str]:
    """Values an expression picks: ``xpath:...`` is XPath, anything else CSS (parsel syntax,
    ``::text`` and ``::attr(name)`` included). Elements give their outer HTML."""
    found = node.xpath(expr[6:]) if expr.startswith("xpath:") else node.css(expr)
    return found.getall()


def select_nodes(node: Selector, expr: str):
    return node.xpath(expr[6:]) if expr.startswith("xpath:") else node.css(expr)


def _check_selector(expr: str, where: str, fail) -> None:
    try:
        select_nodes(_PROBE, expr)
    except Exception as exc:  # cssselect and lxml raise several unrelated types
        raise fail(f"{where}: invalid selector {expr!r} ({exc})") from None


def _check_regex(expr: str, where: str, fail) -> None:
    try:
        compiled = re.compile(expr)
    except re.error as exc:
        raise fail(f"{where}: invalid regular expression {expr!r} ({exc})") from None
    if compiled.groups > 1:
        raise fail(f"{where}: use at most one capturing group, got {compiled.groups}")

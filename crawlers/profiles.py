"""Selector profiles: how the generic spider reads a forum it has no code for (TOML, checked)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parsel import Selector

from misusewatch.errors import InputError

# key -> (what it is, required). "selector": CSS (parsel: ::text, ::attr(x)) or "xpath:...";
# "pattern": a regular expression with at most one group; "thread_id" may also be "url:<regex>".
KEYS: dict[str, tuple[str, bool]] = {
    # what the profile is
    "name": ("text", False),
    "platform": ("text", False),
    "start_urls": ("urls", False),
    "timezone": ("zone", False),
    # navigation: forum index -> thread lists (paged) -> threads (paged)
    "board_links": ("selector", False),
    "thread_list": ("selector", False),
    "thread_links": ("selector", False),
    "thread_row": ("selector", False),
    "thread_version": ("selector", False),
    "next_page": ("selector", False),
    # a thread page
    "thread_id": ("selector", True),
    "thread_title": ("selector", False),
    "board": ("selector", False),
    "board_pattern": ("pattern", False),
    "post": ("selector", True),
    # within one post
    "post_id": ("selector", True),
    "post_id_pattern": ("pattern", False),
    "author": ("selector", False),
    "author_id": ("selector", False),
    "author_id_pattern": ("pattern", False),
    "timestamp": ("selector", True),
    "timestamp_format": ("text", False),
    "edited": ("selector", False),
    "body": ("selector", True),
    "reply_to": ("selector", False),
    "reply_to_pattern": ("pattern", False),
}
_PROBE = Selector(text="<html><body><p>x</p></body></html>")


@dataclass(slots=True)
class Profile:
    """A checked profile: the selector of each key it sets (see KEYS and docs/crawlers.md)."""

    name: str
    rules: dict[str, str]
    timezone: str | None = None
    start_urls: list[str] = field(default_factory=list)
    origin: str = "profile"

    def get(self, key: str) -> str | None:
        return self.rules.get(key)

    def pattern(self, key: str) -> re.Pattern[str] | None:
        value = self.rules.get(key)
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

    unknown = set(data) - set(KEYS)
    if unknown:
        raise fail(f"unknown key(s) {sorted(unknown)} (allowed: {', '.join(KEYS)})")
    missing = [key for key, (_, required) in KEYS.items() if required and not data.get(key)]
    if missing:
        raise fail(f"missing {', '.join(missing)} (a profile needs post, post_id, thread_id, timestamp, body)")
    rules: dict[str, str] = {}
    for key, value in data.items():
        kind = KEYS[key][0]
        if kind == "urls":
            if not isinstance(value, list) or not all(isinstance(u, str) for u in value):
                raise fail(f"{key}: must be a list of URLs")
            continue
        if not isinstance(value, str) or not value.strip():
            raise fail(f"{key}: must be a non-empty string")
        if kind == "selector" and not (key == "thread_id" and value.startswith("url:")):
            _check_selector(value, key, fail)
        elif kind == "pattern" or key == "thread_id":
            _check_regex(value.removeprefix("url:"), key, fail)
        elif kind == "zone":
            from crawlers.text import zone
            from misusewatch.records import RecordError

            try:
                zone(value)
            except RecordError:
                raise fail(f"timezone: unknown time zone {value!r}") from None
        if kind in ("selector", "pattern", "text") and key not in ("name", "platform"):
            rules[key] = value
    if data.get("platform", "generic") != "generic":
        raise fail(f"platform: a selector profile is for the generic platform, not {data['platform']!r}")
    if data.get("thread_version") and not data.get("thread_row"):
        raise fail("thread_version: needs thread_row (the version is read within each thread's row)")
    return Profile(
        name=str(data.get("name") or Path(origin).stem),
        rules=rules,
        timezone=data.get("timezone"),
        start_urls=list(data.get("start_urls") or []),
        origin=origin,
    )


def select(node: Selector, expr: str) -> list[str]:
    """Values an expression picks: ``xpath:...`` is XPath, anything else CSS (parsel syntax,
    ``::text`` and ``::attr(name)`` included). Elements give their outer HTML."""
    return select_nodes(node, expr).getall()


def select_nodes(node: Selector, expr: str):
    return node.xpath(expr[6:]) if expr.startswith("xpath:") else node.css(expr)


def _check_selector(expr: str, key: str, fail) -> None:
    try:
        select_nodes(_PROBE, expr)
    except Exception as exc:  # cssselect and lxml raise several unrelated types
        raise fail(f"{key}: invalid selector {expr!r} ({exc})") from None


def _check_regex(expr: str, key: str, fail) -> None:
    try:
        compiled = re.compile(expr)
    except re.error as exc:
        raise fail(f"{key}: invalid regular expression {expr!r} ({exc})") from None
    if compiled.groups > 1:
        raise fail(f"{key}: use at most one capturing group, got {compiled.groups}")

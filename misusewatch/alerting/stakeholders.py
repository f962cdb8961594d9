"""Stakeholders: who gets alerts, on which channels, about what, up to which TLP, how often."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from misusewatch.config import ConfigError
from misusewatch.records import CATEGORIES
from threat_model.rules import SEVERITIES, normalise_tlp

DIGESTS = ("immediate", "hourly", "daily")
WEBHOOK_FORMATS = ("json", "slack")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_KEYS = {"name", "email", "webhook", "interests", "tlp", "digest", "max_per_hour", "note"}
_INTEREST_KEYS = {"organisations", "domains", "keywords", "categories", "rules", "min_severity"}
_WEBHOOK_KEYS = {"url", "secret_env", "format"}


@dataclass(frozen=True, slots=True)
class Webhook:
    url: str
    secret_env: str | None = None  # the NAME of the environment variable holding the secret
    format: str = "json"  # json | slack


@dataclass(frozen=True, slots=True)
class Interests:
    """What a stakeholder wants; an empty list means "any". See docs/alerts.md for matching."""

    organisations: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    min_severity: str = "low"

    @property
    def terms(self) -> tuple[str, ...]:
        return self.organisations + self.domains + self.keywords


@dataclass(frozen=True, slots=True)
class Stakeholder:
    name: str
    tlp: str  # clearance: the most restricted TLP this stakeholder may receive
    email: tuple[str, ...] = ()
    webhook: Webhook | None = None
    interests: Interests = field(default_factory=Interests)
    digest: str = "immediate"
    max_per_hour: int = 20  # 0 = no throttle

    @property
    def channels(self) -> tuple[str, ...]:
        return (("email",) if self.email else ()) + (("webhook",) if self.webhook else ())

    @property
    def watch_terms(self) -> tuple[str, ...]:
        """Names a misuse plan could target: the rule plan_names_stakeholder looks for them."""
        return self.interests.organisations + self.interests.domains


def load_stakeholders(section: dict[str, Any], base_dir: Path, where: str,
                      rule_ids: list[str]) -> list[Stakeholder]:
    """Stakeholders from ``[[alerts.stakeholders]]`` plus the ``stakeholders_file`` (if any).

    ``stakeholders_file`` defaults to ``stakeholders.toml`` beside the config file, read when
    it exists; named explicitly, it must exist.
    """
    entries = [(where, i, e) for i, e in enumerate(section.get("stakeholders") or [])]
    named = section.get("stakeholders_file")
    path = base_dir / (named or "stakeholders.toml")
    if named and not path.exists():
        raise ConfigError(f"{where}: [alerts] stakeholders_file {str(path)!r} not found")
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: {exc}") from None
        unknown = set(data) - {"stakeholders"}
        if unknown:
            raise ConfigError(f"{path}: unknown key(s) {sorted(unknown)}; "
                              "expected only [[stakeholders]] tables")
        entries += [(str(path), i, e) for i, e in enumerate(data.get("stakeholders") or [])]
    out: list[Stakeholder] = []
    for origin, index, entry in entries:
        stakeholder = parse_stakeholder(entry, f"{origin}: stakeholders[{index}]", rule_ids)
        if any(s.name == stakeholder.name for s in out):
            raise ConfigError(f"{origin}: stakeholders[{index}]: duplicate name "
                              f"{stakeholder.name!r}")
        out.append(stakeholder)
    return out


def parse_stakeholder(entry: Any, where: str, rule_ids: list[str]) -> Stakeholder:
    """One stakeholder table, validated; errors name the file, the entry and the key."""
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: must be a table")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where}: name is required")
    where = f"{where} ({name})"
    _no_unknown(entry, _KEYS, where)
    email = entry.get("email") or ()
    email = (email,) if isinstance(email, str) else tuple(email)
    for address in email:
        if not isinstance(address, str) or not _EMAIL.match(address):
            raise ConfigError(f"{where}: email {address!r} is not an email address")
    webhook = _webhook(entry.get("webhook"), where)
    if not email and webhook is None:
        raise ConfigError(f"{where}: needs at least one channel (email or webhook)")
    try:
        tlp = normalise_tlp(entry.get("tlp", "green"))
    except ValueError as exc:
        raise ConfigError(f"{where}: tlp: {exc}") from None
    digest = entry.get("digest", "immediate")
    if digest not in DIGESTS:
        raise ConfigError(f"{where}: digest {digest!r} is not one of {', '.join(DIGESTS)}")
    max_per_hour = entry.get("max_per_hour", 20)
    if not isinstance(max_per_hour, int) or isinstance(max_per_hour, bool) or max_per_hour < 0:
        raise ConfigError(f"{where}: max_per_hour must be a whole number >= 0 (0 = no limit)")
    return Stakeholder(name=name.strip(), tlp=tlp, email=email, webhook=webhook,
                       interests=_interests(entry.get("interests") or {}, where, rule_ids),
                       digest=digest, max_per_hour=max_per_hour)


def _webhook(value: Any, where: str) -> Webhook | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = {"url": value}
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: webhook must be a URL or a table with url")
    if "secret" in value:
        raise ConfigError(f"{where}: webhook.secret: never put a secret in the config file; "
                          "put it in an environment variable and name it in secret_env")
    _no_unknown(value, _WEBHOOK_KEYS, f"{where}: webhook")
    url = value.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ConfigError(f"{where}: webhook.url {url!r} must be an http(s):// URL")
    secret_env = value.get("secret_env")
    if secret_env is not None and not (isinstance(secret_env, str) and _ENV_NAME.match(secret_env)):
        raise ConfigError(f"{where}: webhook.secret_env {secret_env!r} must be the name of an "
                          "environment variable")
    fmt = value.get("format", "json")
    if fmt not in WEBHOOK_FORMATS:
        raise ConfigError(f"{where}: webhook.format {fmt!r} is not one of "
                          f"{', '.join(WEBHOOK_FORMATS)}")
    return Webhook(url=url, secret_env=secret_env, format=fmt)


def _interests(value: Any, where: str, rule_ids: list[str]) -> Interests:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: interests must be a table")
    _no_unknown(value, _INTEREST_KEYS, f"{where}: interests")
    lists = {}
    for key in _INTEREST_KEYS - {"min_severity"}:
        items = value.get(key) or []
        if not isinstance(items, list) or not all(isinstance(x, str) and x.strip() for x in items):
            raise ConfigError(f"{where}: interests.{key} must be a list of non-empty strings")
        lists[key] = tuple(x.strip() for x in items)
    for key, known in (("categories", CATEGORIES), ("rules", rule_ids)):
        bad = sorted(set(lists[key]) - set(known))
        if bad:
            raise ConfigError(f"{where}: interests.{key}: unknown {bad} "
                              f"(known: {', '.join(sorted(known))})")
    severity = value.get("min_severity", "low")
    if severity not in SEVERITIES:
        raise ConfigError(f"{where}: interests.min_severity {severity!r} is not one of "
                          f"{', '.join(SEVERITIES)}")
    return Interests(min_severity=severity, **lists)


def _no_unknown(table: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown} (allowed: {', '.join(sorted(allowed))})")

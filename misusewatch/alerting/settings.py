"""The ``[alerts]`` settings: stakeholders, rules and their overrides, snoozes, SMTP, retries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from misusewatch.alerting.stakeholders import Stakeholder, load_stakeholders
from misusewatch.config import ConfigError, Settings
from misusewatch.notify import Notifier, notifiers
from misusewatch.records import RecordError, parse_time
from misusewatch.registry import UnknownNameError
from threat_model.rules import (
    DEFAULT_STAGES,
    SEVERITIES,
    ReleaseStage,
    Rule,
    normalise_tlp,
    rules,
)

_KEYS = {"stakeholders", "stakeholders_file", "smtp", "webhook", "rules", "snooze",
         "max_attempts", "backoff_base_s", "backoff_max_s", "digest_hour"}
_SNOOZE_KEYS = {"rule", "thread", "actor", "source", "until", "note"}


@dataclass(frozen=True, slots=True)
class Snooze:
    """Silence firings matching every given field, until ``until`` (None = until removed)."""

    rule: str | None = None
    thread: str | None = None
    actor: str | None = None
    source: str | None = None
    until: datetime | None = None
    note: str | None = None


@dataclass(slots=True)
class AlertSettings:
    stakeholders: list[Stakeholder]
    rules: list[Rule]  # enabled ones, built with their params
    notifiers: dict[str, Notifier]
    snoozes: list[Snooze] = field(default_factory=list)
    max_attempts: int = 24  # with the default backoff: retries span about 13.5 h (9-18 h with jitter)
    backoff_base_s: float = 60.0
    backoff_max_s: float = 3600.0
    digest_hour: int = 8  # UTC hour the daily digest goes out
    stages: tuple[ReleaseStage, ...] = DEFAULT_STAGES
    # One ``alerts run`` at a time on this host (scheduler and a person at the CLI).
    lock_path: Path | None = None
    # The watchlist: source_silent judges only the sources it has crawled (None: every source).
    sources_file: Path | None = None

    def stakeholder(self, name: str) -> Stakeholder | None:
        return next((s for s in self.stakeholders if s.name == name), None)

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


def load_alert_settings(settings: Settings) -> AlertSettings:
    """Parse and validate ``[alerts]``; every error is a ConfigError naming file and key."""
    where = str(settings.config_path or "misusewatch.toml")
    section = settings.section("alerts")
    unknown = sorted(set(section) - _KEYS)
    if unknown:
        raise ConfigError(f"{where}: [alerts]: unknown key(s) {unknown} "
                          f"(allowed: {', '.join(sorted(_KEYS))})")
    base_dir = settings.config_path.parent if settings.config_path else Path(".")
    out = AlertSettings(
        stakeholders=load_stakeholders(section, base_dir, where, rules.names()),
        rules=_rules(section.get("rules") or {}, where),
        notifiers={name: _notifier(name, section.get(key) or {}, where)
                   for name, key in (("email", "smtp"), ("webhook", "webhook"))},
        snoozes=[_snooze(s, f"{where}: [[alerts.snooze]][{i}]")
                 for i, s in enumerate(section.get("snooze") or [])],
        stages=_stages(settings, where),
        lock_path=Path(settings.var_dir) / "alerts-run.lock",
        sources_file=Path(settings.sources_file),
    )
    for key, kind, minimum in (("max_attempts", int, 1), ("backoff_base_s", float, 0),
                               ("backoff_max_s", float, 0), ("digest_hour", int, 0)):
        if key in section:
            value = section[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
                raise ConfigError(f"{where}: [alerts] {key} = {value!r} must be a number "
                                  f">= {minimum}")
            setattr(out, key, kind(value))
    if out.digest_hour > 23:
        raise ConfigError(f"{where}: [alerts] digest_hour must be 0-23")
    return out


def _stages(settings: Settings, where: str) -> tuple[ReleaseStage, ...]:
    """The release timeline from ``[stages]`` (threat_model/stages.py), else GPT-2's dates."""
    try:
        from threat_model.stages import timeline_from_config
    except ImportError:  # until threat_model/stages.py is merged
        return DEFAULT_STAGES
    timeline = timeline_from_config(settings.section("stages"), where)
    return tuple(ReleaseStage(s.name, s.released) for s in timeline.stages)


def _rules(overrides: dict[str, Any], where: str) -> list[Rule]:
    unknown = sorted(set(overrides) - set(rules.names()))
    if unknown:
        raise ConfigError(f"{where}: [alerts.rules]: unknown rule(s) {unknown} "
                          f"(known: {', '.join(rules.names())})")
    built = []
    for rule_id in rules.names():
        config = dict(overrides.get(rule_id) or {})
        here = f"{where}: [alerts.rules.{rule_id}]"
        enabled = config.pop("enabled", True)
        severity = config.pop("severity", None)
        tlp = config.pop("tlp", None)
        try:
            rule = rules.create(rule_id, config)
        except UnknownNameError as exc:
            raise ConfigError(f"{here}: {exc}") from None
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{here}: {exc}") from None
        if severity is not None:
            if severity not in SEVERITIES:
                raise ConfigError(f"{here}: severity {severity!r} is not one of "
                                  f"{', '.join(SEVERITIES)}")
            rule.severity = severity
        if tlp is not None:
            try:
                rule.tlp = normalise_tlp(tlp)
            except ValueError as exc:
                raise ConfigError(f"{here}: tlp: {exc}") from None
        if enabled:
            built.append(rule)
    return built


def _notifier(name: str, config: dict[str, Any], where: str) -> Notifier:
    if "password" in config:
        raise ConfigError(f"{where}: [alerts.smtp] password: never put a secret in the config "
                          "file; name an environment variable in password_env")
    try:
        return notifiers.create(name, config)
    except UnknownNameError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: [alerts] {name}: {exc}") from None


def _snooze(entry: Any, where: str) -> Snooze:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: must be a table")
    unknown = sorted(set(entry) - _SNOOZE_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown} "
                          f"(allowed: {', '.join(sorted(_SNOOZE_KEYS))})")
    if not any(entry.get(k) for k in ("rule", "thread", "actor", "source")):
        raise ConfigError(f"{where}: name at least one of rule, thread, actor, source")
    if entry.get("rule") and entry["rule"] not in rules:
        raise ConfigError(f"{where}: unknown rule {entry['rule']!r}")
    until = None
    if entry.get("until"):
        try:
            until = parse_time(entry["until"], "until")
        except RecordError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    return Snooze(rule=entry.get("rule"), thread=entry.get("thread"), actor=entry.get("actor"),
                  source=entry.get("source"), until=until, note=entry.get("note"))

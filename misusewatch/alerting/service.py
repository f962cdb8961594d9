"""``alerts run`` as a service: evaluate rules -> store alerts and deliveries -> send due ones."""

from __future__ import annotations

import fcntl
import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from misusewatch.alerting.delivery import DeliveryReport, deliver_due
from misusewatch.alerting.facts import gather_facts
from misusewatch.alerting.outbox import RecordReport, load_snoozes, record_firings
from misusewatch.alerting.settings import AlertSettings, load_alert_settings
from misusewatch.config import ConfigError, Settings
from misusewatch.records import utcnow
from misusewatch.store import Store
from threat_model.rules import Firing, Rule, evaluate

log = logging.getLogger(__name__)


@dataclass(slots=True)
class RunReport:
    firings: int = 0
    skipped: bool = False  # another run held the lock
    rule_errors: dict[str, str] = field(default_factory=dict)
    recorded: RecordReport = field(default_factory=RecordReport)
    delivery: DeliveryReport = field(default_factory=DeliveryReport)


def resolve(app_or_store: Any, settings: Settings | AlertSettings | None) -> tuple[Store, AlertSettings]:
    """Accept an App (the composition root) or a bare Store plus Settings/AlertSettings."""
    store = getattr(app_or_store, "store", app_or_store)
    if settings is None:
        settings = getattr(app_or_store, "settings", None)
    if settings is None:
        raise ConfigError("alerts: no settings given")
    cfg = settings if isinstance(settings, AlertSettings) else load_alert_settings(settings)
    return store, cfg


def select_rules(cfg: AlertSettings, rule_ids: list[str] | None) -> list[Rule]:
    if not rule_ids:
        return cfg.rules
    enabled = {r.id: r for r in cfg.rules}
    missing = [r for r in rule_ids if r not in enabled]
    if missing:
        raise ConfigError(f"unknown or disabled rule(s) {missing} (enabled: {', '.join(sorted(enabled))})")
    return [enabled[r] for r in rule_ids]


def evaluate_rules(store: Store, cfg: AlertSettings, rules: list[Rule], now: datetime,
                   errors: dict[str, str] | None = None) -> list[Firing]:
    """Facts once, then every rule; a rule that raises is reported and the rest still run."""
    facts = gather_facts(store, cfg, rules, now)
    firings: list[Firing] = []
    for rule in rules:
        try:
            firings += evaluate(rule, facts)
        except Exception as exc:  # one broken rule must not silence the others
            log.exception("rule %s failed", rule.id)
            if errors is not None:
                errors[rule.id] = f"{type(exc).__name__}: {exc}"
    return firings


def run_alerts(app_or_store: Any, settings: Settings | AlertSettings | None = None, *,
               now: datetime | None = None, rng: random.Random | None = None,
               retry_now: bool = False, deliver: bool = True,
               rule_ids: list[str] | None = None) -> RunReport:
    """The scheduler's job and ``misusewatch alerts run``.

    Raises ConfigError for bad configuration; a down SMTP server or webhook is not an error:
    those deliveries stay pending and the report says so.
    """
    store, cfg = resolve(app_or_store, settings)
    now = now or utcnow()
    report = RunReport()
    with run_lock(cfg.lock_path) as acquired:
        if not acquired:
            report.skipped = True
            return report
        firings = evaluate_rules(store, cfg, select_rules(cfg, rule_ids), now, report.rule_errors)
        report.firings = len(firings)
        report.recorded = record_firings(store, firings, cfg, load_snoozes(store, cfg.snoozes), now)
        if deliver:
            report.delivery = deliver_due(store, cfg, now, rng=rng, retry_now=retry_now)
    return report


@contextmanager
def run_lock(path: Path | None) -> Iterator[bool]:
    """An exclusive, non-blocking flock: two runs at once could both send one delivery.

    The kernel drops the lock when the process dies, so a SIGKILLed run never wedges the next.
    It guards one host; runs on several hosts sharing one Elasticsearch store are not guarded.
    """
    if path is None:
        yield True
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

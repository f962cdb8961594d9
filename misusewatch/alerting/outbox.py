"""The outbox: firings become stored alerts and one pending Delivery per recipient and channel."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from misusewatch.alerting.routing import recipients
from misusewatch.alerting.settings import AlertSettings, Snooze
from misusewatch.alerting.stakeholders import Stakeholder
from misusewatch.records import Alert, Delivery, Label, parse_time
from misusewatch.store import Store
from threat_model.rules import Firing

# Alert.status: new (stored, deliveries being created) -> pending -> delivered | failed;
# or snoozed / no_recipients, which never send.
SNOOZE_TARGETS = ("rule", "thread", "actor", "source")


def alert_id(rule_id: str, dedup_key: str) -> str:
    """Deterministic: the same finding is the same alert, so it is never stored or sent twice."""
    return f"alert:{rule_id}:{hashlib.sha256(f'{rule_id}|{dedup_key}'.encode()).hexdigest()[:20]}"


def idempotency_key(alert: str, recipient: str, channel: str) -> str:
    return hashlib.sha256(f"{alert}|{recipient}|{channel}".encode()).hexdigest()[:32]


def alert_from_firing(firing: Firing, now: datetime) -> Alert:
    data = {**firing.data, "categories": list(firing.categories),
            "subjects": list(firing.subjects), "audience": firing.audience}
    return Alert(id=alert_id(firing.rule_id, firing.dedup_key), rule_id=firing.rule_id,
                 severity=firing.severity, title=firing.title, body=firing.body,
                 dedup_key=firing.dedup_key, evidence=list(firing.evidence), tlp=firing.tlp,
                 data=data, status="new", created_at=now)


def digest_window(created_at: datetime, schedule: str, digest_hour: int) -> datetime | None:
    """Start of the digest window an alert falls in (None for immediate)."""
    if schedule == "hourly":
        return created_at.replace(minute=0, second=0, microsecond=0)
    if schedule == "daily":
        start = created_at.replace(hour=digest_hour, minute=0, second=0, microsecond=0)
        return start - timedelta(days=1) if start > created_at else start
    return None


def window_end(start: datetime, schedule: str) -> datetime:
    return start + (timedelta(hours=1) if schedule == "hourly" else timedelta(days=1))


# ---------------------------------------------------------------- snoozes


@dataclass(slots=True)
class ActiveSnoozes:
    """Config snoozes plus the latest ``Label(kind="snooze")`` per target still in force."""

    config: list[Snooze] = field(default_factory=list)
    labels: dict[tuple[str, str], Label] = field(default_factory=dict)

    def reason(self, firing: Firing, now: datetime) -> str | None:
        targets = _targets(firing)
        for s in self.config:
            if s.until is not None and s.until <= now:
                continue
            wanted = {k: getattr(s, k) for k in SNOOZE_TARGETS if getattr(s, k)}
            if all(v in targets[k] for k, v in wanted.items()):
                return f"snoozed in config ({', '.join(f'{k}={v}' for k, v in wanted.items())})"
        for (kind, target_id), label in self.labels.items():
            if target_id in targets.get(kind, ()) and label_active(label, now):
                return f"snoozed by {label.author} ({kind} {target_id})"
        return None


def load_snoozes(store: Store, config: list[Snooze]) -> ActiveSnoozes:
    latest: dict[tuple[str, str], Label] = {}
    for label in store.list_labels(kind="snooze", limit=100000):  # newest first
        latest.setdefault((label.target_type, label.target_id), label)
    return ActiveSnoozes(config=config, labels=latest)


def label_active(label: Label, now: datetime) -> bool:
    """Whether a snooze label still silences at ``now``: "off" lifts it, a past date has expired.

    Public because the dashboard lists active snoozes by this same rule.
    """
    value = (label.value or "").strip().casefold()
    if value in ("off", "none", "false", "0"):
        return False
    if value in ("", "forever", "on", "true"):
        return True
    try:
        return parse_time(label.value, "snooze until") > now
    except ValueError:
        return True  # an unreadable date errs on the side of the analyst's wish to silence


def _targets(firing: Firing) -> dict[str, set[str]]:
    data = firing.data
    sources = set(data.get("sources") or ())
    if data.get("source"):
        sources.add(data["source"])
    if data.get("scope") == "source":
        sources.add(data["key"])
    actors = set(data.get("actors") or ())
    if data.get("scope") == "actor":
        actors.add(data["key"])
    return {"rule": {firing.rule_id}, "thread": set(data.get("threads") or ()),
            "actor": actors, "source": sources}


# ---------------------------------------------------------------- recording


@dataclass(slots=True)
class RecordReport:
    new: list[Alert] = field(default_factory=list)
    already_alerted: int = 0
    snoozed: list[Alert] = field(default_factory=list)
    deliveries: int = 0


def record_firings(store: Store, firings: list[Firing], cfg: AlertSettings,
                   snoozes: ActiveSnoozes, now: datetime) -> RecordReport:
    """Store each new alert, then its deliveries: all before anything is sent.

    The alert goes first with status ``new``; if we die before its deliveries are written,
    ``complete_routing`` finishes the job on the next run, so no recipient is lost.
    """
    report = RecordReport()
    for firing in firings:
        alert = alert_from_firing(firing, now)
        reason = snoozes.reason(firing, now)
        if reason:
            alert.status, alert.data["snoozed"] = "snoozed", reason
        if not store.write_alert(alert):
            report.already_alerted += 1
            continue
        if reason:
            report.snoozed.append(alert)
            continue
        report.new.append(alert)
        report.deliveries += route_alert(store, alert, cfg)
    report.deliveries += complete_routing(store, cfg, skip={a.id for a in report.new})
    return report


def route_alert(store: Store, alert: Alert, cfg: AlertSettings) -> int:
    """Create the missing deliveries of an alert, then mark it pending (or no_recipients)."""
    existing = {d.idempotency_key for d in store.list_deliveries(alert_id=alert.id)}
    created = 0
    targets = recipients(alert, cfg.stakeholders)
    for stakeholder in targets:
        for channel in stakeholder.channels:
            delivery = new_delivery(alert, stakeholder, channel, cfg.digest_hour)
            if delivery.idempotency_key not in existing:
                store.upsert_delivery(delivery)
                created += 1
    store.update_alert_status(alert.id, "pending" if targets else "no_recipients")
    return created


def complete_routing(store: Store, cfg: AlertSettings, skip: set[str]) -> int:
    return sum(route_alert(store, a, cfg) for a in store.list_alerts(status="new")
               if a.id not in skip)


def new_delivery(alert: Alert, stakeholder: Stakeholder, channel: str,
                 digest_hour: int) -> Delivery:
    window = digest_window(alert.created_at, stakeholder.digest, digest_hour)
    return Delivery(
        alert_id=alert.id, recipient=stakeholder.name, channel=channel,
        idempotency_key=idempotency_key(alert.id, stakeholder.name, channel),
        next_attempt_at=window_end(window, stakeholder.digest) if window else None,
        updated_at=alert.created_at,
    )

"""Send due deliveries: digests, throttles, retries with backoff, an audit label per attempt."""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tqdm import tqdm

from misusewatch.alerting.outbox import digest_window
from misusewatch.alerting.render import render
from misusewatch.alerting.settings import AlertSettings
from misusewatch.alerting.stakeholders import Stakeholder
from misusewatch.notify import DeliveryError
from misusewatch.records import Alert, Delivery, Label, format_time
from misusewatch.store import Store
from threat_model.rules import tlp_allows

AUDIT_KIND = "delivery"  # Label(target_type="alert", kind="delivery"): one per attempt/outcome
AUDIT_AUTHOR = "misusewatch"


@dataclass(slots=True)
class Batch:
    """Deliveries that travel as one message: one alert, or one digest window."""

    key: str
    stakeholder: Stakeholder
    channel: str
    deliveries: list[Delivery]
    alerts: list[Alert]
    window: datetime | None = None


@dataclass(slots=True)
class DeliveryReport:
    messages_sent: int = 0
    deliveries_sent: int = 0
    retrying: list[Delivery] = field(default_factory=list)
    failed: list[Delivery] = field(default_factory=list)
    throttled: list[Delivery] = field(default_factory=list)
    waiting: int = 0  # pending, not yet due (digest windows, backoff)


def backoff(attempts: int, cfg: AlertSettings, rng: random.Random) -> timedelta:
    """Exponential with "equal jitter": half the delay fixed, half random, capped."""
    delay = min(cfg.backoff_max_s, cfg.backoff_base_s * 2 ** max(0, attempts - 1))
    return timedelta(seconds=delay / 2 + rng.uniform(0, delay / 2))


def digest_key(recipient: str, channel: str, window: datetime) -> str:
    return "digest-" + hashlib.sha256(
        f"{recipient}|{channel}|{format_time(window)}".encode()).hexdigest()[:32]


def deliver_due(store: Store, cfg: AlertSettings, now: datetime, *, rng: random.Random | None = None,
                retry_now: bool = False) -> DeliveryReport:
    rng = rng or random.Random()
    report = DeliveryReport()
    batches = _batches(store, cfg, now, retry_now, report)
    touched: set[str] = set()
    for batch in tqdm(_throttle(store, batches, now, report), desc="alerts: delivering",
                      unit="msg", disable=None, leave=False):
        _send(store, cfg, batch, now, rng, report)
        touched.update(d.alert_id for d in batch.deliveries)
    touched.update(d.alert_id for d in report.failed)
    for alert_id in sorted(touched):
        update_alert_status(store, alert_id)
    return report


def _due(d: Delivery, now: datetime, retry_now: bool) -> bool:
    # --retry-now skips backoff but never opens a digest window early.
    return d.next_attempt_at is None or d.next_attempt_at <= now or (retry_now and d.attempts > 0)


def _batches(store: Store, cfg: AlertSettings, now: datetime, retry_now: bool,
             report: DeliveryReport) -> list[Batch]:
    alerts: dict[str, Alert | None] = {}
    grouped: dict[tuple, Batch] = {}
    for d in store.list_deliveries(status="pending", limit=1_000_000):
        if not _due(d, now, retry_now):
            report.waiting += 1
            continue
        if d.alert_id not in alerts:
            alerts[d.alert_id] = store.get_alert(d.alert_id)
        alert, stakeholder = alerts[d.alert_id], cfg.stakeholder(d.recipient)
        if alert is None:
            continue  # cannot happen through the outbox, which stores the alert first
        problem = _withhold(alert, stakeholder, d.channel)
        if problem:
            _finish(store, d, "failed", problem, now, report.failed)
            continue
        assert stakeholder is not None
        window = digest_window(alert.created_at, stakeholder.digest, cfg.digest_hour)
        key = digest_key(d.recipient, d.channel, window) if window else d.idempotency_key
        batch = grouped.setdefault((d.recipient, d.channel, key),
                                   Batch(key, stakeholder, d.channel, [], [], window))
        batch.deliveries.append(d)
        batch.alerts.append(alert)
    for batch in grouped.values():
        order = sorted(range(len(batch.alerts)), key=lambda i: (batch.alerts[i].created_at,
                                                                batch.alerts[i].id))
        batch.alerts = [batch.alerts[i] for i in order]
        batch.deliveries = [batch.deliveries[i] for i in order]
    return sorted(grouped.values(), key=lambda b: (b.alerts[0].created_at, b.key))


def _withhold(alert: Alert, stakeholder: Stakeholder | None, channel: str) -> str | None:
    """Checked again at send time: config may have changed since the alert was routed."""
    if stakeholder is None:
        return "withheld: stakeholder no longer configured"
    if channel not in stakeholder.channels:
        return f"withheld: stakeholder has no {channel} channel any more"
    if not tlp_allows(stakeholder.tlp, alert.tlp):
        return f"withheld: TLP:{alert.tlp.upper()} above clearance TLP:{stakeholder.tlp.upper()}"
    return None


def _throttle(store: Store, batches: list[Batch], now: datetime,
              report: DeliveryReport) -> list[Batch]:
    """At most ``max_per_hour`` alerts per stakeholder per hour; the rest wait for a slot.

    Digests are one message whatever they carry, so only immediate sends count.
    """
    hour_ago = now - timedelta(hours=1)
    recent: dict[str, dict[str, datetime]] = defaultdict(dict)  # recipient -> alert -> sent_at
    if any(b.window is None and b.stakeholder.max_per_hour for b in batches):
        for d in store.list_deliveries(status="sent", limit=1_000_000):
            if d.sent_at and d.sent_at > hour_ago:
                recent[d.recipient].setdefault(d.alert_id, d.sent_at)
    out = []
    for batch in batches:
        limit, sent = batch.stakeholder.max_per_hour, recent[batch.stakeholder.name]
        alert_id = batch.alerts[0].id
        if batch.window is not None or not limit or alert_id in sent or len(sent) < limit:
            if batch.window is None:
                sent.setdefault(alert_id, now)
            out.append(batch)
            continue
        free_at = min(sent.values()) + timedelta(hours=1)
        for d in batch.deliveries:
            d.next_attempt_at, d.updated_at = free_at, now
            store.upsert_delivery(d)
            _audit(store, d, "throttled", f"over {limit} alerts/hour; next try {format_time(free_at)}", now)
            report.throttled.append(d)
    return out


def _send(store: Store, cfg: AlertSettings, batch: Batch, now: datetime, rng: random.Random,
          report: DeliveryReport) -> None:
    # Count the attempt before sending: a crash mid-send still shows in the audit trail.
    for d in batch.deliveries:
        d.attempts += 1
        d.updated_at = now
        store.upsert_delivery(d)
        _audit(store, d, "sending", f"message {batch.key}", now)
    message = render(batch.alerts, batch.stakeholder.name, batch.key,
                     schedule=batch.stakeholder.digest, window=batch.window)
    try:
        cfg.notifiers[batch.channel].send(message, batch.stakeholder)
    except DeliveryError as exc:
        attempts = max(d.attempts for d in batch.deliveries)
        if exc.permanent or attempts >= cfg.max_attempts:
            for d in batch.deliveries:
                _finish(store, d, "failed", str(exc), now, report.failed)
            return
        retry_at = now + backoff(attempts, cfg, rng)
        for d in batch.deliveries:
            d.last_error, d.next_attempt_at = str(exc), retry_at
            store.upsert_delivery(d)
            _audit(store, d, "retry", f"{exc}; next try {format_time(retry_at)}", now)
            report.retrying.append(d)
        return
    # Marked sent right after the server accepted: the crash window is these few writes.
    for d in batch.deliveries:
        d.status, d.sent_at, d.last_error, d.next_attempt_at = "sent", now, None, None
        store.upsert_delivery(d)
    for d in batch.deliveries:
        _audit(store, d, "sent", f"message {batch.key}", now)
    report.messages_sent += 1
    report.deliveries_sent += len(batch.deliveries)


def _finish(store: Store, d: Delivery, status: str, error: str, now: datetime,
            bucket: list[Delivery]) -> None:
    d.status, d.last_error, d.next_attempt_at, d.updated_at = status, error, None, now
    store.upsert_delivery(d)
    _audit(store, d, status, error, now)
    bucket.append(d)


def _audit(store: Store, d: Delivery, outcome: str, detail: str, now: datetime) -> None:
    store.add_label(Label(
        target_type="alert", target_id=d.alert_id, kind=AUDIT_KIND, value=outcome,
        author=AUDIT_AUTHOR, created_at=now,
        note=f"{d.recipient} via {d.channel}, attempt {d.attempts}, key {d.idempotency_key}: {detail}",
    ))


def update_alert_status(store: Store, alert_id: str) -> str:
    """delivered when every delivery is sent; failed when none is pending and one failed."""
    statuses = {d.status for d in store.list_deliveries(alert_id=alert_id)}
    status = ("pending" if "pending" in statuses or not statuses
              else "failed" if "failed" in statuses else "delivered")
    store.update_alert_status(alert_id, status)
    return status


def requeue_failed(store: Store, now: datetime, alert_id: str | None = None) -> int:
    """Put failed deliveries back in the queue with a fresh attempt count (audited)."""
    failed = store.list_deliveries(alert_id=alert_id, status="failed", limit=1_000_000)
    for d in failed:
        _audit(store, d, "requeued", f"after {d.attempts} attempt(s); last error: {d.last_error}", now)
        d.status, d.attempts, d.next_attempt_at, d.updated_at = "pending", 0, None, now
        store.upsert_delivery(d)
    for touched in sorted({d.alert_id for d in failed}):
        update_alert_status(store, touched)
    return len(failed)

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
from threat_model.rules import Firing, grouped_key, post_group

# Alert.status: new (stored, deliveries being created) -> pending -> delivered | failed;
# or snoozed / no_recipients, which never send.
SNOOZE_TARGETS = ("rule", "thread", "actor", "source")
# Stored alerts read to find posts already alerted (Elasticsearch returns its newest 10,000).
ALERTED_SCAN_LIMIT = 10**7


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


# ---------------------------------------------------------------- posts already alerted


@dataclass(slots=True)
class AlertedPosts:
    """Which posts each post-grouping rule already alerted on, whatever their grouping was.

    Clustering moves posts from ``thread:T`` to ``cluster:C`` and from one cluster id to the
    next (its ids hash the members), which changes the dedup key and so the alert id. A post
    is *covered* for (rule, rest of the key) when a stored alert of that rule and rest lists
    it as evidence, or when its thread has its own thread alert (which stands for the
    thread's later posts too). Stored alerts count whatever their status: a snoozed one
    stays silenced, as its own id would.
    """

    store: Store
    _evidence: dict[tuple[str, str], dict[str, str]] | None = None

    def covering(self, firing: Firing) -> dict[str, str]:
        """Evidence post id -> the id of an earlier alert covering it (covered posts only)."""
        group = post_group(firing.dedup_key)
        if group is None or not firing.evidence:
            return {}
        _, rest = group
        known = self._index().get((firing.rule_id, rest), {})
        out = {p: known[p] for p in firing.evidence if p in known}
        missing = [p for p in firing.evidence if p not in out]
        threads: dict[str, bool] = {}
        for post in self.store.get_posts(missing) if missing else ():
            thread_alert = alert_id(firing.rule_id, grouped_key(f"thread:{post.thread_key}", rest))
            if thread_alert not in threads:
                threads[thread_alert] = self.store.get_alert(thread_alert) is not None
            if threads[thread_alert]:
                out[post.id] = thread_alert
        return out

    def add(self, alert: Alert) -> None:
        """Note an alert just stored (before the index is read, the store has it anyway)."""
        if self._evidence is not None:
            self._note(self._evidence, alert)

    def _index(self) -> dict[tuple[str, str], dict[str, str]]:
        if self._evidence is None:
            self._evidence = {}
            # oldest first, so a post maps to the alert that first told stakeholders about it
            for alert in reversed(self.store.list_alerts(limit=ALERTED_SCAN_LIMIT)):
                self._note(self._evidence, alert)
        return self._evidence

    @staticmethod
    def _note(index: dict[tuple[str, str], dict[str, str]], alert: Alert) -> None:
        group = post_group(alert.dedup_key)
        if group is not None:
            posts = index.setdefault((alert.rule_id, group[1]), {})
            for post_id in alert.evidence:
                posts.setdefault(post_id, alert.id)


def covers_all(covered: dict[str, str], firing: Firing) -> bool:
    """Whether ``AlertedPosts.covering`` found every evidence post already alerted."""
    return bool(covered) and covered.keys() >= set(firing.evidence)


def link_earlier(alert: Alert, covered: dict[str, str]) -> None:
    """Say in a new alert which of its posts earlier alerts already carried."""
    earlier = sorted(set(covered.values()))
    alert.data["earlier_alerts"] = earlier
    alert.body += (f"\n{len(covered)} of these {len(alert.evidence)} posts were already "
                   f"alerted in {', '.join(earlier)}.")


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
    alerted = AlertedPosts(store)
    for firing in firings:
        alert = alert_from_firing(firing, now)
        if post_group(firing.dedup_key) is not None and store.get_alert(alert.id) is None:
            # Regrouped evidence is not news: alert only when some post was never alerted.
            covered = alerted.covering(firing)
            if covers_all(covered, firing):
                report.already_alerted += 1
                continue
            if covered:
                link_earlier(alert, covered)
        reason = snoozes.reason(firing, now)
        if reason:
            alert.status, alert.data["snoozed"] = "snoozed", reason
        if not store.write_alert(alert):
            report.already_alerted += 1
            continue
        alerted.add(alert)
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

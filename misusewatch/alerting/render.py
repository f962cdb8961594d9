"""Turn one alert (or a digest of several) into the Message a notifier sends."""

from __future__ import annotations

from datetime import datetime

from misusewatch.notify import Message
from misusewatch.records import Alert, format_time
from threat_model.rules import TLP_LEVELS


def _tlp(value: str) -> str:
    return f"TLP:{value.upper()}"


def _alert_text(alert: Alert) -> str:
    evidence = "\n".join(f"  {post_id}" for post_id in alert.evidence[:20])
    more = f"\n  ... and {len(alert.evidence) - 20} more" if len(alert.evidence) > 20 else ""
    return (f"{_tlp(alert.tlp)}  severity: {alert.severity}  rule: {alert.rule_id}\n"
            f"{alert.title}\n\n{alert.body}\n\n"
            + (f"Evidence (post ids):\n{evidence}{more}\n" if alert.evidence else "")
            + f"Alert id: {alert.id}  first seen: {format_time(alert.created_at)}\n")


def _alert_payload(alert: Alert) -> dict:
    return {"id": alert.id, "rule_id": alert.rule_id, "severity": alert.severity,
            "tlp": alert.tlp, "title": alert.title, "body": alert.body,
            "evidence": list(alert.evidence), "dedup_key": alert.dedup_key,
            "categories": list(alert.data.get("categories") or []),
            "created_at": format_time(alert.created_at)}


def render(alerts: list[Alert], recipient: str, key: str, *, schedule: str = "immediate",
           window: datetime | None = None) -> Message:
    """A message marked with the most restricted TLP of what it carries."""
    tlp = max((a.tlp for a in alerts), key=TLP_LEVELS.index)
    banner = f"{_tlp(tlp)}: share only as the Traffic Light Protocol allows.\n\n"
    if window is None:
        alert = alerts[0]
        subject = f"[{_tlp(alert.tlp)}] [{alert.severity}] {alert.title}"
        text = banner + _alert_text(alert)
    else:
        subject = (f"[{_tlp(tlp)}] misusewatch {schedule} digest: {len(alerts)} alert(s) "
                   f"since {window:%Y-%m-%d %H:%M}Z")
        text = banner + "\n\n".join(f"{i}. " + _alert_text(a) for i, a in enumerate(alerts, 1))
    payload = {
        "idempotency_key": key, "stakeholder": recipient, "tlp": tlp,
        "digest": {"schedule": schedule, "window_start": format_time(window)} if window else None,
        "alerts": [_alert_payload(a) for a in alerts],
    }
    return Message(idempotency_key=key, recipient=recipient, subject=subject, text=text,
                   payload=payload, tlp=tlp)

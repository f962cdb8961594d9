"""Who may receive an alert: TLP clearance, severity, rule, category and watch-term filters."""

from __future__ import annotations

from misusewatch.alerting.stakeholders import Stakeholder
from misusewatch.records import Alert
from threat_model.rules import mentions, severity_at_least, tlp_allows


def refusal(alert: Alert, stakeholder: Stakeholder) -> str | None:
    """Why ``stakeholder`` must not receive ``alert``, or None when it may.

    Every condition must hold; TLP first, because it is the one that must never be wrong.
    """
    interests = stakeholder.interests
    if not tlp_allows(stakeholder.tlp, alert.tlp):
        return f"TLP:{alert.tlp.upper()} is above clearance TLP:{stakeholder.tlp.upper()}"
    audience = alert.data.get("audience", "misuse")
    if interests.rules:
        if alert.rule_id not in interests.rules:
            return f"rule {alert.rule_id} is not in interests.rules"
    elif audience != "misuse":
        return f"{audience} alerts go only to stakeholders naming {alert.rule_id} in rules"
    if not severity_at_least(alert.severity, interests.min_severity):
        return f"severity {alert.severity} is below {interests.min_severity}"
    categories = set(alert.data.get("categories") or ())
    if interests.categories and not categories & set(interests.categories):
        return "no category in interests.categories"
    if interests.terms:
        haystack = "\n".join([*map(str, alert.data.get("subjects") or ()), alert.title, alert.body])
        if not any(mentions(term, haystack) for term in interests.terms):
            return "names none of the stakeholder's organisations, domains or keywords"
    return None


def recipients(alert: Alert, stakeholders: list[Stakeholder]) -> list[Stakeholder]:
    return [s for s in stakeholders if refusal(alert, s) is None]

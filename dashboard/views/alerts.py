"""Alerts: rules, stakeholders, what was sent to whom and when, failures, snoozes. Stakeholders see only theirs."""

from __future__ import annotations

import html
from datetime import timedelta

import pandas as pd
import streamlit as st

from dashboard import data, integrations, session
from misusewatch.records import Label, format_time, utcnow

user = session.require_role("analyst", "stakeholder")
store = data.store()
st.title("Alerts")

deliveries = store.list_deliveries(limit=100_000)
if user.is_analyst:
    alerts = store.list_alerts(limit=1000)
else:
    # A stakeholder sees the alerts routed to them and only their own deliveries of those.
    deliveries = [d for d in deliveries if d.recipient == user.stakeholder]
    mine = {d.alert_id for d in deliveries}
    alerts = [a for a in store.list_alerts(limit=1000) if a.id in mine]
    st.caption(f"Alerts addressed to {user.stakeholder or '(no stakeholder set for this account)'}.")

by_alert: dict[str, list] = {}
for d in deliveries:
    by_alert.setdefault(d.alert_id, []).append(d)

if not alerts:
    st.info("No alerts.")
else:
    st.dataframe(pd.DataFrame([{
        "created": format_time(a.created_at), "severity": a.severity, "rule": a.rule_id, "title": a.title,
        "status": a.status, "TLP": a.tlp.upper(),
        "sent to": ", ".join(sorted({d.recipient for d in by_alert.get(a.id, []) if d.status == "sent"})),
        "failed": ", ".join(sorted({d.recipient for d in by_alert.get(a.id, []) if d.status == "failed"})),
        "id": a.id,
    } for a in alerts]), hide_index=True, width="stretch")
    titles = {a.id: a for a in alerts}
    chosen = st.selectbox("Alert", list(titles), format_func=lambda i: f"{titles[i].severity} · {i}", key="al_alert")
    alert = titles[chosen]
    st.html(f"<h4>{html.escape(alert.title)}</h4><div style='white-space:pre-wrap'>{html.escape(alert.body)}</div>")
    st.caption(f"TLP:{alert.tlp.upper()} · rule {alert.rule_id} · dedup key {alert.dedup_key}")
    if user.is_analyst and alert.evidence:
        st.write("Evidence posts:")
        st.dataframe(pd.DataFrame({"post id": alert.evidence}), hide_index=True)
    if alert.data.get("snoozed"):
        st.caption(f"Snoozed: {alert.data['snoozed']}")
    st.write("Deliveries (the audit trail of what was sent to whom and when):")
    rows = [{"recipient": d.recipient, "channel": d.channel, "status": d.status, "attempts": d.attempts,
             "sent at": format_time(d.sent_at), "last error": d.last_error or "",
             "next attempt": format_time(d.next_attempt_at), "updated": format_time(d.updated_at)}
            for d in by_alert.get(alert.id, [])]
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    else:
        st.caption("No deliveries recorded for this alert.")

st.subheader("Failed deliveries")
failed = [d for d in deliveries if d.status == "failed"]
if failed:
    st.dataframe(pd.DataFrame([{"alert": d.alert_id, "recipient": d.recipient, "channel": d.channel,
                                "attempts": d.attempts, "last error": d.last_error or "",
                                "updated": format_time(d.updated_at)} for d in failed]),
                 hide_index=True, width="stretch")
else:
    st.caption("None.")

if not user.is_analyst:
    st.stop()

SNOOZE_TARGETS = ("rule", "source", "actor", "thread")
DURATIONS = {"1 day": timedelta(days=1), "1 week": timedelta(weeks=1), "30 days": timedelta(days=30),
             "until lifted": None}

st.subheader("Snoozes")
st.caption("A snooze stops new alerts for a rule, source, actor or thread from being sent; it is a label, "
           "so who snoozed what, when and why stays on record.")
latest: dict[tuple[str, str], Label] = {}
for label in store.list_labels(kind="snooze", limit=10_000):  # newest first
    latest.setdefault((label.target_type, label.target_id), label)
now = utcnow()
try:
    active = [label for label in latest.values() if integrations.snooze_active(label, now)]
except integrations.Unavailable as exc:
    st.caption(f"Active snoozes not available: {exc}")
    active = []
if active:
    st.dataframe(pd.DataFrame([{"target": f"{label.target_type} {label.target_id}", "until": label.value,
                                "by": label.author, "when": format_time(label.created_at),
                                "note": label.note or ""} for label in active]), hide_index=True, width="stretch")
with st.form("al_snooze"):
    cols = st.columns([1, 2, 1])
    target_type = cols[0].selectbox("Snooze a", SNOOZE_TARGETS, key="al_target_type")
    target_id = cols[1].text_input("Id (rule id, source name, actor id or thread key)", key="al_target_id")
    duration = cols[2].selectbox("For", list(DURATIONS), key="al_duration")
    note = st.text_input("Why", key="al_note")
    lift = st.checkbox("Lift this snooze instead", key="al_lift")
    if st.form_submit_button("Save"):
        if not target_id.strip():
            st.error("Give the id of what to snooze.")
        else:
            span = DURATIONS[duration]
            value = "off" if lift else ("forever" if span is None else format_time(utcnow() + span))
            store.add_label(Label(target_type, target_id.strip(), "snooze", value, user.name, note.strip() or None))
            st.rerun()

st.subheader("Rules and stakeholders")
try:
    config = integrations.alert_settings(data.settings())
except integrations.Unavailable as exc:
    st.caption(f"Not available: {exc}")
else:
    st.dataframe(pd.DataFrame([{"rule": r.id, "what": r.description, "severity": r.severity, "TLP": r.tlp,
                                "audience": getattr(r, "audience", ""), "params": str(r.params)}
                               for r in config.rules]), hide_index=True, width="stretch")
    st.dataframe(pd.DataFrame([{"stakeholder": s.name, "channels": ", ".join(s.channels), "clearance": s.tlp,
                                "digest": s.digest, "max per hour": s.max_per_hour,
                                "email": ", ".join(s.email)} for s in config.stakeholders]),
                 hide_index=True, width="stretch")

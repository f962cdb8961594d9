"""Triage queue: posts ranked by risk; set status, tag and note them one by one or in bulk, all audited."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, queue, session
from dashboard.risk import STATUSES
from dashboard.safe import excerpt
from misusewatch.records import Label, format_time
from misusewatch.store import PostFilter

user = session.require_role("analyst")
store = data.store()
url = data.store_url()
st.title("Triage queue")
st.caption("Ranked by risk: misuse-ladder step, tier, detectors that flag the text as machine-written at their "
           "calibrated false-positive rate, and named targets. Every change is a label: who, when, what.")

ACTIONS = {
    "Mark in review": ("status", "in_review"),
    "Escalate": ("status", "escalated"),
    "Dismiss": ("status", "dismissed"),
    "Reopen (new)": ("status", "new"),
    "Add tag": ("tag", None),
    "Add note": ("note", None),
}


def apply_bulk() -> None:
    """Form callback: runs before the page redraws, so the queue below already shows the change."""
    selected = st.session_state.get("tq_selected") or []
    kind, value = ACTIONS[st.session_state["tq_action"]]
    note = (st.session_state.get("tq_note") or "").strip() or None
    if kind == "tag":
        value = (st.session_state.get("tq_tag") or "").strip()
        if not value:
            st.session_state["tq_message"] = ("error", "Type a tag to add.")
            return
    if kind == "note":
        if not note:
            st.session_state["tq_message"] = ("error", "Type a note to add.")
            return
        value = "note"
    if not selected:
        st.session_state["tq_message"] = ("error", "Select at least one post.")
        return
    for post_id in selected:
        store.add_label(Label("post", post_id, kind, value, user.name, note))
    data.clear_post_caches()
    st.session_state["tq_selected"] = []
    st.session_state["tq_message"] = (
        "success", f"{kind} = {value} recorded on {len(selected)} post(s) by {user.name}.")


with st.sidebar:
    st.subheader("Queue")
    status = st.selectbox("Status", [*STATUSES, "all"], key="tq_status")
    query = st.text_input("Search text", key="tq_query", help="Words and \"quoted phrases\"; all must match.")
    source = st.selectbox("Source", ["(all)", *data.field_values(url, "source")], key="tq_source")
    per_facet = st.slider(
        "Candidates per signal", 10, 200, 50, step=10, key="tq_per_facet",
        help="How many posts to rank at each signal (ladder step, tier 2+, detector score 0.9+). In the new "
             "view, each signal's newest untriaged posts: triaged ones are skipped, looking back through at "
             f"most {queue.MAX_SCANNED_PER_FACET:,} posts per signal. In all, each signal's newest posts "
             "beside every triaged one; the other status views show every post with that status.")

base = PostFilter(source=None if source == "(all)" else source)
statuses = queue.latest_statuses(store)
posts = queue.candidates(store, query, base, status, statuses, per_facet)
rows = queue.ranked_queue(store, posts, statuses)

message = st.session_state.pop("tq_message", None)
if message:
    getattr(st, message[0])(message[1])

st.write(f"{len(rows)} post(s) with status **{status}**" + (" matching the search" if query.strip() else ""))
table = pd.DataFrame([{
    "risk": r.risk.score, "status": r.status, "text": excerpt(r.post.text), "why": r.risk.why, "ladder": r.risk.ladder,
    "tier": r.risk.tier, "categories": ", ".join(r.risk.categories),
    "max detector score": r.risk.max_score, "source": r.post.source, "author": r.post.author or "-",
    "created": format_time(r.post.created_at), "id": r.post.id,
} for r in rows])
if table.empty:
    st.info("Nothing to triage here.")
else:
    by_post, by_thread = st.tabs(["By post", "By thread"])
    risk_column = st.column_config.ProgressColumn(min_value=0, max_value=130, format="%d")
    with by_post:
        st.dataframe(table, hide_index=True, width="stretch", key="tq_table",
                     column_config={"risk": risk_column,
                                    "max detector score": st.column_config.NumberColumn(format="%.2f")})
    with by_thread:
        st.dataframe(pd.DataFrame(queue.thread_rows(rows)), hide_index=True, width="stretch",
                     column_config={"risk": risk_column})

labels_by_id = {r.post.id: f"{r.risk.score:>3} · {r.risk.ladder} · {r.status} · {r.post.id}" for r in rows}
left, right = st.columns([3, 2])
with left:
    with st.form("tq_bulk", clear_on_submit=False):
        st.subheader("Bulk action")
        st.multiselect("Posts", list(labels_by_id), format_func=labels_by_id.get, key="tq_selected")
        st.selectbox("Action", list(ACTIONS), key="tq_action")
        st.text_input("Tag (for Add tag)", key="tq_tag")
        st.text_area("Note (recorded with the action)", key="tq_note", height=80)
        st.form_submit_button("Apply", on_click=apply_bulk, type="primary")
with right:
    st.subheader("Open a post")
    chosen = st.selectbox("Post", list(labels_by_id), format_func=labels_by_id.get, key="tq_open",
                          index=None, placeholder="Choose a post")
    if st.button("Open post / thread view", key="tq_open_btn", disabled=chosen is None):
        st.switch_page("views/post.py", query_params={"id": chosen})

st.subheader("Triage activity")
st.caption("Every status, tag and note, newest first: the audit trail.")
activity = queue.audit_rows(store.list_labels(target_type="post", limit=50))
if activity:
    st.dataframe(pd.DataFrame(activity), hide_index=True, width="stretch")
else:
    st.caption("No triage yet.")

"""Actors: tier with confidence and evidence, activity over time, LM-use suspicion, analyst overrides."""

from __future__ import annotations

import html

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import data, explain, integrations, session
from dashboard.safe import excerpt
from misusewatch.records import LADDER_STEPS, Label, format_time, utcnow
from misusewatch.store import PostFilter

LM_TEST_POSTS = 500  # newest posts of an actor the live binomial test reads

user = session.require_role("analyst")
store = data.store()
st.title("Actors")
try:
    short = integrations.optional("threat_model.tiers:SHORT")
    tier_text = " ".join(f"Tier {t}: {short[t]}." for t in sorted(short))
except integrations.Unavailable:
    tier_text = ""
st.caption(f"{tier_text} An analyst's override wins over the computed tier and is kept in the audit trail.")

with st.sidebar:
    st.subheader("Actors")
    min_tier = st.selectbox("Minimum tier", [None, 1, 2, 3], format_func=lambda t: "any" if t is None else str(t),
                            key="ac_min_tier")
    handle_query = st.text_input("Handle contains", key="ac_handle")

actors = store.list_actors(min_tier=min_tier, limit=500)
if handle_query.strip():
    actors = [a for a in actors if handle_query.strip().casefold() in a.handle.casefold()]
if not actors:
    st.info("No actors match.")
    st.stop()

st.dataframe(pd.DataFrame([{
    "handle": a.handle, "tier": a.effective_tier, "computed tier": a.tier,
    "confidence": a.tier_confidence, "posts": a.post_count, "first seen": format_time(a.first_seen),
    "last seen": format_time(a.last_seen), "override": "yes" if a.override else "", "id": a.id,
} for a in actors]), hide_index=True, width="stretch",
    column_config={"confidence": st.column_config.NumberColumn(format="percent")})

by_id = {a.id: a for a in actors}
wanted = st.query_params.get("actor")
if wanted and wanted not in by_id:
    extra = store.get_actor(wanted)
    if extra is not None:
        by_id = {extra.id: extra, **by_id}
options = list(by_id)
actor_id = st.selectbox("Actor", options, index=options.index(wanted) if wanted in by_id else 0,
                        format_func=lambda i: f"{by_id[i].handle} (tier {by_id[i].effective_tier or '-'}) · {i}",
                        key="ac_selected")
actor = by_id[actor_id]

st.html(f"<h3>{html.escape(actor.handle)}</h3>")
cols = st.columns(4)
cols[0].metric("Tier", actor.effective_tier or "-",
               help="Override in force" if actor.override else "Computed from the actor's posts")
cols[1].metric("Confidence", f"{actor.tier_confidence:.0%}" if actor.tier_confidence is not None else "-")
cols[2].metric("Posts", actor.post_count)
cols[3].metric("Evidence posts", len(actor.evidence))

left, right = st.columns([3, 2])
with left:
    st.subheader("Activity over time")
    actor_filter = {"actor": actor.id}  # posts_actor serves it (an author filter read every post of the site)
    rows = [(w, "all posts", n) for w, n in store.count_by_time("week", PostFilter(**actor_filter))]
    for step in LADDER_STEPS[1:]:
        rows += [(w, step, n) for w, n in store.count_by_time("week", PostFilter(**actor_filter, ladder=step))]
    history = pd.DataFrame(rows, columns=["week", "series", "posts"])
    if history.empty:
        st.caption("No posts by this actor in the store.")
    else:
        st.altair_chart(alt.Chart(history).mark_line(point=True).encode(
            x=alt.X("week:T", title="week (UTC)"), y="posts:Q", color=alt.Color("series:N", title=""),
            tooltip=["week:T", "series:N", "posts:Q"]).properties(height=220), width="stretch")

    st.subheader("Evidence for the tier")
    evidence_posts = store.get_posts(actor.evidence[:100])
    if evidence_posts:
        st.dataframe(pd.DataFrame([{"created": format_time(p.created_at), "text": excerpt(p.text), "id": p.id}
                                   for p in evidence_posts]), hide_index=True, width="stretch")
    else:
        st.caption("No evidence posts recorded.")
    if actor.signals:
        with st.expander("Signals (cadence, bursts, clusters...)"):
            st.json(actor.signals, expanded=True)

with right:
    st.subheader("LM-use suspicion")
    st.caption("One post flagged by a detector is weak evidence; many flagged posts from one account, far "
               "more than the detector's false-positive rate explains, is strong (one-sided binomial test).")
    actor_posts = store.search("", PostFilter(**actor_filter), limit=LM_TEST_POSTS, sort="newest").posts
    tally = explain.detector_tally([store.get_enrichments(p.id) for p in actor_posts])
    rows = []
    for detector, counts in sorted(tally.items()):
        row = {"detector": detector, "flagged": counts["flagged"], "scored": counts["posts"], "FPR": counts["fpr"]}
        if counts["fpr"] and 0 < counts["fpr"] < 1:
            try:
                result = integrations.actor_evidence(counts["flagged"], counts["posts"], counts["fpr"])
                row.update({"p-value": result["p_value"], "reading": result["interpretation"]})
            except integrations.Unavailable as exc:
                row["reading"] = f"binomial test not available: {exc}"
        rows.append(row)
    if rows:
        st.dataframe(pd.DataFrame([{k: v for k, v in row.items() if k != "reading"} for row in rows]),
                     hide_index=True, width="stretch",
                     column_config={"FPR": st.column_config.NumberColumn(format="percent"),
                                    "p-value": st.column_config.NumberColumn(format="%.2g")})
        for row in rows:
            if row.get("reading"):
                st.html(f"<p><b>{html.escape(row['detector'])}</b>: {html.escape(row['reading'])}</p>")
        if len(actor_posts) == LM_TEST_POSTS:
            st.caption(f"Read from the actor's {LM_TEST_POSTS} newest posts; each detector counts those it scored.")
    else:
        st.caption("No detector has scored this actor's posts yet.")

    st.subheader("Override tier")
    with st.form("ac_override"):
        new_tier = st.selectbox("Tier", ["1", "2", "3", "clear override"], key="ac_new_tier")
        why = st.text_area("Why (required)", key="ac_why", height=80)
        if st.form_submit_button("Save override", type="primary"):
            if not why.strip():
                st.error("Say why: the override is part of the audit trail.")
            else:
                cleared = new_tier == "clear override"
                store.add_label(Label("actor", actor.id, "tier_override", "cleared" if cleared else new_tier,
                                      user.name, why.strip()))
                store.upsert_actors([actor.replace(override=None if cleared else {
                    "tier": int(new_tier), "by": user.name, "at": format_time(utcnow()), "why": why.strip()})])
                data.clear_post_caches()
                st.rerun()
    audit = store.labels_for("actor", actor.id)
    if audit:
        st.dataframe(pd.DataFrame([{"when": format_time(label.created_at), "who": label.author,
                                    "what": f"{label.kind} = {label.value}", "why": label.note or ""}
                                   for label in reversed(audit)]), hide_index=True, width="stretch")
    else:
        st.caption("No overrides recorded.")

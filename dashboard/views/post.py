"""Post / thread view: the post in its thread, evidence highlighted, every detector explained, the actor's card."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from dashboard import data, explain, integrations, session
from dashboard.risk import STATUSES
from dashboard.safe import (
    evidence_items,
    excerpt,
    gltr_html,
    highlight_html,
    legend_html,
    safe_url,
    spans_from_evidence,
)
from misusewatch.records import Label, Post, format_time
from misusewatch.store import PostFilter

user = session.require_role("analyst")
store = data.store()
st.title("Post / thread")

post_id = st.query_params.get("id") or ""
typed = st.text_input("Post id", value=post_id, key="pv_id", help="Open a post from the triage queue, or paste its id.")
if typed and typed != post_id:
    st.query_params["id"] = typed
    post_id = typed
if not post_id:
    st.info("Choose a post in the triage queue, or paste a post id above.")
    st.stop()
post = store.get_post(post_id)
if post is None:
    st.warning("No post with that id in the store.")
    st.stop()

enrichments = store.get_enrichments(post.id)
tagger = next((e for e in enrichments if e.enricher == "tagger" and not e.error), None)
evidence = evidence_items(tagger.data) if tagger else []


def _meta(items: list[tuple[str, str | None]]) -> str:
    cells = "".join(f"<span style='margin-right:1.2em'><b>{html.escape(k)}</b> {html.escape(v or '-')}</span>"
                    for k, v in items)
    return f"<div class='mw-meta'>{cells}</div>"


st.html(f"<h3 class='mw-title'>{html.escape(post.thread_title or '(untitled thread)')}</h3>")
st.html(_meta([("source", post.source), ("platform", post.platform), ("board", post.board),
               ("author", post.author), ("posted", format_time(post.created_at)),
               ("edited", format_time(post.edited_at)), ("id", post.id)]))
link = safe_url(post.url)
if link:
    st.link_button("Open original", link)
elif post.url:
    st.caption("Original URL (not a web link, shown as text):")
    st.code(post.url, language=None)

left, right = st.columns([3, 2])
with left:
    st.subheader("Post")
    spans = spans_from_evidence(post.text, evidence)
    st.html(highlight_html(post.text, spans))
    if spans:
        st.html(legend_html(s.kind for s in spans))
    if tagger:
        facets = tagger.facets
        categories = ", ".join(facets.get("categories") or []) or "-"
        st.caption(f"ladder: {facets.get('ladder') or 'none'} · categories: {categories} · "
                   f"tier (this post): {facets.get('tier') or '-'}")
    with st.expander("Raw text"):
        st.code(post.text, language=None)
    revisions = store.revisions(post.id)
    if revisions:
        with st.expander(f"Earlier versions ({len(revisions)})"):
            for rev in revisions:
                st.caption(f"replaced {format_time(rev.replaced_at)}")
                st.code(rev.text, language=None)

    st.subheader("Detectors")
    rows = explain.detector_rows(enrichments)
    if rows:
        st.dataframe(pd.DataFrame([{k: v for k, v in row.items() if k != "meaning"} for row in rows]),
                     hide_index=True, width="stretch",
                     column_config={"score": st.column_config.NumberColumn(format="%.2f"),
                                    "FPR": st.column_config.NumberColumn(format="percent")})
        st.html("<ul class='mw-detectors'>" + "".join(
            f"<li><b>{html.escape(row['detector'])}</b>: {html.escape(row['meaning'])}</li>" for row in rows) + "</ul>")
    else:
        st.caption("No detector has scored this post yet.")

    st.subheader("Token view (GLTR)")
    tokens = explain.gltr_tokens(enrichments)
    if tokens is None:
        try:
            tokens = integrations.gltr_tokens(post.text, data.settings())
        except integrations.Unavailable as exc:
            st.caption(f"Not available: {exc}")
    if tokens:
        st.caption("Each token coloured by how highly the language model ranked it: machine text is mostly green.")
        st.html(gltr_html(tokens))

    st.subheader("Evidence")
    st.caption("Lexicon matches, misuse-ladder triggers, named targets (organisations, domains), skill and "
               "resource markers, as the tagger found them.")
    if evidence:
        st.dataframe(pd.DataFrame([{k: item.get(k) for k in ("kind", "value", "text", "rule", "start", "end")}
                                   for item in evidence if isinstance(item, dict)]),
                     hide_index=True, width="stretch")
    else:
        st.caption("The tagger recorded no evidence spans for this post.")

with right:
    st.subheader("Triage")
    labels = store.labels_for("post", post.id)
    status_labels = [label for label in labels if label.kind == "status"]
    current = status_labels[-1].value if status_labels else "new"
    st.write(f"Status: **{current}**")
    # Keyed by post: with fixed keys a newly opened post kept the last post's choices, and Record
    # wrote a status nobody picked for it.
    with st.form(f"pv_label:{post.id}"):
        new_status = st.selectbox("Status", STATUSES, index=STATUSES.index(current) if current in STATUSES else 0,
                                  key=f"pv_status:{post.id}")
        tag = st.text_input("Tag (optional)", key=f"pv_tag:{post.id}")
        note = st.text_area("Note (optional)", key=f"pv_note:{post.id}", height=80)
        if st.form_submit_button("Record", type="primary"):
            written = []
            if new_status != current:
                written.append(store.add_label(Label("post", post.id, "status", new_status, user.name, note or None)))
            if tag.strip():
                written.append(store.add_label(Label("post", post.id, "tag", tag.strip(), user.name, note or None)))
            if note.strip() and not written:
                written.append(store.add_label(Label("post", post.id, "note", "note", user.name, note.strip())))
            data.clear_post_caches()
            if written:
                st.success(f"Recorded {len(written)} label(s) as {user.name}.")
                st.rerun()
            else:
                st.info("Nothing changed.")
    if labels:
        st.dataframe(pd.DataFrame([{"when": format_time(label.created_at), "who": label.author,
                                    "what": f"{label.kind} = {label.value}", "note": label.note or ""}
                                   for label in reversed(labels)]), hide_index=True, width="stretch")

    st.subheader("Actor")
    actor = store.get_actor(post.actor_id) if post.actor_id else None
    if actor is None:
        st.caption("No actor record for this author yet.")
    else:
        st.html(_meta([("handle", actor.handle), ("tier", str(actor.effective_tier or "-")),
                       ("confidence", f"{actor.tier_confidence:.0%}" if actor.tier_confidence is not None else None),
                       ("posts", str(actor.post_count)), ("first seen", format_time(actor.first_seen)),
                       ("last seen", format_time(actor.last_seen))]))
        if actor.override:
            st.caption(f"Tier overridden by {actor.override.get('by', '?')}: {actor.override.get('why', '')}")
        if st.button("Open actor", key="pv_actor"):
            st.switch_page("views/actors.py", query_params={"actor": actor.id})

    st.subheader("Near-duplicates elsewhere")
    cluster = explain.cluster_of(post.id, store.list_assessments("campaign_clusters"))
    if cluster is None:
        st.caption("Not in any campaign cluster.")
    else:
        cid, others, info = cluster
        st.caption(f"Cluster {cid}: {len(others) + 1} posts" +
                   (f", similarity {info['similarity']:.2f}" if isinstance(info.get("similarity"), float) else ""))
        dupes = store.get_posts(others[:50])
        st.dataframe(pd.DataFrame([{"source": p.source, "author": p.author, "created": format_time(p.created_at),
                                    "text": excerpt(p.text), "id": p.id} for p in dupes]),
                     hide_index=True, width="stretch")

def _thread_posts(limit: int = 200) -> tuple[list[Post], int]:
    """The first ``limit`` posts of this post's thread, oldest first, and how many it has.

    A filter has no board, so platform+site+thread number also matches the same number on other
    4chan boards; the thread key (which carries the board) keeps only this thread.
    """
    shown, total = [], 0
    same_number = PostFilter(platform=post.platform, site=post.site, thread_id=post.thread_id)
    for item in store.iter_posts(same_number, batch_size=limit):
        if item.thread_key == post.thread_key:
            total += 1
            if len(shown) < limit:
                shown.append(item)
    return shown, total


st.subheader("Thread")
thread_posts, thread_total = _thread_posts()
parts = []
for item in thread_posts:
    border = "3px solid #e8590c" if item.id == post.id else "1px solid #dee2e6"
    parts.append(
        f"<div style='border-left:{border};padding:4px 10px;margin:6px 0'>"
        f"<div style='color:#495057;font-size:0.85em'>{html.escape(item.author or '-')} · "
        f"{html.escape(format_time(item.created_at) or '')} · {html.escape(item.id)}</div>"
        f"<div style='white-space:pre-wrap'>{html.escape(item.text)}</div></div>")
st.caption(f"{thread_total} post(s) in this thread, oldest first"
           + (f" (the first {len(thread_posts)} shown)" if len(thread_posts) < thread_total else "")
           + "; this post has the orange bar.")
st.html("".join(parts))

"""Release committee: the threat model's stage summary, with Markdown, HTML, STIX 2.1 and CSV exports."""

from __future__ import annotations

import html
import json
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import data, integrations, session, summary_export
from dashboard.auth import pseudonym
from misusewatch.records import format_time

user = session.require_role("analyst", "committee")
store = data.store()
st.title("Release committee")
if not user.is_analyst:
    st.caption("Author handles appear as stable aliases (actor-…): the same author always has the same alias.")

summaries = {a.id: a for a in store.list_assessments("summary")}
if not summaries:
    st.info("No summary has been assessed yet. Run `misusewatch assess` (or the demo) first.")
    st.stop()
ordered = sorted(summaries, key=lambda i: (i != "summary:all", summaries[i].created_at, i))
chosen = st.selectbox("Summary", ordered, format_func=lambda i: "all stages" if i == "summary:all"
                      else f"stage {summaries[i].stage or i.removeprefix('summary:')}", key="cm_summary")
assessment = summaries[chosen]
if not user.is_analyst:
    key = data.pseudonym_key()
    assessment = assessment.replace(data=summary_export.pseudonymise(assessment.data, lambda h: pseudonym(h, key)))
summary = assessment.data
st.caption(f"Assessed {format_time(assessment.created_at)} · id {assessment.id}")


def _bullets(items: list[Any]) -> None:
    st.html("<ul>" + "".join(f"<li>{html.escape(str(item))}</li>" for item in items) + "</ul>")


def _flat(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{k: v if isinstance(v, str | int | float | bool) or v is None
                          else json.dumps(v, default=str) for k, v in row.items()} for row in rows])


# Shown from the structure, never as rendered markdown: the summary quotes posts, which are hostile.
if "trend" in summary or "findings" in summary:
    if summary.get("headline"):
        st.subheader("Headline findings")
        _bullets(summary["headline"] if isinstance(summary["headline"], list) else [summary["headline"]])
    if summary.get("trend"):
        st.subheader("Trend across release stages")
        st.dataframe(_flat(summary["trend"]), hide_index=True, width="stretch")
    threads = summary.get("evidence_threads") or []
    st.subheader(f"Evidence threads ({len(threads)})")
    for thread in threads:
        st.html(f"<b>{html.escape(str(thread.get('title') or thread.get('thread')))}</b> · highest step "
                f"{html.escape(str(thread.get('highest_step', '')))}")
        st.dataframe(pd.DataFrame([{"id": p.get("id"), "step": p.get("step"), "author": p.get("author"),
                                    "created": (p.get("created_at") or "")[:19], "excerpt": p.get("excerpt")}
                                   for p in thread.get("posts") or []]), hide_index=True, width="stretch")
    coverage = summary.get("coverage") or {}
    if coverage:
        st.subheader("Coverage")
        st.dataframe(pd.DataFrame([{"source": k, "posts": v} for k, v in (coverage.get("sources") or {}).items()]),
                     hide_index=True)
        if coverage.get("gaps"):
            st.caption("Collection gaps: source-weeks far below their norm or with failed crawls.")
            st.dataframe(_flat(coverage["gaps"]), hide_index=True, width="stretch")
    if summary.get("synthetic"):
        st.subheader("Machine-written text")
        st.dataframe(_flat(summary["synthetic"]), hide_index=True, width="stretch")
    if summary.get("caveats"):
        st.subheader("Caveats")
        _bullets(summary["caveats"])
else:
    for field_name, value in summary.items():
        st.subheader(field_name.replace("_", " ").capitalize())
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            st.dataframe(_flat(value), hide_index=True, width="stretch")
        elif isinstance(value, dict | list):
            st.json(value, expanded=False)
        else:
            st.html(f"<p>{html.escape(str(value))}</p>")

st.subheader("Exports")
settings = data.settings()
markdown, md_note = summary_export.to_markdown(assessment, settings)
page, html_note = summary_export.to_html(assessment, settings)
stem = assessment.id.replace(":", "-")
cols = st.columns(4)
cols[0].download_button("Markdown", markdown.encode("utf-8"), f"{stem}.md", "text/markdown", key="cm_md")
cols[1].download_button("HTML", page.encode("utf-8"), f"{stem}.html", "text/html", key="cm_html")
try:
    stix = summary_export.to_stix(assessment, settings)
    cols[2].download_button("STIX 2.1", stix.encode("utf-8"), f"{stem}.stix.json", "application/json", key="cm_stix")
    stix_note = None
except integrations.Unavailable as exc:
    cols[2].button("STIX 2.1", disabled=True, key="cm_stix_off")
    stix_note = f"STIX export not available: {exc}"

cited = store.get_posts(summary_export.evidence_ids(summary))


def _facets(post) -> dict:
    tagger = next((e for e in store.get_enrichments(post.id) if e.enricher == "tagger"), None)
    return tagger.facets if tagger else {}


csv_bytes = summary_export.evidence_csv(cited, lambda p: session.author_label(p.author, p.actor_id), _facets)
cols[3].download_button(f"CSV of evidence ({len(cited)})", csv_bytes, f"{stem}-evidence.csv", "text/csv",
                        key="cm_csv")
for note in (md_note, html_note, stix_note):
    if note:
        st.caption(note)
with st.expander("Markdown preview (as exported)"):
    st.code(markdown, language="markdown")

"""Overview: weekly misuse indicators per ladder step, category and tier, against the release stages."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import data, integrations, session
from misusewatch.records import CATEGORIES

session.require_role("analyst", "committee")
st.title("Overview")
st.caption("Posts at each misuse-ladder step per week. Grey bands are collection gaps (a source collected "
           "far less than usual): a dip inside one is an outage, not a drop in misuse.")

url = data.store_url()
store = data.store()
oldest = store.search("", None, limit=1, sort="oldest").posts
newest = store.search("", None, limit=1, sort="newest").posts
if not oldest:
    st.info("The store holds no posts yet. Run `misusewatch demo` or a crawl first.")
    st.stop()

with st.sidebar:
    st.subheader("Filters")
    source = st.selectbox("Source", ["(all)", *data.field_values(url, "source")], key="ov_source")
    platform = st.selectbox("Platform", ["(all)", *data.field_values(url, "platform")], key="ov_platform")
    first_day, last_day = oldest[0].created_at.date(), newest[0].created_at.date()
    period = st.date_input("Period", (first_day, last_day), min_value=first_day, max_value=last_day,
                           key="ov_period")
    scale = st.radio("Scale", ["posts", "per 1,000 posts collected"], key="ov_scale",
                     help="Per 1,000 collected posts corrects for how much was crawled that week.")


def _day_start(day: date) -> str:
    return datetime.combine(day, time(), UTC).isoformat()


since_day, until_day = (period if isinstance(period, tuple | list) and len(period) == 2
                        else (first_day, last_day))
key = data.FilterKey(
    source=None if source == "(all)" else source, platform=None if platform == "(all)" else platform,
    since=_day_start(since_day), until=_day_start(until_day + timedelta(days=1)),
)

windows, stage_note = integrations.release_windows(data.settings())
if stage_note:
    st.caption(stage_note)
stage_frame = pd.DataFrame([{"stage": name, "start": since} for name, since, _ in windows if since is not None])
indicator_assessments = store.list_assessments("stage_indicators")
if indicator_assessments:
    gaps = data.assessed_gaps(indicator_assessments)
    gap_note = "Gaps as the threat model assessed them (run `misusewatch assess` to refresh)."
    if key.source:
        gaps = gaps[gaps["source"] == key.source]
    if key.platform:  # the assessment covers every source; keep those on the chosen platform
        gaps = gaps[gaps["source"].isin(data.field_values(url, "source", key.platform))]
else:
    gaps = data.gaps_from_volume(url, key)
    gap_note = "Not assessed yet: gaps estimated from weekly volume (weeks under a fifth of the source's median)."
if not gaps.empty:
    gaps = gaps[(gaps["end"] > pd.Timestamp(key.since)) & (gaps["start"] < pd.Timestamp(key.until))]
totals = data.weekly(url, key, "total")


ORDER = {"ladder": list(data.MISUSE_STEPS), "tier": ["tier 1", "tier 2", "tier 3"], "category": list(CATEGORIES)}


def _chart(dimension: str, title: str) -> alt.LayerChart | None:
    frame = data.weekly(url, key, dimension)
    if frame.empty:
        return None
    y_title = "posts"
    if scale != "posts":
        frame = frame.merge(totals[["week", "posts"]].rename(columns={"posts": "collected"}), on="week")
        frame["posts"] = 1000 * frame["posts"] / frame["collected"]
        y_title = "per 1,000 posts collected"
    x = alt.X("week:T", title="week (UTC, Monday)",
              scale=alt.Scale(domain=[_day_start(since_day), _day_start(until_day)]))
    lines = alt.Chart(frame).mark_line(point=True).encode(
        x=x, y=alt.Y("posts:Q", title=y_title),
        color=alt.Color("value:N", title=title, sort=ORDER[dimension],
                        scale=alt.Scale(scheme="orangered") if dimension == "ladder" else alt.Undefined),
        tooltip=[alt.Tooltip("week:T"), "value:N", alt.Tooltip("posts:Q", format=".1f")],
    )
    layers = []
    if not gaps.empty:
        layers.append(alt.Chart(gaps).mark_rect(color="#868e96", opacity=0.25).encode(
            x="start:T", x2="end:T", tooltip=["source:N", "start:T", "end:T"]))
    layers.append(lines)
    if not stage_frame.empty:
        rules = alt.Chart(stage_frame).mark_rule(strokeDash=[4, 3], color="#495057").encode(x="start:T")
        labels = alt.Chart(stage_frame).mark_text(align="left", dx=4, dy=-6, color="#495057").encode(
            x="start:T", y=alt.value(8), text="stage:N")
        layers += [rules, labels]
    return alt.layer(*layers).properties(height=260)


tabs = st.tabs(["Ladder step", "Category", "Tier"])
for tab, (dimension, title) in zip(tabs, (("ladder", "ladder step"), ("category", "category"),
                                          ("tier", "tier (post evidence)")), strict=True):
    with tab:
        chart = _chart(dimension, title)
        if chart is None:
            st.info("No enriched posts match these filters.")
        else:
            st.altair_chart(chart, width="stretch")

st.subheader("Change per release stage")
st.caption("Misuse rate = posts at ladder step 'discussion' or above / posts collected in the window (for the "
           "filters above), with 95% Wilson intervals; the change from the previous window has Newcombe's "
           "interval. 'Clear change' means that interval excludes zero.")
iso_windows = tuple((name, since and since.isoformat(), until and until.isoformat()) for name, since, until in windows)
changes = data.stage_changes(url, key, iso_windows)
st.dataframe(changes, hide_index=True, width="stretch",
             column_config={"misuse rate": st.column_config.NumberColumn(format="percent"),
                            "change": st.column_config.NumberColumn(format="percent")})

summary = store.get_assessment("summary:all")
trend = (summary.data.get("trend") if summary else None) or []
if trend:
    st.subheader("As assessed by the threat model")
    st.caption("All sources, the whole period: misuse per 1,000 tagged posts and the rate ratio against the "
               "previous stage with its 95% interval (see docs/threat-model.md).")

    def _ratio(rr) -> str:
        if not isinstance(rr, dict):
            return ""
        parts = [f"{rr[k]:.3g}" if isinstance(rr.get(k), int | float) else "?"
                 for k in ("estimate", "lower", "upper")]
        return f"{rr.get('direction', '')} ({parts[0]}; {parts[1]}–{parts[2]})"

    st.dataframe(pd.DataFrame([{
        "stage": row.get("stage"), "from": (row.get("since") or "")[:10], "to": (row.get("until") or "")[:10],
        "posts": row.get("posts"), "misuse": row.get("misuse"), "misuse per 1,000": row.get("misuse_per_1000"),
        "plans": row.get("plan"), "code": row.get("code"), "deployment": row.get("deployment"),
        "gap source-weeks": row.get("gap_source_weeks"), "change (rate ratio; 95% CI)": _ratio(row.get("rate_ratio")),
    } for row in trend]), hide_index=True, width="stretch",
        column_config={"misuse per 1,000": st.column_config.NumberColumn(format="%.1f")})

st.subheader("Collection gaps")
st.caption(gap_note)
if gaps.empty:
    st.caption("No source collected markedly less than usual in this period.")
else:
    st.dataframe(gaps, hide_index=True, width="stretch")

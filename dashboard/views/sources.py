"""Sources: crawl health per source, so a quiet source is seen as an outage before it is read as a trend."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from crawlers.sources import watchlist_states
from dashboard import data, health, session
from misusewatch.errors import InputError
from misusewatch.records import format_time, merge_shard_runs, utcnow

session.require_role("analyst")
store = data.store()
url = data.store_url()
st.title("Sources")
st.caption("Per source: the last crawl, posts per run, errors and suspected bans (HTTP 403/429, captchas), and "
           "silent failures: a run that 'succeeds' with nothing where the source usually yields posts.")

# Each source's newest runs: one global limit would drop a source whose crawls stopped.
runs = merge_shard_runs(store.list_crawl_runs(limit=10**9, per_source=100))
stored = store.count_by_field("source")

# The deployment's watchlist, read afresh: a source disabled or removed there stopped on purpose,
# and one it enables without runs was never crawled.
watch_path = data.settings().sources_file
try:
    watchlist = watchlist_states(watch_path)
    note = (f"No watchlist at {watch_path}: every source with crawl runs is judged." if watchlist is None else
            f"Watchlist {watch_path}: {sum(watchlist.values())} source(s) enabled, "
            f"{len(watchlist) - sum(watchlist.values())} disabled. A source it disables or no longer lists "
            "is shown as such, not judged: its runs stopped on purpose.")
except InputError as exc:
    watchlist, note = None, None
    st.warning(f"Watchlist not read ({exc}): every source with crawl runs is judged.")
rows = health.source_health(runs, now=utcnow(), watchlist=watchlist)
if not rows:  # no runs, and no watchlist naming what should have some
    st.info("No crawl runs recorded yet.")
    if stored:
        st.dataframe(pd.DataFrame([{"source": k, "posts stored": v} for k, v in stored.items()]), hide_index=True)
    st.stop()
problems = [h for h in rows if h.problems]
off = [h for h in rows if h.off]
never = [h for h in rows if not h.runs]
if not runs:
    st.info("No crawl runs recorded yet.")
elif problems:
    st.warning(f"{len(problems)} source(s) need a look: " + ", ".join(h.source for h in problems))
else:
    # "crawled": a source never run is neither healthy nor a problem yet (dashboard.health.NEVER_RUN).
    st.success(("All crawled sources healthy." if never else "All sources healthy.")
               + (f" ({len(off)} off: disabled or not in the watchlist.)" if off else ""))
if never:
    st.info(f"{len(never)} enabled source(s) have no crawl runs yet: " + ", ".join(h.source for h in never)
            + ". Expected for a source just added; one that stays here is not being crawled: the scheduler "
            "reads the watchlist when it starts (restart it), or crawl it now with `misusewatch crawl NAME`.")
if note:
    st.caption(note)
st.dataframe(pd.DataFrame([{
    "source": h.source, "state": h.state, "last run": format_time(h.last_started), "last status": h.last_status,
    "posts last run": h.last_posts, "usual posts per run": h.typical_posts, "errors (recent)": h.errors_recent,
    "suspected bans (recent)": h.bans_recent, "runs": h.runs, "posts stored": stored.get(h.source, 0),
} for h in rows]), hide_index=True, width="stretch")
if not runs:
    unlisted = {k: v for k, v in stored.items() if k not in {h.source for h in rows}}
    if unlisted:  # imported posts, say: still seen, as without a watchlist
        st.caption("Posts stored from sources the watchlist does not enable:")
        st.dataframe(pd.DataFrame([{"source": k, "posts stored": v} for k, v in unlisted.items()]), hide_index=True)
    st.stop()

st.subheader("Posts per run")
frame = pd.DataFrame([{"started": r.started_at, "source": r.source, "posts": r.posts_new + r.posts_updated,
                       "errors": r.errors, "bans suspected": r.bans_suspected, "status": r.status} for r in runs])
frame["started"] = pd.to_datetime(frame["started"], utc=True)
points = alt.Chart(frame).mark_line(point=True).encode(
    x=alt.X("started:T", title="run started (UTC)"), y=alt.Y("posts:Q", title="posts per run"),
    color="source:N", tooltip=["source:N", "started:T", "posts:Q", "errors:Q", "bans suspected:Q", "status:N"])
trouble = alt.Chart(frame[(frame["errors"] > 0) | (frame["status"] == "failed")]).mark_point(
    shape="triangle-down", size=90, color="#c92a2a", filled=True).encode(
    x="started:T", y="posts:Q", tooltip=["source:N", "started:T", "errors:Q", "status:N"])
st.altair_chart(alt.layer(points, trouble).properties(height=260), width="stretch")

st.subheader("Recent runs")
source = st.selectbox("Source", [h.source for h in rows if h.runs], key="src_source")
recent = merge_shard_runs(store.list_crawl_runs(source=source, limit=50))
st.dataframe(pd.DataFrame([{
    "started": format_time(r.started_at), "finished": format_time(r.finished_at), "status": r.status,
    "pages": r.pages, "new": r.posts_new, "updated": r.posts_updated, "unchanged": r.posts_unchanged,
    "errors": r.errors, "bans suspected": r.bans_suspected, "details": str(r.data) if r.data else "",
} for r in recent]), hide_index=True, width="stretch")

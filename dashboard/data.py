"""Cached queries: one store client per process, query results cached for a short TTL."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import stats
from dashboard.auth import UserFile
from dashboard.config import USERS_FILE_ENV, users_file_for
from misusewatch.config import Settings, load_settings
from misusewatch.records import CATEGORIES, LADDER_STEPS, TIERS, parse_time
from misusewatch.store import PostFilter, Store, open_store
from misusewatch.store.sqlite import make_sqlite_folder

MISUSE_STEPS = tuple(s for s in LADDER_STEPS if s != "none")
QUERY_TTL_S = 120


@st.cache_resource(ttl=30, show_spinner=False)
def _settings(env_key: tuple[str | None, ...]) -> Settings:
    return load_settings()


def settings() -> Settings:
    """Settings, re-read when the environment that names them changes (and every 30 s)."""
    return _settings(tuple(os.environ.get(k) for k in ("MISUSEWATCH_CONFIG", "MISUSEWATCH_STORE", USERS_FILE_ENV,
                                                       "MISUSEWATCH_SOURCES_FILE")))


@st.cache_resource(show_spinner=False)
def _open_store(url: str) -> Store:
    make_sqlite_folder(url)
    return open_store(url)


def store_url() -> str:
    return settings().store


def store() -> Store:
    return _open_store(store_url())


def users_file() -> Path:
    return users_file_for(settings())


@st.cache_resource(ttl=60, show_spinner=False)
def _pseudonym_key(path: str) -> str:
    users = UserFile.load(path)
    if not users.pseudonym_key:
        users.save()  # creates the key; aliases must stay stable from now on
    return users.pseudonym_key


def pseudonym_key() -> str:
    return _pseudonym_key(str(users_file()))


# ---------------------------------------------------------------- filters


@dataclass(frozen=True, slots=True)
class FilterKey:
    """The overview's filters as a hashable cache key (PostFilter itself is mutable)."""

    source: str | None = None
    platform: str | None = None
    since: str | None = None
    until: str | None = None

    def to_filter(self, **extra) -> PostFilter:
        fields = {"source": self.source, "platform": self.platform,
                  "since": parse_time(self.since) if self.since else None,
                  "until": parse_time(self.until) if self.until else None}
        return PostFilter(**{**fields, **extra})


@st.cache_data(ttl=300, show_spinner=False)
def field_values(url: str, field_name: str, platform: str | None = None) -> list[str]:
    """The values a field takes, over all posts or one platform's."""
    filters = PostFilter(platform=platform) if platform else None
    return [str(v) for v in _open_store(url).count_by_field(field_name, filters)]


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def weekly(url: str, key: FilterKey, dimension: str) -> pd.DataFrame:
    """Posts per week, long form (week, value, posts): all posts, or split by a facet."""
    s = _open_store(url)
    if dimension == "total":
        series = {"all": s.count_by_time("week", key.to_filter())}
    elif dimension == "ladder":
        series = {step: s.count_by_time("week", key.to_filter(ladder=step)) for step in MISUSE_STEPS}
    elif dimension == "tier":
        series = {f"tier {t}": s.count_by_time("week", key.to_filter(tier=t)) for t in TIERS}
    elif dimension == "category":
        series = {c: s.count_by_time("week", key.to_filter(category=c)) for c in CATEGORIES}
    elif dimension == "source":
        series = {src: s.count_by_time("week", key.to_filter(source=src))
                  for src in field_values(url, "source") if key.source in (None, src)}
    else:
        raise ValueError(f"unknown dimension {dimension!r}")
    rows = [(week, value, n) for value, points in series.items() for week, n in points]
    frame = pd.DataFrame(rows, columns=["week", "value", "posts"])
    frame["week"] = pd.to_datetime(frame["week"], utc=True)
    return frame


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def stage_changes(url: str, key: FilterKey, windows: tuple[tuple[str, str | None, str | None], ...]) -> pd.DataFrame:
    """Per release window (None bounds are open): posts, misuse posts (ladder above none), the rate
    with its 95% Wilson interval, and the change from the previous window with Newcombe's interval."""
    s = _open_store(url)
    rows, previous = [], None
    for name, since, until in windows:
        lower = max(b for b in (since, key.since) if b) if since or key.since else None
        upper = min(b for b in (until, key.until) if b) if until or key.until else None
        if lower and upper and lower >= upper:
            continue  # the filters leave nothing of this window
        window = FilterKey(key.source, key.platform, lower, upper)
        total = s.count_posts(window.to_filter())
        misuse = sum(s.count_posts(window.to_filter(ladder=step)) for step in MISUSE_STEPS)
        low, high = stats.wilson(misuse, total)
        row = {"stage": name, "from": (since or "")[:10], "to": (until or "")[:10], "posts": total,
               "misuse posts": misuse, "misuse rate": misuse / total if total else None,
               "rate 95% CI": f"{low:.1%} – {high:.1%}" if total else "",
               "change": None, "change 95% CI": "", "clear change": ""}
        if previous is not None and total and previous[1]:
            diff, lo, hi = stats.rate_change(previous[0], previous[1], misuse, total)
            row.update({"change": diff, "change 95% CI": f"{lo:+.1%} – {hi:+.1%}",
                        "clear change": "yes" if lo > 0 or hi < 0 else "no"})
        rows.append(row)
        previous = (misuse, total)
    return pd.DataFrame(rows)


def assessed_gaps(assessments) -> pd.DataFrame:
    """Collection gaps the threat model found (source-weeks far below their norm, failed crawls)."""
    rows = {}
    for assessment in assessments:
        for gap in (assessment.data.get("coverage") or {}).get("gaps") or []:
            try:
                start = parse_time(gap["week"])
            except (KeyError, ValueError):
                continue
            rows[(gap.get("source"), start)] = {"source": gap.get("source"), "start": start,
                                                "end": start + stats.WEEK, "reason": gap.get("reason", ""),
                                                "posts": gap.get("count")}
    return pd.DataFrame(sorted(rows.values(), key=lambda r: (r["start"], str(r["source"]))),
                        columns=["source", "start", "end", "reason", "posts"])


def gaps_from_volume(url: str, key: FilterKey) -> pd.DataFrame:
    """Collection gaps per source from its weekly volume (weeks far below its usual)."""
    frame = weekly(url, key, "source")
    if frame.empty:
        return pd.DataFrame(columns=["source", "start", "end", "reason"])
    first, last = frame["week"].min().to_pydatetime(), frame["week"].max().to_pydatetime()
    rows = []
    for source, part in frame.groupby("value"):
        series = [(w.to_pydatetime(), int(n)) for w, n in zip(part["week"], part["posts"], strict=True)]
        for start, end in stats.collection_gaps(series, start=first, end=last):
            rows.append({"source": source, "start": start, "end": end, "reason": "below usual volume"})
    return pd.DataFrame(rows, columns=["source", "start", "end", "reason"])


def clear_post_caches() -> None:
    """After a write the queue must show it: drop cached query results."""
    st.cache_data.clear()


def iso(dt: datetime | None) -> str | None:
    return None if dt is None else dt.isoformat()

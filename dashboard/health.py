"""Source health from crawl runs: last run, yield per run, errors, suspected bans, silent failures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import median

from misusewatch.records import CrawlRun

# A run that finds nothing where the source's usual run finds this many or more is suspicious.
SILENT_MIN_TYPICAL = 3
# A source is stale when its last run is this many usual intervals behind the newest run anywhere.
STALE_INTERVALS = 3
# States of a source the watchlist no longer has crawled: its runs stopped on purpose.
DISABLED, NOT_LISTED = "disabled in the watchlist", "not in the watchlist"
# An enabled source without a single run. Shown, never a problem: one added minutes ago is not
# broken, and the watchlist says nothing of when it was added, so nothing could tell "new" from
# "never scheduled". The page names such sources apart from the problems instead.
NEVER_RUN = "no runs yet"


@dataclass(slots=True)
class SourceHealth:
    source: str
    runs: int  # 0: a source the watchlist enables that was never crawled (state NEVER_RUN)
    last_started: datetime | None
    last_status: str
    last_posts: int
    typical_posts: float
    errors_recent: int
    bans_recent: int
    problems: list[str]
    off: str | None = None  # DISABLED or NOT_LISTED: not crawled any more, so not judged

    @property
    def state(self) -> str:
        if self.off:
            return self.off
        if not self.runs:
            return NEVER_RUN
        return "ok" if not self.problems else "; ".join(self.problems)


def source_health(runs: Sequence[CrawlRun], *, recent: int = 10, now: datetime | None = None,
                  watchlist: Mapping[str, bool] | None = None) -> list[SourceHealth]:
    """One row per source: problems first, then those never run, healthy ones, those off.
    ``runs`` may be in any order. With ``now``, a last run still running after several usual
    intervals is flagged (its process was killed, or hangs). With ``watchlist`` (name ->
    enabled), a source it disables or no longer lists is shown as such, without problems: its
    runs stopped on purpose; and each source it enables that has no runs gets a row of its own
    (no runs, state NEVER_RUN), so a source nobody crawled is seen, not missing."""
    by_source: dict[str, list[CrawlRun]] = {}
    for run in runs:
        by_source.setdefault(run.source, []).append(run)
    newest_anywhere = max((r.started_at for r in runs), default=None)
    out = []
    for source, items in by_source.items():
        items.sort(key=lambda r: r.started_at)
        last, window = items[-1], items[-recent:]
        # Posts seen (unchanged ones too, as the source_silent alert counts): an incremental
        # crawl of a quiet source sees its posts without anything new to store.
        earlier = [r.posts_seen for r in items[:-1] if r.status == "finished"][-recent:]
        typical = median(earlier) if earlier else 0.0
        last_posts = last.posts_seen
        problems = []
        if last.status == "failed":
            problems.append("last run failed")
        elif last.status == "finished" and last_posts == 0 and typical >= SILENT_MIN_TYPICAL:
            problems.append(f"silent: 0 posts where {typical:g} is usual")
        bans = sum(r.bans_suspected for r in window)
        if bans:
            problems.append(f"{bans} suspected ban(s) in the last {len(window)} runs")
        errors = sum(r.errors for r in window)
        if errors:
            problems.append(f"{errors} error(s) in the last {len(window)} runs")
        if len(items) >= 3 and newest_anywhere is not None:
            gaps = [(b.started_at - a.started_at).total_seconds() for a, b in zip(items, items[1:], strict=False)]
            usual = median(gaps)
            if usual > 0 and (newest_anywhere - last.started_at).total_seconds() > STALE_INTERVALS * usual:
                problems.append("stale: no run for several usual intervals")
            running_s = (now - last.started_at).total_seconds() if now is not None else 0.0
            if last.status == "running" and usual > 0 and running_s > STALE_INTERVALS * usual:
                problems.append(f"running for {running_s / 3600:.0f} h, several usual intervals: killed or hung?")
        off = None if watchlist is None else NOT_LISTED if source not in watchlist else (
            None if watchlist[source] else DISABLED)
        out.append(SourceHealth(source, len(items), last.started_at, last.status, last_posts, typical, errors,
                                bans, [] if off else problems, off))
    out.extend(SourceHealth(source, 0, None, "", 0, 0.0, 0, 0, [])
               for source, enabled in (watchlist or {}).items() if enabled and source not in by_source)
    out.sort(key=lambda h: (not h.problems, h.runs > 0, h.off is not None, h.source))
    return out

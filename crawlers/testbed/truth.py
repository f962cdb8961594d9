"""Ground truth: every post as a spider should store it, with its hidden labels; summary counts.

``truth.jsonl`` has one object per post visible at the community's "now" (fields in
docs/testbed.md); ``actors.jsonl`` one per actor id a spider would derive. ``summarize``
counts the same way over any iterable of such records, so a demo or test can count its own
store and compare.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from crawlers.testbed.community import Community
from crawlers.testbed.forums import STAGE_NAMES, stage_at
from crawlers.testbed.sites import build_sites
from crawlers.testbed.sites.markup import iso
from misusewatch import ids
from misusewatch.records import CATEGORIES, LADDER_STEPS

_SAFE = re.compile(r"[A-Za-z0-9\-._~@/+!$&'()*,;=]+")


def _id(*components: str) -> str:
    """``misusewatch.ids`` joining, skipping its percent-escaping when nothing needs escaping."""
    if _SAFE.fullmatch("".join(components)):
        return ":".join(components)
    return ids.post_id(*components) if len(components) == 4 else ids.actor_id(*components)


def truth_records(
    community: Community, *, with_html: bool = False, threads: range | None = None
) -> Iterator[dict[str, Any]]:
    """Each post visible at ``community.now``, thread by thread, in the community's order
    (``threads``: only the threads with these indices)."""
    sites = build_sites(community)
    personas = community.personas
    campaigns = community.campaigns
    now = community.now
    specs = community.threads if threads is None else community.threads[threads.start : threads.stop]
    for spec in specs:
        count = community.visible_count(spec)
        if not count:
            continue
        site = sites[spec.forum]
        thread = community.thread(spec.index)
        board = site.board_name(spec)
        id_site = site.id_site(thread)
        for post in thread.posts[:count]:
            fields = site.identity(thread, post)
            thread_id = fields["thread_id"]
            html, text = site.render(thread, post)
            persona = personas[post.persona]
            handle = fields["author_id"] or fields["author"]
            edited = post.edited if post.edited and post.edited <= now and site.shows_edit_time else None
            record = {
                "id": _id(site.platform, id_site, fields["thread_id"], fields["post_id"]),
                "platform": site.platform,
                "forum": spec.forum,
                "board": board,
                "thread_id": fields["thread_id"],
                "post_id": fields["post_id"],
                "thread_title": fields["thread_title"],
                "author": fields["author"],
                "author_id": fields["author_id"],
                "created_at": iso(post.created),
                "edited_at": iso(edited) if edited else None,
                "text": text,
                "reply_to": [_id(site.platform, id_site, thread_id, number) for number in fields["reply_to"]],
                "stage": stage_at(post.created),
                "ladder": post.ladder,
                "categories": list(post.categories),
                "lm_related": post.lm_related,
                "actor": _id(site.platform, site.site_name, handle) if handle else None,
                "actor_tier": persona.tier,
                "machine_written": post.machine,
                "persona": persona.key,
                "campaign": f"campaign-{post.campaign}" if post.campaign >= 0 else None,
                "campaign_category": campaigns[post.campaign].category if post.campaign >= 0 else None,
            }
            if with_html:
                record["html"] = html
            yield record


_TIER_KEYS = {1: "1", 2: "2", 3: "3"}


class Summary:
    """Counts per stage x ladder step, category, tier and platform, added one record at a time."""

    def __init__(self) -> None:
        self.stage_ladder = {stage: dict.fromkeys(LADDER_STEPS, 0) for stage in STAGE_NAMES}
        self.categories = dict.fromkeys(CATEGORIES, 0)
        self.tiers: Counter = Counter()
        self.platforms: Counter = Counter()
        self.stages: Counter = Counter()
        self.totals: Counter = Counter()
        self.actors_by_tier: dict[str, set] = {"1": set(), "2": set(), "3": set()}

    def add(self, record: dict[str, Any]) -> None:
        totals = self.totals
        totals["posts"] += 1
        stage = record.get("stage") or stage_at_iso(record["created_at"])
        self.stages[stage] += 1
        ladder = record.get("ladder") or "none"
        self.stage_ladder.setdefault(stage, dict.fromkeys(LADDER_STEPS, 0))[ladder] += 1
        for category in record.get("categories") or ():
            self.categories[category] = self.categories.get(category, 0) + 1
        tier = record.get("actor_tier")
        self.tiers[_TIER_KEYS.get(tier, "none")] += 1
        if ladder != "none":
            totals["misuse"] += 1
            if tier:
                self.actors_by_tier[_TIER_KEYS[tier]].add(record.get("actor"))
        self.platforms[record["platform"]] += 1
        if record.get("machine_written"):
            totals["machine_written"] += 1
        if record.get("lm_related"):
            totals["lm_related"] += 1

    def merge(self, other: Summary) -> None:
        """Add another part's counts (parts written by parallel workers)."""
        for stage, row in other.stage_ladder.items():
            mine = self.stage_ladder.setdefault(stage, dict.fromkeys(LADDER_STEPS, 0))
            for step, n in row.items():
                mine[step] += n
        for category, n in other.categories.items():
            self.categories[category] = self.categories.get(category, 0) + n
        self.tiers.update(other.tiers)
        self.platforms.update(other.platforms)
        self.stages.update(other.stages)
        self.totals.update(other.totals)
        for tier, actors in other.actors_by_tier.items():
            self.actors_by_tier[tier] |= actors

    def result(self) -> dict[str, Any]:
        return {
            "posts": self.totals["posts"],
            "lm_related": self.totals["lm_related"],
            "misuse": self.totals["misuse"],
            "machine_written": self.totals["machine_written"],
            "by_stage": {stage: self.stages.get(stage, 0) for stage in STAGE_NAMES},
            "by_stage_ladder": self.stage_ladder,
            "by_category": self.categories,
            "by_tier": {key: self.tiers.get(key, 0) for key in ("1", "2", "3", "none")},
            "misuse_actors_by_tier": {k: len(v) for k, v in self.actors_by_tier.items()},
            "by_platform": dict(sorted(self.platforms.items())),
        }


def summarize(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Summary counts of any iterable of truth-shaped records (truth.jsonl, or a store's posts)."""
    counter = Summary()
    for record in records:
        counter.add(record)
    return counter.result()


def stage_at_iso(value: str) -> str:
    from misusewatch.records import parse_time

    return stage_at(int(parse_time(value).timestamp()))


def summary(community: Community) -> dict[str, Any]:
    """The ground truth's summary counts at the community's "now"."""
    return summarize(truth_records(community))


class Actors:
    """One row per actor id: handle, platform, post count, and tier when one persona owns it."""

    def __init__(self) -> None:
        # actor id -> [platform, forum, handle, tier, persona key or set of keys, posts]; lists
        # rather than dicts because a million posts have a few hundred thousand actors.
        self.rows: dict[str, list] = {}

    def add(self, record: dict[str, Any]) -> None:
        actor = record["actor"]
        if actor is None:
            return
        row = self.rows.get(actor)
        persona = record["persona"]
        if row is None:
            self.rows[actor] = [record["platform"], record["forum"], record["author"], record["actor_tier"], persona, 1]
            return
        row[5] += 1
        if row[4] != persona:
            if not isinstance(row[4], set):
                row[4] = {row[4]}
            row[4].add(persona)
        if row[3] != record["actor_tier"]:
            row[3] = None  # shared handles ("Anonymous") have no single tier

    def merge(self, other: Actors) -> None:
        for actor, (platform, forum, handle, tier, personas, posts) in other.rows.items():
            row = self.rows.get(actor)
            if row is None:
                self.rows[actor] = [platform, forum, handle, tier, personas, posts]
                continue
            row[5] += posts
            mine = row[4] if isinstance(row[4], set) else {row[4]}
            mine |= personas if isinstance(personas, set) else {personas}
            row[4] = mine if len(mine) > 1 else next(iter(mine))
            if row[3] != tier:
                row[3] = None

    def result(self) -> Iterator[dict[str, Any]]:
        for actor, (platform, forum, handle, tier, personas, posts) in self.rows.items():
            single = not isinstance(personas, set)
            yield {
                "id": actor, "platform": platform, "forum": forum, "handle": handle, "tier": tier,
                "posts": posts, "persona": personas if single else None,
                "personas": 1 if single else len(personas),
            }


def write_records(
    community: Community, path: Path, threads: range | None = None, progress=None
) -> tuple[Summary, Actors]:
    """Write the truth of some threads as JSON lines to ``path``; their summary and actors."""
    counter, actors = Summary(), Actors()
    dumps = json.JSONEncoder(check_circular=False).encode
    with path.open("w", encoding="utf-8") as fh:
        for record in truth_records(community, threads=threads):
            fh.write(dumps(record) + "\n")
            counter.add(record)
            actors.add(record)
            if progress is not None:
                progress(1)
    return counter, actors


def write_truth(community: Community, out_dir: str | Path, progress=None, workers: int = 1) -> dict[str, Any]:
    """Write ``truth.jsonl``, ``actors.jsonl`` and ``summary.json`` into ``out_dir``; return the summary.

    ``workers`` > 1 writes parts in that many forked processes (same files, same order).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if workers > 1:
        from crawlers.testbed.parallel import write_in_parallel

        counter, actors = write_in_parallel(community, out / "truth.jsonl", workers, progress)
    else:
        counter, actors = write_records(community, out / "truth.jsonl", progress=progress)
    dumps = json.JSONEncoder().encode
    with (out / "actors.jsonl").open("w", encoding="utf-8") as fh:
        for row in actors.result():
            fh.write(dumps(row) + "\n")
    summary_data = counter.result()
    summary_data.update(actors=len(actors.rows), seed=community.seed, now=iso(community.now))
    (out / "summary.json").write_text(json.dumps(summary_data, indent=2) + "\n", encoding="utf-8")
    return summary_data

"""A small, deterministic store for dashboard tests, screenshots and trying the app: written through the Store API.

It holds a year of posts across three sources (one with a collection gap), every ladder step,
every tier, detector results (one abstaining), actors, labels, stage assessments, a committee
summary, alerts with sent and failed deliveries, crawl runs, and hostile posts whose text is
``<script>`` and ``<img onerror>`` payloads.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from misusewatch import ids
from misusewatch.config import Settings
from misusewatch.records import (
    Actor,
    Alert,
    Assessment,
    CrawlRun,
    Delivery,
    Enrichment,
    Label,
    Post,
)
from misusewatch.store import Store

START = datetime(2019, 1, 7, tzinfo=UTC)
WEEKS = 52
# A source that went dark for three weeks: the overview must shade it, not read it as "misuse dropped".
GAP_SOURCE = "testbed-phpbb"
GAP_WEEKS = range(26, 29)
SCRIPT_PAYLOAD = "<script>alert('xss')</script> try this generator"
IMG_PAYLOAD = '<img src=x onerror="alert(1)"> fake reviews at scale'
SOURCES = (
    ("testbed-discourse", "discourse", "forum.testbed.local"),
    ("testbed-4chan", "4chan", "boards.testbed.local"),
    (GAP_SOURCE, "phpbb", "phpbb.testbed.local"),
)
BENIGN = (
    "Has anyone tried the new 355M model for poetry? The samples are fun.",
    "What sampling temperature do you use for story writing?",
    "I fine-tuned the small model on my cooking blog, results are mixed.",
    "Is there a good tutorial on tokenisation for beginners?",
)
# (ladder, category, tier, text, targets): the text contains every evidence term below.
MISUSE = (
    ("discussion", "spam", 1, "Could GPT-2 write spam comments that pass filters?", []),
    ("discussion", "disinformation", 1, "Imagine fake news articles written by GPT-2 about Example News.",
     ["Example News"]),
    ("plan", "fake_reviews", 2, "Plan: generate 500 fake reviews per day for the shop on examplemart.com.",
     ["examplemart.com"]),
    ("plan", "phishing", 2, "We will write phishing emails with GPT-2 targeting Example Bank customers.",
     ["Example Bank"]),
    ("code", "spam", 2, "Here is my script: loop over prompts, call generate(), post spam via the API.", []),
    ("code", "impersonation", 3, "Code to impersonate Example News reporters using the 774M model.",
     ["Example News"]),
    ("deployment", "disinformation", 3, "Our bot network is live: 40 accounts posting fake news from GPT-2.",
     []),
    ("deployment", "fake_reviews", 3, "Deployed: the fake reviews bot now posts to examplemart.com hourly.",
     ["examplemart.com"]),
)
EVIDENCE_TERMS = {
    "spam": "spam", "disinformation": "fake news", "fake_reviews": "fake reviews", "phishing": "phishing",
    "impersonation": "impersonate",
}
LADDER_TERMS = {"discussion": "GPT-2", "plan": "Plan", "code": "script", "deployment": "live"}
STAGES = (  # GPT-2's releases, as threat_model.stages has them
    ("124M", datetime(2019, 2, 14, tzinfo=UTC)),
    ("355M", datetime(2019, 5, 3, tzinfo=UTC)),
    ("774M", datetime(2019, 8, 20, tzinfo=UTC)),
    ("1.5B", datetime(2019, 11, 5, tzinfo=UTC)),
)


def _find(text: str, term: str) -> tuple[int, int] | None:
    start = text.find(term)
    if start < 0:
        start = text.lower().find(term.lower())
    return (start, start + len(term)) if start >= 0 else None


def _evidence(text: str, ladder: str, category: str | None) -> list[dict]:
    """Evidence in the tagger's shape (enrichment/rules.py): kind, value, text, offsets, rule."""
    wanted = []
    if category:
        wanted.append(("category", category, EVIDENCE_TERMS.get(category, category), "misuse." + category))
    if ladder != "none":
        wanted.append((ladder, ladder, LADDER_TERMS[ladder], f"ladder.{ladder}"))
    if "GPT-2" in text:
        wanted.append(("model", "gpt-2", "GPT-2", "models.gpt2"))
    out = []
    for kind, value, term, rule in wanted:
        where = _find(text, term)
        if where:
            out.append({"kind": kind, "value": value, "text": text[where[0]:where[1]],
                        "start": where[0], "end": where[1], "rule": rule})
    return out


def _targets(text: str, names: list[str]) -> list[dict]:
    out = []
    for name in names:
        where = _find(text, name)
        if where:
            kind = "domain" if "." in name else "org"
            out.append({"kind": kind, "value": name.lower() if kind == "domain" else name, "text": name,
                        "start": where[0], "end": where[1], "rule": f"targets.{kind}"})
    return out


def _tagger(post: Post, ladder: str, category: str | None, tier: int | None, targets: list[str]) -> Enrichment:
    skill = _find(post.text, "script") if ladder in ("code", "deployment") else None
    return Enrichment(
        post.id, "tagger", "demo-1",
        data={"evidence": _evidence(post.text, ladder, category), "targets": _targets(post.text, targets),
              "skill_markers": [{"kind": "skill", "value": "scripting", "text": "script", "start": skill[0],
                                 "end": skill[1], "rule": "skill.script", "why": "writes code"}] if skill else [],
              "resource_markers": []},
        facets={"lm_related": ladder != "none" or "model" in post.text, "ladder": ladder,
                "categories": [category] if category else [], "tier": tier},
        created_at=post.created_at,
    )


def _detectors(post: Post, p_machine: float, *, abstain: bool) -> list[Enrichment]:
    tfidf = Enrichment(
        post.id, "detector:tfidf", "demo-1",
        data={"score": round(p_machine, 3), "label": "machine" if p_machine >= 0.8 else "human",
              "threshold": 0.8, "fpr": 0.01, "reason": "threshold from model validation set at FPR 0.01"},
        facets={"detector_scores": {"tfidf": round(p_machine, 3)}}, created_at=post.created_at,
    )
    if abstain:
        gltr = Enrichment(
            post.id, "detector:gltr", "demo-1",
            data={"score": None, "label": "abstain", "threshold": 0.7, "fpr": 0.01,
                  "reason": "text shorter than 40 tokens"},
            facets={}, created_at=post.created_at,
        )
    else:
        words = post.text.split(" ")
        # The shape of enrichment.detectors.gltr.token_evidence; ranks are 1-based.
        tokens = [{"token": (" " if i else "") + w, "rank": 1 + (i * 37 + len(w) * 11) % 1500,
                   "bucket": ""} for i, w in enumerate(words)]
        gltr = Enrichment(
            post.id, "detector:gltr", "demo-1",
            data={"score": round(p_machine * 0.9, 3), "label": "machine" if p_machine * 0.9 >= 0.7 else "human",
                  "threshold": 0.7, "fpr": 0.01, "reason": "threshold from configured", "tokens": tokens},
            facets={"detector_scores": {"gltr": round(p_machine * 0.9, 3)}}, created_at=post.created_at,
        )
    return [tfidf, gltr]


def seed_demo_store(store: Store, *, seed: int = 7, benign_per_week: int = 5) -> dict[str, list[str]]:
    """Fill ``store`` with the demo data; returns the ids tests look up (hostile posts, actors...)."""
    rng = random.Random(seed)
    posts: list[Post] = []
    enrichments: list[Enrichment] = []
    authors: dict[str, list[Post]] = {}
    marked: dict[str, list[str]] = {"hostile": [], "misuse": [], "actors": [], "alerts": []}
    for week in range(WEEKS):
        for source, platform, site in SOURCES:
            if source == GAP_SOURCE and week in GAP_WEEKS:
                continue
            thread = f"t{week:02d}{platform[:2]}"
            picks = [(None, rng.choice(BENIGN)) for _ in range(benign_per_week)]
            # Misuse grows after each release stage: more misuse posts later in the year.
            n_misuse = 1 + week // 13 + (1 if rng.random() < 0.3 else 0)
            picks += [(rng.choice(MISUSE), None) for _ in range(n_misuse)]
            for n, (misuse, benign_text) in enumerate(picks):
                created = START + timedelta(weeks=week, hours=n * 5 + rng.randrange(4))
                author = f"user{rng.randrange(12)}" if misuse is None else f"actor{MISUSE.index(misuse) % 5}"
                text = benign_text if misuse is None else misuse[3]
                post = Post(id="", source=source, platform=platform, site=site, thread_id=thread,
                            post_id=f"{thread}-{n}", created_at=created, text=text, board="gpt2",
                            thread_title=f"Week {week + 1} language-model thread", author=author,
                            author_id=author, url=f"https://{site}/t/{thread}/{n}", collected_at=created)
                posts.append(post)
                authors.setdefault(post.actor_id, []).append(post)
                if misuse is None:
                    enrichments.append(_tagger(post, "none", None, None, []))
                    enrichments += _detectors(post, rng.uniform(0.02, 0.4), abstain=n == 0)
                else:
                    ladder, category, tier, _, targets = misuse
                    enrichments.append(_tagger(post, ladder, category, tier, list(targets)))
                    enrichments += _detectors(post, rng.uniform(0.55, 0.99), abstain=False)
                    marked["misuse"].append(post.id)
    for i, payload in enumerate((SCRIPT_PAYLOAD, IMG_PAYLOAD)):
        created = START + timedelta(weeks=40, days=i)
        post = Post(id="", source="testbed-4chan", platform="4chan", site="boards.testbed.local",
                    thread_id="hostile", post_id=f"h{i}", created_at=created, text=payload,
                    thread_title='<img src=x onerror="alert(2)"> thread', author="<b>mallory</b>",
                    author_id="mallory", url="javascript:alert(3)", collected_at=created)
        posts.append(post)
        authors.setdefault(post.actor_id, []).append(post)
        enrichments.append(_tagger(post, "code", "spam" if i == 0 else "fake_reviews", 2, []))
        enrichments += _detectors(post, 0.9, abstain=False)
        marked["hostile"].append(post.id)
    store.upsert_posts(posts)
    store.write_enrichments(enrichments)
    _seed_actors(store, authors, marked)
    _seed_labels(store, marked)
    _seed_assessments(store, posts, marked)
    _seed_alerts(store, marked)
    _seed_crawl_runs(store)
    return marked


def _seed_actors(store: Store, authors: dict[str, list[Post]], marked: dict[str, list[str]]) -> None:
    actors = []
    for actor_id, their_posts in sorted(authors.items()):
        platform, site, handle = ids.split_id(actor_id)
        is_misuse = handle.startswith("actor") or handle == "mallory"
        tier = (int(handle[-1]) % 3) + 1 if handle.startswith("actor") else (2 if is_misuse else None)
        actors.append(Actor(
            id=actor_id, platform=platform, site=site, handle=their_posts[0].author or handle,
            first_seen=their_posts[0].created_at, last_seen=their_posts[-1].created_at,
            post_count=len(their_posts), tier=tier, tier_confidence=0.8 if tier else None,
            evidence=[p.id for p in their_posts[:5]] if is_misuse else [],
            signals={"cadence_posts_per_week": round(len(their_posts) / WEEKS, 2)} if is_misuse else {},
        ))
        if is_misuse:
            marked["actors"].append(actor_id)
    store.upsert_actors(actors)


def _seed_labels(store: Store, marked: dict[str, list[str]]) -> None:
    first, second = marked["misuse"][0], marked["misuse"][1]
    when = START + timedelta(days=20)
    for label in (
        Label("post", first, "status", "in_review", "alice", "checking the linked repo", created_at=when),
        Label("post", first, "status", "escalated", "alice", "working code, tier 2",
              created_at=when + timedelta(hours=2)),
        Label("post", second, "status", "dismissed", "bob", "news discussion, no intent", created_at=when),
        Label("post", first, "tag", "campaign-a", "alice", created_at=when + timedelta(hours=3)),
    ):
        store.add_label(label)


def _seed_assessments(store: Store, posts: list[Post], marked: dict[str, list[str]]) -> None:
    """Stage indicators and summaries: the threat model's own when it is installed, else a
    smaller stand-in of the same shape (so the pages show the same things either way)."""
    cluster = marked["misuse"][:4]
    store.write_assessment(Assessment("campaign_clusters", "campaign_clusters", {
        "clusters": [{"id": "cluster-1", "post_ids": cluster, "size": len(cluster), "similarity": 0.97}],
    }))
    try:
        from misusewatch.assess import assess_config, run_assess
    except ImportError:
        _stand_in_assessments(store, posts, marked)
        return
    run_assess(store, assess_config(Settings()), progress=False)  # GPT-2's stages, default policies


def _stand_in_assessments(store: Store, posts: list[Post], marked: dict[str, list[str]]) -> None:
    misuse = set(marked["misuse"])
    by_id = {p.id: p for p in posts}
    gap_weeks = [(START + timedelta(weeks=w)).date().isoformat() for w in GAP_WEEKS]
    gaps = [{"source": GAP_SOURCE, "week": w, "count": 0, "norm": 7.0, "reason": "no_posts"} for w in gap_weeks]
    windows = [("pre-release", None, STAGES[0][1])]
    windows += [(name, start, end) for (name, start), end in
                zip(STAGES, [*(s for _, s in STAGES[1:]), None], strict=True)]
    trend = []
    for name, since, until in windows:
        inside = [p for p in posts if (since is None or p.created_at >= since)
                  and (until is None or p.created_at < until)]
        n_misuse = sum(1 for p in inside if p.id in misuse)
        stage = {"name": name, "since": since and since.isoformat(), "until": until and until.isoformat()}
        window_gaps = [g for g in gaps if (since is None or g["week"] >= since.date().isoformat())
                       and (until is None or g["week"] < until.date().isoformat())]
        trend.append({"stage": name, "since": stage["since"], "until": stage["until"], "posts": len(inside),
                      "misuse": n_misuse, "misuse_per_1000": round(1000 * n_misuse / len(inside), 1)
                      if inside else None, "gap_source_weeks": len(window_gaps), "rate_ratio": None})
        store.write_assessment(Assessment(f"indicators:{name}", "stage_indicators", {
            "family": "GPT-2", "stage": stage,
            "coverage": {"posts": len(inside), "gaps": window_gaps, "gap_source_weeks": len(window_gaps)},
            "counts": {"misuse": n_misuse},
        }, stage=name))
    evidence = [by_id[pid] for pid in marked["misuse"][:5]]
    store.write_assessment(Assessment("summary:all", "summary", {
        "scope": "all", "family": "GPT-2",
        "stage": {"name": "all", "since": None, "until": None},
        "headline": ["Misuse moved from discussion to deployment after the 774M release (demo data)."],
        "findings": [],
        "trend": trend,
        "evidence_threads": [{"thread": p.thread_key, "title": p.thread_title, "url": p.url,
                              "highest_step": "discussion",
                              "posts": [{"id": p.id, "step": "discussion", "author": p.author, "actor": p.actor_id,
                                         "created_at": p.created_at.isoformat(), "excerpt": p.text,
                                         "url": p.url}]} for p in evidence],
        "coverage": {"posts": len(posts), "tagged": len(posts),
                     "sources": {s: sum(1 for p in posts if p.source == s) for s, _, _ in SOURCES}, "gaps": gaps},
        "caveats": ["Stand-in summary: threat_model is not installed, so no rate ratios are computed."],
    }))


def _seed_alerts(store: Store, marked: dict[str, list[str]]) -> None:
    created = START + timedelta(weeks=34)
    alerts = [
        Alert("alert-1", "ladder_escalation", "high", "Deployment-stage misuse of GPT-2 reported",
              "A tier 3 actor reports a live bot network posting generated fake news.",
              "ladder:deployment:2019-35", evidence=marked["misuse"][:2], tlp="amber", status="sent",
              created_at=created),
        Alert("alert-2", "target_mentioned", "medium", "Example News named as a target",
              "Posts plan impersonation of Example News reporters.", "target:example-news",
              evidence=marked["misuse"][2:3], tlp="amber", status="failed", created_at=created + timedelta(days=1)),
        Alert("alert-3", "source_silent", "medium", f"{GAP_SOURCE} silent for 3 weeks",
              "No new posts from the source; crawl may be blocked.", f"silent:{GAP_SOURCE}",
              tlp="amber", status="sent", data={"scope": "source", "key": GAP_SOURCE},
              created_at=START + timedelta(weeks=28)),
    ]
    for alert in alerts:
        store.write_alert(alert)
        marked["alerts"].append(alert.id)
    sent = created + timedelta(minutes=2)
    for delivery in (
        Delivery("alert-1", "release-committee", "email", "k1", "sent", 1, sent_at=sent, updated_at=sent),
        Delivery("alert-1", "trust-and-safety", "webhook", "k2", "sent", 1, sent_at=sent, updated_at=sent),
        Delivery("alert-2", "example-news", "email", "k3", "failed", 8,
                 last_error="SMTP 550: mailbox unavailable", updated_at=sent + timedelta(days=1)),
        Delivery("alert-3", "ops-on-call", "webhook", "k4", "sent", 2, sent_at=START + timedelta(weeks=28),
                 updated_at=START + timedelta(weeks=28)),
    ):
        store.upsert_delivery(delivery)


def _seed_crawl_runs(store: Store) -> None:
    for week in range(WEEKS):
        for source, _, _ in SOURCES:
            started = START + timedelta(weeks=week, hours=1)
            dark = source == GAP_SOURCE and week in GAP_WEEKS
            # The 4chan crawl's last run "succeeds" with nothing: a silent failure to flag.
            silent = source == "testbed-4chan" and week == WEEKS - 1
            store.record_crawl_run(CrawlRun(
                id=f"{source}-{week:02d}", source=source, started_at=started,
                finished_at=started + timedelta(minutes=4), status="finished" if not dark or week != GAP_WEEKS[0]
                else "failed", pages=0 if dark else 12, posts_new=0 if dark or silent else 7, errors=3 if dark else 0,
                bans_suspected=1 if dark else 0, data={"http_403": 3} if dark else {},
            ))

"""The pure alert rules, table by table: facts in, firings out."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from threat_model.rules import (
    SEVERITIES,
    TLP_LEVELS,
    DetectorRate,
    Facts,
    PostFact,
    RunFact,
    WeeklySeries,
    binomial_tail,
    evaluate,
    grouped_key,
    mentions,
    post_group,
    rules,
)

NOW = datetime(2024, 1, 1, tzinfo=UTC)
JUNE = datetime(2019, 6, 1, tzinfo=UTC)


def post(pid="p1", thread="t1", ladder="code", actor_tier=None, post_tier=None, targets=(),
         when=JUNE, cluster=None, categories=()) -> PostFact:
    return PostFact(post_id=pid, thread_key=f"forum:site:{thread}", source="forum",
                    created_at=when, ladder=ladder, categories=tuple(categories),
                    post_tier=post_tier, actor_id=f"forum:site:{pid}-author", actor_tier=actor_tier,
                    targets=tuple(targets), title=f"thread {thread}", excerpt="text",
                    cluster_id=cluster)


def fire(rule_id: str, **facts) -> list:
    return evaluate(rules.create(rule_id), Facts(now=NOW, **facts))


@pytest.mark.parametrize("rule_id", rules.names())
def test_every_rule_declares_what_it_is(rule_id):
    rule = rules.create(rule_id)
    assert rule.id == rule_id
    assert rule.description and rule.severity in SEVERITIES and rule.tlp in TLP_LEVELS
    assert rule.audience in ("misuse", "operations")


# ---------------------------------------------------------------- tier2_code_sharing


@pytest.mark.parametrize("ladder, actor_tier, post_tier, fires", [
    ("code", 2, None, True),
    ("deployment", 3, None, True),
    ("code", None, 2, True),          # no actor record: the post's own evidence decides
    ("code", 1, 3, False),            # the actor's (effective) tier wins over one post
    ("code", None, None, False),
    ("plan", 3, 3, False),
    ("discussion", 3, None, False),
])
def test_tier2_code_sharing(ladder, actor_tier, post_tier, fires):
    firings = fire("tier2_code_sharing", posts=(post(ladder=ladder, actor_tier=actor_tier,
                                                     post_tier=post_tier),))
    assert bool(firings) is fires


def test_one_alert_per_thread_and_per_campaign_cluster_not_per_post():
    posts = (post("p1", "t1", actor_tier=2), post("p2", "t1", actor_tier=2),
             post("p3", "t2", actor_tier=2, cluster="c9"), post("p4", "t3", actor_tier=3, cluster="c9"))
    firings = fire("tier2_code_sharing", posts=posts)
    assert [(f.dedup_key, f.evidence) for f in firings] == [
        ("cluster:c9", ("p3", "p4")), ("thread:forum:site:t1", ("p1", "p2"))]
    assert firings[0].title.startswith("Tier 3 actor")


# ---------------------------------------------------------------- plan_names_stakeholder

WATCHED = {"news": ("Example News", "examplenews.com"), "reviews": ("reviews.example.org",)}


@pytest.mark.parametrize("ladder, targets, named", [
    ("plan", ["Example News"], ["news"]),
    ("code", ["example news"], ["news"]),                 # case-insensitive
    ("plan", ["login.examplenews.com"], ["news"]),        # a subdomain is the same target
    ("plan", ["Example Newsroom"], []),                   # whole words only
    ("plan", ["notexamplenews.com"], []),
    ("plan", ["Example News", "reviews.example.org"], ["news", "reviews"]),
    ("discussion", ["Example News"], []),                 # talk is not a plan
    ("plan", [], []),
])
def test_plan_names_stakeholder(ladder, targets, named):
    firings = fire("plan_names_stakeholder", posts=(post(ladder=ladder, targets=targets),),
                   watched=WATCHED)
    assert [f.data["stakeholder"] for f in firings] == named
    for f in firings:
        assert f.dedup_key.endswith(f"|named:{f.data['stakeholder']}")
        assert set(f.data["terms"]) <= set(f.subjects)


def test_post_group_splits_the_grouping_from_what_else_the_finding_is_about():
    """The outbox compares posts across groupings of the same (rule, rest): see docs/alerts.md."""
    [in_thread] = fire("plan_names_stakeholder", posts=(post(targets=["Example News"]),),
                       watched=WATCHED)
    [in_cluster] = fire("plan_names_stakeholder",
                        posts=(post(targets=["Example News"], cluster="cluster:ab12"),),
                        watched=WATCHED)
    assert post_group(in_thread.dedup_key) == ("thread:forum:site:t1", "named:news")
    assert post_group(in_cluster.dedup_key) == ("cluster:cluster:ab12", "named:news")
    assert grouped_key(*post_group(in_cluster.dedup_key)) == in_cluster.dedup_key
    [code] = fire("tier2_code_sharing", posts=(post(actor_tier=2),))
    assert post_group(code.dedup_key) == ("thread:forum:site:t1", "")
    assert grouped_key("thread:forum:site:t1", "") == code.dedup_key
    [stage] = fire("first_code_after_stage", posts=(post(),))
    assert post_group(stage.dedup_key) is None  # keyed by stage: never regrouped


# ---------------------------------------------------------------- synthetic_prevalence


@pytest.mark.parametrize("n, k, fpr, fires", [
    (100, 10, 0.01, True),
    (100, 5, 0.01, True),    # p = 0.0034
    (100, 3, 0.01, False),   # p = 0.079: three false positives in 100 are plausible
    (100, 2, 0.01, False),   # below min_flagged
    (10, 10, 0.01, False),   # below min_posts
    (100, 30, 0.25, False),  # 30% flagged, but the detector's FPR is 25%
    (100, 40, 0.25, True),
    (100, 10, 0.0, False),   # no calibrated FPR: nothing to test against
])
def test_synthetic_prevalence(n, k, fpr, fires):
    rate = DetectorRate(scope="source", key="forum", detector="tfidf", period="2019-06", n=n, k=k,
                        fpr=fpr, evidence=("p1",))
    firings = fire("synthetic_prevalence", rates=(rate,))
    assert bool(firings) is fires
    if fires:
        assert firings[0].data["p_value"] < 0.01
        assert firings[0].dedup_key == "source:forum|tfidf|2019-06"


@pytest.mark.parametrize("k, n, p", [(5, 100, 0.01), (3, 100, 0.01), (0, 10, 0.5), (40, 100, 0.25)])
def test_binomial_tail_matches_the_exact_sum(k, n, p):
    exact = sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))
    assert binomial_tail(k, n, p) == pytest.approx(exact, rel=1e-9)


# ---------------------------------------------------------------- discussion_spike

MONDAY = datetime(2019, 6, 3, tzinfo=UTC)


def series(*weeks: tuple[int, int], gaps: int = 0) -> WeeklySeries:
    rows = [(MONDAY + timedelta(weeks=i + (gaps if i == len(weeks) - 1 else 0)), m, t)
            for i, (m, t) in enumerate(weeks)]
    return WeeklySeries(scope="all", weeks=tuple(rows))


@pytest.mark.parametrize("weeks, fires", [
    ([(2, 100)] * 4 + [(20, 100)], True),
    ([(2, 100)] * 4 + [(4, 100)], False),      # below min_count
    ([(10, 100)] * 4 + [(12, 100)], False),    # ordinary variation
    ([(2, 100)] * 4 + [(20, 1000)], False),    # more collected, same share: no spike
    ([(0, 100)] * 4 + [(6, 100)], True),       # from nothing to something
    ([(2, 100)] * 2 + [(20, 100)], False),     # too little history
])
def test_discussion_spike_is_normalised_by_collection_volume(weeks, fires):
    assert bool(fire("discussion_spike", series=(series(*weeks),))) is fires


@pytest.mark.parametrize("min_ratio, matching, fires", [
    (3.0, 60, True),    # exactly 3x the 20/100 baseline: "at least" includes the boundary
    (1.5, 30, True),
    (1.2, 24, True),    # 1.2 is not exact in binary; the configured decimal is what counts
    (3.0, 59, False),
    (1.2, 23, False),
])
def test_discussion_spike_fires_at_exactly_min_ratio(min_ratio, matching, fires):
    rule = rules.create("discussion_spike", {"min_ratio": min_ratio, "alpha": 0.5})
    weeks = series(*([(20, 100)] * 4 + [(matching, 100)]))
    assert bool(evaluate(rule, Facts(now=NOW, series=(weeks,)))) is fires


def test_quiet_weeks_count_as_zero_in_the_trailing_window():
    # Three weeks of 20/100 then a four-week gap: the trailing window is all empty weeks.
    firings = fire("discussion_spike", series=(series((20, 100), (20, 100), (20, 100), (20, 100),
                                                      gaps=4),))
    assert firings == []


def test_spike_dedup_key_names_the_scope_and_week():
    [firing] = fire("discussion_spike", series=(series(*([(2, 100)] * 4 + [(20, 100)])),))
    assert firing.dedup_key == "all|2019-W27"


# ---------------------------------------------------------------- first_code_after_stage


@pytest.mark.parametrize("posts, stages", [
    ([("code", JUNE)], ["355M"]),
    ([("code", JUNE), ("code", JUNE + timedelta(days=30))], ["355M"]),
    ([("plan", JUNE)], []),
    ([("code", datetime(2019, 1, 1, tzinfo=UTC))], []),       # before the first release
    ([("deployment", datetime(2019, 12, 1, tzinfo=UTC)), ("code", JUNE)], ["1.5B", "355M"]),
])
def test_first_code_after_stage(posts, stages):
    facts = tuple(post(f"p{i}", ladder=ladder, when=when) for i, (ladder, when) in enumerate(posts))
    firings = fire("first_code_after_stage", posts=facts)
    assert sorted(f.data["stage"] for f in firings) == sorted(stages)
    for f in firings:
        assert len(f.evidence) == 1


def test_first_code_names_the_earliest_post_of_the_stage():
    later, first = post("late", when=JUNE + timedelta(days=9)), post("early", when=JUNE)
    [firing] = fire("first_code_after_stage", posts=(later, first))
    assert firing.evidence == ("early",) and firing.data["days_after_release"] == 29


# ---------------------------------------------------------------- source_silent


def runs(*statuses: str, source="forum") -> tuple[RunFact, ...]:
    """Statuses newest first; "empty" is a finished run that saw no posts."""
    out = []
    for i, status in enumerate(statuses):
        seen = 0 if status == "empty" else 5
        out.append(RunFact(source=source, run_id=f"{source}:{len(statuses) - i}",
                           started_at=JUNE - timedelta(hours=i),
                           status="finished" if status in ("empty", "ok") else status,
                           posts_seen=seen))
    return tuple(out)


@pytest.mark.parametrize("statuses, fires", [
    (["failed", "failed", "failed"], True),
    (["empty", "failed", "empty", "ok"], True),
    (["failed", "failed"], False),
    (["failed", "failed", "ok", "failed"], False),
    (["running", "failed", "failed", "failed"], True),   # a run in progress is no evidence
    (["ok", "failed", "failed", "failed"], False),       # it recovered
])
def test_source_silent(statuses, fires):
    firings = fire("source_silent", runs=runs(*statuses))
    assert bool(firings) is fires
    if fires:
        assert firings[0].audience == "operations"


def test_a_longer_outage_is_the_same_alert():
    three = fire("source_silent", runs=runs("failed", "failed", "failed", "ok"))
    four = fire("source_silent", runs=runs("failed", "failed", "failed", "failed", "ok"))
    # Run ids count up from the oldest, so the streak's first run is forum:2 in both.
    assert three[0].dedup_key == four[0].dedup_key == "source:forum|since:forum:2"


# ---------------------------------------------------------------- helpers


@pytest.mark.parametrize("term, text, hit", [
    ("Example News", "fake Example News articles", True),
    ("examplenews.com", "see https://examplenews.com/x", True),
    ("examplenews.com", "examplenews.community", False),
    ("BBC", "bbc", True),
    ("BBC", "abbcd", False),
    ("", "anything", False),
])
def test_mentions(term, text, hit):
    assert mentions(term, text) is hit

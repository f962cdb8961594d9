"""Summary findings come from the numbers through documented thresholds, not canned text."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from threat_model.gaps import Gap, SourceWeeks
from threat_model.indicators import SyntheticCounts, WindowCounts, stage_indicators
from threat_model.stages import StageWindow, default_timeline
from threat_model.summary import SummaryPolicy, build_summary

WINDOWS = {w.name: w for w in default_timeline().windows()}
REPORT_LIKE_BEFORE = {"none": 446, "discussion": 37, "plan": 3}


def summarise(ladder, *, previous=None, stage="355M", evidence=None, policy=None, **kw):
    now = WindowCounts(WINDOWS[stage], sum(ladder.values()), ladder, **kw)
    before = None
    if previous is not None:
        before = WindowCounts(WINDOWS["124M"], sum(previous.values()), previous)
    row = stage_indicators(now, before, [], [])
    return build_summary(stage, row, family="GPT-2", stage_rows=[row], evidence_posts=evidence,
                         policy=policy)


def finding(summary, finding_id):
    return next(f for f in summary["findings"] if f["id"] == finding_id)


@pytest.mark.parametrize(
    ("ladder", "text"),
    [
        ({"none": 100}, "No discussion of language-model misuse observed."),
        ({"none": 90, "discussion": 10},
         "Discussion of misuse (10 posts) but no code sharing observed"),
        ({"none": 90, "discussion": 9, "code": 1},
         "Code or tools for misuse shared: 1 post at the code or deployment step"),
        ({"none": 90, "discussion": 8, "code": 1, "deployment": 1},
         "Code or tools for misuse shared: 2 posts"),
    ],
)
def test_code_sharing_finding(ladder, text):
    assert finding(summarise(ladder), "code_sharing")["text"].startswith(text)


def test_code_sharing_filters_cover_code_and_deployment_posts():
    # The number counts both steps; filtering on "code" alone dropped the deployment post.
    result = finding(summarise({"none": 90, "discussion": 8, "code": 1, "deployment": 1}),
                     "code_sharing")
    assert result["filters"]["ladder"] == ["code", "deployment"]


@pytest.mark.parametrize(
    ("ladder", "text", "level"),
    [
        ({"none": 90, "discussion": 10}, "No explicit public plans", "info"),
        ({"none": 90, "discussion": 7, "plan": 3},
         "Only a small number of explicit public plans: 3 posts (30% of misuse posts)", "notice"),
        ({"none": 500, "discussion": 190, "plan": 10},  # 10 > 5 but 5% of misuse posts
         "Only a small number of explicit public plans: 10 posts (5.0% of misuse posts)",
         "notice"),
        ({"none": 500, "discussion": 80, "plan": 20},
         "Explicit public plans in 20 posts: 20% of misuse posts", "warning"),
    ],
)
def test_plan_finding_thresholds(ladder, text, level):
    result = finding(summarise(ladder), "plans")
    assert result["text"].startswith(text)
    assert result["level"] == level
    assert result["thresholds"] == {"few_plans": 5, "few_plans_share": 0.05}


@pytest.mark.parametrize(
    ("actor_tiers", "post_tiers", "text"),
    [
        ({1: 9, 2: 1}, {}, "Actors predominantly tier 1 with limited technical understanding "
                          "of ML: 90% of 10 tiered misuse actors."),
        ({1: 6, 2: 4}, {}, "Actors predominantly tier 1"),  # 60% is the threshold
        ({1: 5, 2: 5}, {}, "A mix of skill levels among 10 tiered misuse actors: tier 1 50%"),
        ({1: 2, 3: 2}, {}, "Advanced (tier 3) actors present: 2 of 4 tiered misuse actors"),
        ({}, {1: 7, 2: 1}, "Actors predominantly tier 1 with limited technical understanding "
                           "of ML: 88% of 8 tiered misuse posts."),
    ],
)
def test_tier_finding(actor_tiers, post_tiers, text):
    summary = summarise({"none": 90, "discussion": 10}, actor_tiers=actor_tiers,
                        post_tiers=post_tiers)
    assert finding(summary, "actor_tiers")["text"].startswith(text)


WINDOW_FILTER = {"since": "2019-05-03T00:00:00Z", "until": "2019-08-20T00:00:00Z"}
MISUSE = ["discussion", "plan", "code", "deployment"]


@pytest.mark.parametrize(
    ("actor_tiers", "post_tiers", "filters"),
    [
        ({}, {1: 7, 2: 1}, {**WINDOW_FILTER, "ladder": MISUSE, "min_tier": 1}),
        ({1: 9, 2: 1}, {1: 7}, {**WINDOW_FILTER, "ladder": MISUSE}),
    ],
)
def test_tier_finding_filters_select_the_misuse_posts_it_counts(actor_tiers, post_tiers,
                                                                filters):
    # min_tier alone also selected tiered posts with no misuse step.
    summary = summarise({"none": 90, "discussion": 10}, actor_tiers=actor_tiers,
                        post_tiers=post_tiers)
    assert finding(summary, "actor_tiers")["filters"] == filters


def test_no_tiers_no_tier_finding():
    summary = summarise({"none": 90, "discussion": 10})
    assert "actor_tiers" not in [f["id"] for f in summary["findings"]]


@pytest.mark.parametrize(
    ("now", "text"),
    [
        ({"none": 620, "discussion": 13, "plan": 1},
         "Misuse discussion declining by the 355M release (2019-05-03): 22.1 per 1,000 posts "
         "vs 124M (rate ratio 0.27, 95% CI 0.13-0.50)."),
        ({"none": 400, "discussion": 80}, "Misuse discussion rising by the 355M release"),
        ({"none": 450, "discussion": 38}, "Misuse discussion not significantly changed by the "
                                          "355M release"),
    ],
)
def test_trend_finding(now, text):
    summary = summarise(now, previous=REPORT_LIKE_BEFORE)
    assert finding(summary, "trend")["text"].startswith(text)


def test_trend_with_no_misuse_on_either_side_has_no_ratio():
    # 0 vs 0 has no estimate: "n/a" as in the Markdown trend table, never "inf".
    text = finding(summarise({"none": 100}, previous={"none": 100}), "trend")["text"]
    assert "(rate ratio n/a, 95% CI 0.00-inf)" in text
    assert "rate ratio inf" not in text


def test_first_window_has_nothing_to_compare():
    summary = summarise({"none": 10}, stage="pre-release")
    assert finding(summary, "trend")["text"] == (
        "pre-release is the first window: no earlier stage to compare with.")


def test_policy_changes_the_wording():
    ladder = {"none": 90, "discussion": 7, "plan": 3}
    strict = SummaryPolicy(few_plans=2, few_plans_share=0.01)
    assert finding(summarise(ladder, policy=strict), "plans")["level"] == "warning"


def test_findings_carry_numbers_filters_and_evidence():
    evidence = {"plan": [
        {"id": "p:1", "thread": "t:1", "url": "https://f/1", "thread_title": "T1"},
        {"id": "p:2", "thread": "t:2", "url": "https://f/2", "thread_title": "T2"},
    ], "discussion": [{"id": "p:3", "thread": "t:1"}]}
    summary = summarise({"none": 90, "discussion": 8, "plan": 2}, evidence=evidence)
    plans = finding(summary, "plans")
    assert plans["numbers"] == {"plan_posts": 2, "misuse_posts": 10, "plan_share": 0.2}
    assert plans["evidence"] == ["p:1", "p:2"]
    assert plans["filters"] == {"since": "2019-05-03T00:00:00Z", "until": "2019-08-20T00:00:00Z",
                                "ladder": "plan"}
    assert "in 2 threads" in plans["text"]  # every plan post was read, so the count is exact
    threads = summary["evidence_threads"]
    assert [(t["thread"], t["highest_step"], len(t["posts"])) for t in threads] == [
        ("t:1", "plan", 2), ("t:2", "plan", 1)]


def test_thread_count_says_at_least_when_only_a_sample_was_read():
    evidence = {"plan": [{"id": "p:1", "thread": "t:1"}]}
    summary = summarise({"none": 90, "discussion": 7, "plan": 3}, evidence=evidence)
    assert "in at least 1 thread" in finding(summary, "plans")["text"]


def test_synthetic_finding():
    hot = SyntheticCounts("tfidf", {"board": (0.9, 0.01), "forum": (0.9, 0.01)},
                          {"board": (44, 1004), "forum": (9, 1000)}, {"bot1": (40, 40)})
    result = finding(summarise({"none": 2004}, synthetic=[hot]), "synthetic_text:tfidf")
    assert result["filters"]["min_score"] > 0.9 and result["filters"]["min_score"] < 0.9 + 1e-12
    text = result["text"]
    assert text.startswith("Machine-written text above the tfidf detector's 1.0% "
                           "false-positive rate on: board 4.4%")
    assert "forum" not in text
    assert text.endswith("1 actor post machine-written text significantly more often than the "
                         "false-positive rate explains.")
    calm = SyntheticCounts("tfidf", {"forum": (0.9, 0.01)}, {"forum": (9, 1000)}, {})
    assert finding(summarise({"none": 1000}, synthetic=[calm]), "synthetic_text:tfidf")[
        "text"] == ("No source shows machine-written text above the tfidf detector's 1.0% "
                    "false-positive rate (1000 posts scored).")


def test_caveats():
    summary = summarise({"none": 10})
    assert any("No detector scores" in c for c in summary["caveats"])
    assert summary["definitions"]["ladder"]["plan"].startswith("States an explicit")


def test_no_tagged_posts_means_no_trend():
    summary = summarise({}, previous={"none": 10, "discussion": 2})
    assert finding(summary, "trend")["text"] == (
        "No trend: 124M or 355M has no tagged posts to compare.")
    assert any("No posts were collected" in c for c in summary["caveats"])


def test_trend_across_stages_keeps_the_gap_caveat():
    # Three empty weeks (an outage) in 774M: summary:774M carries the caveat, so must :all.
    weeks = {date(2019, 5, 6) + timedelta(weeks=i): 100 for i in range(27)}
    outage = [date(2019, 8, 26), date(2019, 9, 2), date(2019, 9, 9)]
    weeks.update(dict.fromkeys(outage, 0))
    spans = [SourceWeeks("board", weeks)]
    gaps = [Gap("board", w, 0, 100.0, "no_posts") for w in outage]
    c355 = WindowCounts(WINDOWS["355M"], 1500, {"none": 1440, "discussion": 60})
    c774 = WindowCounts(WINDOWS["774M"], 800, {"none": 790, "discussion": 10})
    rows = [stage_indicators(c355, None, spans, gaps), stage_indicators(c774, c355, spans, gaps)]
    everything = WindowCounts(StageWindow("all", WINDOWS["355M"].since, None), 2300,
                              {"none": 2230, "discussion": 70})
    row_all = stage_indicators(everything, None, spans, gaps)
    summary = build_summary("all", row_all, family="GPT-2", stage_rows=rows)
    text = finding(summary, "trend")["text"]
    assert text.startswith("Misuse discussion declined by the 774M release")
    assert text.endswith(" Collection gaps in 774M may distort the comparison.")

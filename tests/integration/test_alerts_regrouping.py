"""Posts moving into (or between) campaign clusters: alerted evidence is not alerted again.

The seeded store (alerting_support.seed_store) alerts thread 100 (mallory's code naming Example
News: tier2_code_sharing and plan_names_stakeholder -> news), thread 200 (a plan naming
reviews.example.org) and thread 300 (apt's deployment). Campaign clustering then regroups posts
under ``cluster:<id>`` dedup keys; these tests run the real store, facts service, rules and
outbox, with a real SMTP server and webhook receiver.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from alerting_support import SECRET_ENV, WEBHOOK_SECRET, SmtpSink, WebhookSink, seed_store, write_config

from misusewatch.alerting.outbox import alert_id
from misusewatch.alerting.service import run_alerts
from misusewatch.config import load_settings
from misusewatch.records import Assessment, Enrichment, Post

pytestmark = pytest.mark.integration

NOW = datetime(2024, 3, 4, 10, 20, tzinfo=UTC)
THREAD_100 = "thread:discourse:forum.example:100"


@pytest.fixture
def env(tmp_path, store, monkeypatch):
    monkeypatch.setenv(SECRET_ENV, WEBHOOK_SECRET)
    smtp, hooks = SmtpSink().start(), WebhookSink()
    cfg = load_settings(write_config(tmp_path / "misusewatch.toml", smtp_port=smtp.port,
                                     hook_url=hooks.url), env={})
    posts = seed_store(store)
    yield store, cfg, smtp, hooks, posts
    smtp.stop()
    hooks.stop()


def cluster(store, *groups: list[Post]) -> list[str]:
    """Write the campaign_clusters assessment as the enrichment does; its ids hash the members,
    so a cluster that gains or loses a post gets a new id."""
    clusters = [{"id": "cluster:" + hashlib.sha1("\n".join(sorted(p.id for p in g)).encode())
                 .hexdigest()[:12], "posts": [p.id for p in g]} for g in groups]
    store.write_assessment(Assessment(id="campaign_clusters", kind="campaign_clusters",
                                      data={"clusters": clusters}))
    return [c["id"] for c in clusters]


def add_code_post(store, thread: str, no: str, when: datetime, text: str) -> Post:
    """A new tier-2 (mallory) code post naming Example News."""
    post = Post(id="", source="forum-x", platform="discourse", site="forum.example",
                thread_id=thread, post_id=no, created_at=when, text=text,
                thread_title="Fake news generator v2", author="mallory", author_id="mallory",
                url=f"https://forum.example/t/{thread}/{no}")
    store.upsert_posts([post])
    store.write_enrichments([Enrichment(
        post_id=post.id, enricher="tagger", version="1",
        data={"targets": ["Example News"], "evidence": []},
        facets={"lm_related": True, "categories": ["disinformation"], "ladder": "code",
                "tier": 2})])
    return post


def messages(smtp: SmtpSink, hooks: WebhookSink) -> int:
    return len(smtp.received) + len(hooks.received)


def test_alerted_posts_joining_a_cluster_do_not_alert_again(env):
    store, cfg, smtp, hooks, posts = env
    first = run_alerts(store, cfg, now=NOW)
    assert len(first.recorded.new) == 7
    sent = messages(smtp, hooks)
    ids_before = {a.id for a in store.list_alerts()}

    # Clustering links threads 100, 200 and 300: every post in it was alerted already.
    cluster(store, [posts["a1"], posts["a2"], posts["b1"], posts["c1"]])
    again = run_alerts(store, cfg, now=NOW + timedelta(days=1))
    assert again.recorded.new == [] and again.recorded.snoozed == []
    assert again.recorded.already_alerted == again.firings == 6  # tier2: one cluster, not two
    assert messages(smtp, hooks) == sent
    assert {a.id for a in store.list_alerts()} == ids_before  # old ids stay as they were

    # The cluster gains a post no rule fires on: a new cluster id, still nothing new.
    cluster(store, [posts["a1"], posts["a2"], posts["b1"], posts["c1"], posts["n1"]])
    third = run_alerts(store, cfg, now=NOW + timedelta(days=2))
    assert third.recorded.new == [] and messages(smtp, hooks) == sent


def test_a_cluster_with_new_evidence_is_reported_and_links_the_earlier_alerts(env):
    store, cfg, smtp, hooks, posts = env
    run_alerts(store, cfg, now=NOW)
    news_before = len(smtp.to("security@news.test"))
    d1 = add_code_post(store, "500", "1", posts["a1"].created_at + timedelta(days=3),
                       "Same generator, now spamming Example News comment sections too.")
    [cid] = cluster(store, [posts["a1"], d1])

    report = run_alerts(store, cfg, now=NOW + timedelta(days=4))
    new = {a.rule_id: a for a in report.recorded.new}
    assert sorted(new) == ["plan_names_stakeholder", "tier2_code_sharing"]
    code, plan = new["tier2_code_sharing"], new["plan_names_stakeholder"]
    assert code.dedup_key == f"cluster:{cid}" and set(code.evidence) == {posts["a1"].id, d1.id}
    assert code.data["earlier_alerts"] == [alert_id("tier2_code_sharing", THREAD_100)]
    assert plan.data["earlier_alerts"] == [
        alert_id("plan_names_stakeholder", f"{THREAD_100}|named:news")]
    assert "1 of these 2 posts" in code.body
    # The affected organisation hears about the new post, once per rule.
    news = smtp.to("security@news.test")[news_before:]
    assert len(news) == 2 and all(d1.id in m.get_content() for m in news)


def test_a_new_post_in_an_alerted_thread_stays_quiet_inside_a_cluster(env):
    store, cfg, smtp, hooks, posts = env
    run_alerts(store, cfg, now=NOW)
    sent = messages(smtp, hooks)
    # Without clustering a3 would fall under thread 100's alert; a cluster changes nothing.
    a3 = add_code_post(store, "100", "3", posts["a2"].created_at + timedelta(days=1),
                       "Third version of the Example News generator.")
    cluster(store, [posts["a1"], a3])
    report = run_alerts(store, cfg, now=NOW + timedelta(days=1))
    assert report.recorded.new == [] and messages(smtp, hooks) == sent


def test_posts_alerted_in_a_cluster_do_not_alert_again_when_it_splits(env):
    store, cfg, smtp, hooks, posts = env
    [cid] = cluster(store, [posts["a1"], posts["a2"], posts["c1"]])
    first = run_alerts(store, cfg, now=NOW)
    assert [a.dedup_key for a in first.recorded.new
            if a.rule_id == "tier2_code_sharing"] == [f"cluster:{cid}"]
    sent = messages(smtp, hooks)
    store.write_assessment(Assessment(id="campaign_clusters", kind="campaign_clusters",
                                      data={"clusters": []}))
    report = run_alerts(store, cfg, now=NOW + timedelta(days=1))
    assert report.recorded.new == [] and messages(smtp, hooks) == sent

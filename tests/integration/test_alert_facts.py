"""Facts the alert rules read, from a seeded SQLite store: the weekly misuse series."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alerting_support import T0, _post, _tag, seed_store

from misusewatch.alerting.facts import weekly_series
from misusewatch.store import open_store

pytestmark = pytest.mark.integration


def test_weekly_series_counts_misuse_posts_not_benign_lm_talk(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    seed_store(store)  # five posts at ladder discussion or above
    benign = _post("500", "1", "poet", T0 + timedelta(hours=1), "GPT-2 writes lovely poems.", "Poetry")
    store.upsert_posts([benign])
    store.write_enrichments([_tag(benign, "none", [], None, [])])  # LM-related, not misuse
    series = {s.scope: s for s in weekly_series(store)}
    store.close()
    assert sum(matching for _, matching, _ in series["all"].weeks) == 5
    assert sum(total for _, _, total in series["all"].weeks) == 6
    assert sum(matching for _, matching, _ in series["category:disinformation"].weeks) == 2


def test_a_rarely_crawled_source_keeps_its_runs_beside_busy_ones(tmp_path):
    """source_silent reads each source's newest runs: a daily source failing three days running
    still alerts when busy sources have recorded far more runs since."""
    from misusewatch.alerting.facts import run_facts
    from misusewatch.records import CrawlRun
    from threat_model.rules import Facts, SourceSilent

    store = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    for day in range(6):
        status = "failed" if day >= 3 else "finished"
        store.record_crawl_run(CrawlRun(f"daily-{day}", "daily", T0 + timedelta(days=day), status=status,
                                        finished_at=T0 + timedelta(days=day, minutes=5), posts_new=10))
    for k in range(6 * 96):  # every 15 minutes, for the same six days
        started = T0 + timedelta(minutes=15 * k)
        store.record_crawl_run(CrawlRun(f"busy-{k}", "busy", started, status="finished",
                                        finished_at=started + timedelta(minutes=1), posts_new=3))
    runs = run_facts(store, per_source=50)
    store.close()
    assert sum(r.source == "daily" for r in runs) == 6 and sum(r.source == "busy" for r in runs) == 50
    firings = SourceSilent(runs=3).evaluate(Facts(now=T0 + timedelta(days=7), runs=tuple(runs)))
    assert [f.title for f in firings] == ["Source daily unhealthy for 3 crawl runs"]

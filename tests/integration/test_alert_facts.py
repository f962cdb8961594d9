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


WATCHLIST = """
[defaults]
schedule = "1h"

[[source]]
name = "active"
platform = "discourse"
start_urls = ["https://active.example/latest.json"]

[[source]]
name = "paused"
platform = "discourse"
start_urls = ["https://paused.example/latest.json"]
enabled = false
"""


def _silent_source_alerts(tmp_path, watchlist: str | None) -> list[str]:
    """source_silent through the alert settings, on a store where three sources failed three
    runs each: one the watchlist enables, one it disables, one it no longer lists."""
    from misusewatch.alerting.service import evaluate_rules
    from misusewatch.alerting.settings import load_alert_settings
    from misusewatch.config import Settings
    from misusewatch.records import CrawlRun

    store = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    for source in ("active", "paused", "retired"):
        for i in range(3):
            store.record_crawl_run(CrawlRun(f"{source}-{i}", source, T0 + timedelta(hours=i), status="failed",
                                            finished_at=T0 + timedelta(hours=i, minutes=1), errors=1))
    if watchlist is not None:
        (tmp_path / "sources.toml").write_text(watchlist)
    config = tmp_path / "misusewatch.toml"
    config.write_text("")
    cfg = load_alert_settings(Settings(var_dir=tmp_path / "var", sources_file=tmp_path / "sources.toml",
                                       config_path=config))
    firings = evaluate_rules(store, cfg, [cfg.rule("source_silent")], T0 + timedelta(days=1))
    store.close()
    return [f.data["source"] for f in firings]


def test_source_silent_spares_sources_the_watchlist_disabled_or_dropped(tmp_path):
    """Their runs stopped on purpose (a run in flight when the analyst disabled it may end the
    streak; the rule may be turned on later): that is no outage to page operations about."""
    assert _silent_source_alerts(tmp_path, WATCHLIST) == ["active"]


def test_source_silent_judges_every_source_without_a_readable_watchlist(tmp_path, caplog):
    assert _silent_source_alerts(tmp_path, None) == ["active", "paused", "retired"]
    (tmp_path / "a.db").unlink()
    broken = WATCHLIST.replace("enabled = false", 'enabled = "no"')
    assert _silent_source_alerts(tmp_path, broken) == ["active", "paused", "retired"]
    assert "sources.toml:10: source 'paused': enabled: must be true or false" in caplog.text

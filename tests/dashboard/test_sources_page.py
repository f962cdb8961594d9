"""Sources page: health per source from crawl runs, silent failures flagged."""

from __future__ import annotations

from tests.dashboard.conftest import frame_with, no_exceptions, open_page


def test_health_table_flags_the_silent_source(seeded, app_for):
    at = open_page(app_for(seeded), "sources")
    no_exceptions(at)
    health = frame_with(at, "source", "state", "last run", "posts last run").set_index("source")
    assert "silent" in health.loc["testbed-4chan", "state"]
    assert health.loc["testbed-discourse", "state"] == "ok"
    assert "testbed-4chan" in at.warning[0].value
    assert len(at.get("vega_lite_chart")) == 1


def test_recent_runs_of_one_source(seeded, app_for):
    at = open_page(app_for(seeded), "sources")
    at.selectbox(key="src_source").select("testbed-phpbb").run()
    runs = frame_with(at, "started", "status", "bans suspected")
    assert len(runs) == 50 and runs["status"].iloc[0] == "finished"


def _stopped_sources(env: dict) -> None:
    """Two sources crawled daily until half a year before the seeded runs end: stale, unless the
    analyst disabled one and dropped the other from the watchlist."""
    from datetime import timedelta

    from dashboard.demo_seed import START
    from misusewatch.records import CrawlRun
    from misusewatch.store import open_store

    store = open_store(env["url"])
    for source in ("old-forum", "retired-board"):
        for day in range(5):
            started = START + timedelta(weeks=20, days=day)
            store.record_crawl_run(CrawlRun(f"{source}-{day}", source, started, status="finished",
                                            finished_at=started + timedelta(minutes=3), pages=4, posts_new=6))
    store.close()


def _watchlist(*disabled: str) -> str:
    """A watchlist of the seeded sources and old-forum (not retired-board), some disabled."""
    return "".join(
        f'[[source]]\nname = "{name}"\nplatform = "discourse"\n'
        f'start_urls = ["https://{name}.example/latest.json"]\nenabled = {str(name not in disabled).lower()}\n\n'
        for name in ("testbed-discourse", "testbed-4chan", "testbed-phpbb", "old-forum"))


def test_sources_the_watchlist_turned_off_are_shown_as_such_not_as_problems(writable, app_for):
    _stopped_sources(writable)
    at = open_page(app_for(writable, watchlist=_watchlist("old-forum")), "sources")
    no_exceptions(at)
    health = frame_with(at, "source", "state").set_index("source")
    assert health.loc["old-forum", "state"] == "disabled in the watchlist"
    assert health.loc["retired-board", "state"] == "not in the watchlist"
    assert "silent" in health.loc["testbed-4chan", "state"]
    assert list(health.index[-2:]) == ["old-forum", "retired-board"]  # after the judged ones
    assert at.warning[0].value == "1 source(s) need a look: testbed-4chan"
    # With the silent source disabled too, nothing is left to look at.
    at = open_page(app_for(writable, watchlist=_watchlist("old-forum", "testbed-4chan")), "sources")
    assert not at.warning
    assert at.success[0].value == "All sources healthy. (3 off: disabled or not in the watchlist.)"


def test_without_a_readable_watchlist_every_source_is_judged(writable, app_for):
    _stopped_sources(writable)
    at = open_page(app_for(writable), "sources")  # no watchlist file
    health = frame_with(at, "source", "state").set_index("source")
    assert health.loc["old-forum", "state"] == health.loc["retired-board", "state"] == (
        "stale: no run for several usual intervals")
    assert any("No watchlist at" in c.value for c in at.caption)
    at = open_page(app_for(writable, watchlist='[[source]]\nname = "old-forum"\nenabled = "no"\n'), "sources")
    no_exceptions(at)
    assert "enabled: must be true or false" in at.warning[0].value
    assert at.warning[1].value == "3 source(s) need a look: old-forum, retired-board, testbed-4chan"

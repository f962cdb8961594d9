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


def _watchlist_with(*extra: tuple[str, bool]) -> str:
    """The seeded sources, enabled, and more sources (name, enabled) that have no runs."""
    sources = [(name, True) for name in ("testbed-discourse", "testbed-4chan", "testbed-phpbb")] + list(extra)
    return "".join(f'[[source]]\nname = "{name}"\nplatform = "discourse"\nenabled = {str(on).lower()}\n\n'
                   for name, on in sources)


def test_an_enabled_source_never_crawled_is_listed_apart_from_the_problems(seeded, app_for):
    watchlist = _watchlist_with(("new-forum", True), ("parked-board", False))
    at = open_page(app_for(seeded, watchlist=watchlist), "sources")
    no_exceptions(at)
    health = frame_with(at, "source", "state", "runs").set_index("source")
    assert health.loc["new-forum", "state"] == "no runs yet" and health.loc["new-forum", "runs"] == 0
    assert "parked-board" not in health.index  # disabled and never crawled: nothing to see
    assert list(health.index[:2]) == ["testbed-4chan", "new-forum"]  # after the problems, before the healthy
    assert at.warning[0].value == "1 source(s) need a look: testbed-4chan"  # not counted as a problem
    assert at.info[0].value.startswith("1 enabled source(s) have no crawl runs yet: new-forum. Expected for")
    assert "new-forum" not in at.selectbox(key="src_source").options  # no runs to list
    # Nothing else wrong: the crawled sources are healthy, the never-crawled one is not called so.
    at = open_page(app_for(seeded, watchlist=watchlist.replace(
        'name = "testbed-4chan"\nplatform = "discourse"\nenabled = true', 'name = "testbed-4chan"\n'
        'platform = "discourse"\nenabled = false')), "sources")
    assert at.success[0].value == "All crawled sources healthy. (1 off: disabled or not in the watchlist.)"


def test_a_store_without_runs_still_lists_the_watchlists_sources(tmp_path, seeded, app_for):
    from datetime import UTC, datetime

    from misusewatch.records import Post
    from misusewatch.store import open_store

    empty = {**seeded, "url": f"sqlite:///{tmp_path / 'empty.db'}"}
    store = open_store(empty["url"])  # posts imported, never crawled
    store.upsert_posts([Post(id="", source=source, platform="phpbb", site="forum.example", thread_id="1",
                             post_id=str(i), created_at=datetime(2019, 3, 1, tzinfo=UTC), text=f"post {i}")
                        for i, source in enumerate(["testbed-phpbb", "archive-import", "archive-import"])])
    store.close()
    at = open_page(app_for(empty, watchlist=_watchlist_with(("parked-board", False))), "sources")
    no_exceptions(at)
    assert at.info[0].value == "No crawl runs recorded yet."
    assert at.info[1].value.startswith("3 enabled source(s) have no crawl runs yet: testbed-4chan, ")
    health = frame_with(at, "source", "state").set_index("source")
    assert sorted(health.index) == ["testbed-4chan", "testbed-discourse", "testbed-phpbb"]
    assert set(health["state"]) == {"no runs yet"} and health.loc["testbed-phpbb", "posts stored"] == 1
    assert at.dataframe[-1].value.to_dict("records") == [
        {"source": "archive-import", "posts stored": 2}]  # stored, not in the watchlist: still seen
    assert not at.get("vega_lite_chart") and not at.selectbox  # no runs to chart or list
    # Without a watchlist: the posts stored per source only.
    at = open_page(app_for(empty), "sources")
    no_exceptions(at)
    assert [i.value for i in at.info] == ["No crawl runs recorded yet."]
    assert frame_with(at, "source", "posts stored").set_index("source")["posts stored"].to_dict() == {
        "archive-import": 2, "testbed-phpbb": 1}

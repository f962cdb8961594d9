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

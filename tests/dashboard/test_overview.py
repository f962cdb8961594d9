"""Overview page: weekly indicators, stage markers, collection gaps, per-stage change with intervals."""

from __future__ import annotations

from dashboard.demo_seed import GAP_SOURCE
from tests.dashboard.conftest import frame_with, no_exceptions, open_page


def test_charts_stages_and_gaps(seeded, app_for):
    at = open_page(app_for(seeded), "overview")
    no_exceptions(at)
    charts = at.get("vega_lite_chart")
    assert len(charts) == 3  # ladder, category, tier
    spec = charts[0].proto.spec
    for mark in ('"rule"', '"rect"', '"text"'):  # stage rules and their labels, the gap band
        assert mark in spec
    layer_data = b"".join(d.data.data for d in charts[0].proto.datasets)  # Arrow IPC: strings verbatim
    assert all(name in layer_data for name in (b"124M", b"355M", b"774M", b"1.5B", GAP_SOURCE.encode()))
    stages = frame_with(at, "stage", "misuse rate", "change 95% CI")
    assert list(stages["stage"]) == ["pre-release", "124M", "355M", "774M", "1.5B"]
    assert (stages["posts"] > 0).all() and stages["change 95% CI"].iloc[0] == ""
    assert stages["change 95% CI"].iloc[1].count("%") == 2
    gaps = frame_with(at, "source", "start", "end")
    assert set(gaps["source"]) == {GAP_SOURCE}
    assert gaps["start"].min().month == 7  # the three dark weeks in July


def test_source_filter_narrows_counts_and_drops_other_gaps(seeded, app_for):
    at = open_page(app_for(seeded), "overview")
    everything = frame_with(at, "stage", "posts")["posts"].sum()
    at.selectbox(key="ov_source").select("testbed-4chan").run()
    no_exceptions(at)
    only_4chan = frame_with(at, "stage", "posts")["posts"].sum()
    assert 0 < only_4chan < everything
    assert not any("source" in d.value.columns and GAP_SOURCE in set(d.value["source"]) for d in at.dataframe)


def test_platform_filter_drops_assessed_gaps_of_other_platforms(seeded, app_for):
    """The assessed gaps cover every source; under a platform filter only that platform's show."""
    at = open_page(app_for(seeded), "overview")
    at.selectbox(key="ov_platform").select("discourse").run()
    no_exceptions(at)
    assert not any("source" in d.value.columns and GAP_SOURCE in set(d.value["source"]) for d in at.dataframe)
    at.selectbox(key="ov_platform").select("phpbb").run()  # the gap source's own platform
    assert set(frame_with(at, "source", "start", "end")["source"]) == {GAP_SOURCE}


def test_rate_scale_divides_by_posts_collected(seeded, app_for):
    at = open_page(app_for(seeded), "overview")
    at.radio(key="ov_scale").set_value("per 1,000 posts collected").run()
    no_exceptions(at)
    assert "per 1,000 posts collected" in at.get("vega_lite_chart")[0].proto.spec


def test_empty_store_says_so(tmp_path, seeded, app_for):
    at = open_page(app_for({**seeded, "url": f"sqlite:///{tmp_path / 'empty.db'}"}), "overview")
    no_exceptions(at)
    assert "no posts yet" in at.info[0].value

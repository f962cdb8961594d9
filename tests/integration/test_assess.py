"""The assess job and summary verb on a seeded SQLite store, through the service and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
import threat_seed
from stix2validator import ValidationOptions, validate_string

from misusewatch.assess import AssessConfig, compute, load_summary, render_summary, run_assess
from misusewatch.records import format_time, parse_time
from misusewatch.store import PostFilter, open_store
from threat_model.stages import default_timeline


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> tuple[str, dict]:
    path = tmp_path_factory.mktemp("assess") / "seeded.db"
    store = open_store(f"sqlite:///{path}")
    written = threat_seed.seed(store, hostile=True)
    store.close()
    return f"sqlite:///{path}", written


@pytest.fixture(scope="module")
def assessed(seeded) -> dict:
    url, written = seeded
    store = open_store(url)
    result = run_assess(store, AssessConfig(default_timeline(), detectors=["tfidf"]),
                        progress=False)
    out = {a.id: a for a in result.assessments}
    store.close()
    return out


def expected_counts(written: dict) -> dict[str, dict]:
    """Brute force over every written post: what the aggregates must equal."""
    timeline = default_timeline()
    ladder_of = {}
    for m, post in zip(written["misuse"], written["posts"][-len(written["misuse"]):],
                       strict=True):
        ladder_of[post.id] = m
    out: dict[str, dict] = {w.name: {"posts": 0, "ladder": Counter(), "categories": Counter()}
                            for w in timeline.windows()}
    for post in written["posts"]:
        bucket = out[timeline.window_for(post.created_at).name]
        bucket["posts"] += 1
        m = ladder_of.get(post.id)
        bucket["ladder"][m.ladder if m else "none"] += 1
        for category in m.categories if m else ():
            bucket["categories"][category] += 1
    return out


def test_assess_writes_every_stage_and_summary(assessed):
    assert sorted(assessed) == sorted(
        [f"indicators:{s}" for s in ("pre-release", "124M", "355M", "774M", "1.5B")]
        + [f"summary:{s}" for s in ("pre-release", "124M", "355M", "774M", "1.5B", "all")]
    )
    assert assessed["indicators:355M"].kind == "stage_indicators"
    assert assessed["summary:all"].kind == "summary" and assessed["summary:all"].stage is None


def test_indicators_equal_a_brute_force_count(seeded, assessed):
    expected = expected_counts(seeded[1])
    for stage, truth in expected.items():
        data = assessed[f"indicators:{stage}"].data
        assert data["coverage"]["posts"] == truth["posts"], stage
        assert data["counts"]["ladder"] == {s: truth["ladder"][s] for s in data["counts"]["ladder"]}
        assert {c: n for c, n in data["counts"]["categories"].items() if n} == dict(
            truth["categories"]), stage


def test_report_like_findings(assessed):
    summary = assessed["summary:355M"].data
    text = "\n".join(summary["headline"])
    assert "Discussion of misuse (14 posts) but no code sharing observed" in text
    assert "Actors predominantly tier 1 with limited technical understanding of ML" in text
    assert "Misuse discussion declining by the 355M release (2019-05-03)" in text
    assert "Only a small number of explicit public plans: 1 post in 1 thread" in text


def test_finding_numbers_are_traceable_to_posts(seeded, assessed):
    store = open_store(seeded[0])
    for scope in ("124M", "355M", "all"):
        summary = assessed[f"summary:{scope}"].data
        plans = next(f for f in summary["findings"] if f["id"] == "plans")
        filters = plans["filters"]
        post_filter = PostFilter(
            since=parse_time(filters["since"]) if filters["since"] else None,
            until=parse_time(filters["until"]) if filters["until"] else None,
            ladder=filters["ladder"],
        )
        assert store.count_posts(post_filter) == plans["numbers"]["plan_posts"]
        found = store.get_posts(plans["evidence"])
        assert [p.id for p in found] == plans["evidence"]
        for thread in summary["evidence_threads"]:
            for post in thread["posts"]:
                enrichment = next(e for e in store.get_enrichments(post["id"])
                                  if e.enricher == "tagger")
                assert enrichment.facets["ladder"] == post["step"]
    store.close()


def test_collection_outage_is_marked_not_read_as_a_drop(assessed):
    coverage = assessed["indicators:774M"].data["coverage"]
    assert [(g["source"], g["week"], g["reason"]) for g in coverage["gaps"]] == [
        ("board", "2019-08-26", "no_posts"), ("board", "2019-09-02", "no_posts"),
        ("board", "2019-09-09", "no_posts")]
    caveats = " ".join(assessed["summary:774M"].data["caveats"])
    assert "Collection gaps: 3 source-weeks" in caveats and "board" in caveats
    assert assessed["indicators:355M"].data["coverage"]["gaps"] == []


def test_synthetic_prevalence_flags_the_board_and_the_bot(assessed):
    result = assessed["indicators:1.5B"].data["synthetic"][0]
    assert result["detector"] == "tfidf" and result["fpr"] == threat_seed.TFIDF_FPR
    assert result["sources"]["board"]["significant"] is True
    assert result["sources"]["forum"]["flagged"] == 0
    assert result["actors_tested"] == 0  # actors are tested over their whole history:
    whole = assessed["summary:all"].data["synthetic"][0]
    assert [a["actor"] for a in whole["actors"] if a["significant"]] == ["4chan:boards.example:bot1"]
    assert whole["sources"]["board"]["scored"] == sum(
        assessed[f"indicators:{s}"].data["synthetic"][0]["sources"]["board"]["scored"]
        for s in ("pre-release", "124M", "355M", "774M", "1.5B"))
    before = assessed["indicators:774M"].data["synthetic"][0]
    assert not any(r["significant"] for r in before["sources"].values())


def test_assess_is_idempotent(seeded, assessed):
    store = open_store(seeded[0])
    again = run_assess(store, AssessConfig(default_timeline(), detectors=["tfidf"]),
                       progress=False)
    assert len(store.list_assessments()) == len(assessed)
    for a in again.assessments:
        first, second = dict(assessed[a.id].data), dict(a.data)
        first.pop("generated_at", None)
        second.pop("generated_at", None)
        assert first == second, a.id
    store.close()


def test_summary_reads_the_stored_assessment_or_computes(seeded, assessed):
    store = open_store(seeded[0])
    config = AssessConfig(default_timeline(), detectors=["tfidf"])
    stored = load_summary(store, config, "355M")
    assert stored["generated_at"] == store.get_assessment("summary:355M").data["generated_at"]
    fresh = load_summary(store, config, "355M", fresh=True)
    assert fresh["headline"] == stored["headline"]
    with pytest.raises(KeyError):
        load_summary(store, config, "2B")
    store.close()


@pytest.mark.parametrize("scope", ["355M", "all"])
def test_exporting_the_same_store_twice_gives_the_same_stix_published(seeded, assessed, scope):
    store = open_store(seeded[0])
    config = AssessConfig(default_timeline(), detectors=["tfidf"])
    stored = load_summary(store, config, scope)
    # A later export computes the summary again: only generated_at follows the clock (see
    # test_assess_is_idempotent), so set it a day on instead of sleeping.
    later = load_summary(store, config, scope, fresh=True)
    later["generated_at"] = format_time(parse_time(stored["generated_at"]) + timedelta(days=1))
    reports = []
    for summary in (stored, later):
        text = render_summary(summary, "stix", tlp="green")
        result = validate_string(text, ValidationOptions(strict=True))
        assert result.is_valid, [str(e) for e in result.errors]
        reports += [o for o in json.loads(text)["objects"] if o["type"] == "report"]
    first, second = reports
    assert first["id"] == second["id"] and first["modified"] != second["modified"]
    assert first["published"] == second["published"]
    newest = max(p["created_at"] for t in stored["evidence_threads"] for p in t["posts"])
    assert parse_time(first["published"]) == parse_time(newest)
    store.close()


def test_scopes_limit_what_compute_builds(seeded):
    store = open_store(seeded[0])
    result = compute(store, AssessConfig(default_timeline()), scopes=["124M"])
    assert [a.id for a in result.assessments if a.kind == "summary"] == ["summary:124M"]
    store.close()


# ---------------------------------------------------------------- through the CLI


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "misusewatch.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def workdir(seeded, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli")
    (path / "misusewatch.toml").write_text(
        f'store = "{seeded[0]}"\n[assess]\ndetectors = ["tfidf"]\ntlp = "green"\n'
    )
    result = run(["assess"], path)
    assert result.returncode == 0, result.stderr
    assert "assessed 5 stages of GPT-2: wrote 11 assessments (6 summaries)" in result.stdout
    assert "assess: 100%" in result.stderr  # the progress bar
    return path


def test_cli_summary_markdown(workdir):
    result = run(["summary", "--stage", "355M"], workdir)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Threat summary: GPT-2, stage 355M (2019-05-03 to 2019-08-20)")
    assert "## Evidence threads" in result.stdout and "## Caveats" in result.stdout


def test_cli_summary_html_escapes_hostile_posts(workdir):
    result = run(["summary", "--format", "html", "-o", "summary.html"], workdir)
    assert result.returncode == 0, result.stderr
    page = (workdir / "summary.html").read_text()
    assert threat_seed.HOSTILE not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img" in page  # shown, inert
    tags: list[tuple[str, dict]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.append((tag, dict(attrs)))

    Collector().feed(page)
    assert not [t for t, _ in tags if t in ("script", "img", "iframe")]
    assert not [name for _, attrs in tags for name in attrs if name.startswith("on")]
    assert "javascript:" not in page  # the hostile post URL is never made a link


def test_cli_summary_stix_validates(workdir):
    result = run(["summary", "--format", "stix"], workdir)
    assert result.returncode == 0, result.stderr
    assert validate_string(result.stdout, ValidationOptions(strict=True)).is_valid
    bundle = json.loads(result.stdout)
    marking = [o for o in bundle["objects"] if o["type"] == "marking-definition"]
    assert marking[0]["definition"] == {"tlp": "green"}  # from [assess] tlp
    assert any(o["type"] == "threat-actor" for o in bundle["objects"])
    red = json.loads(run(["summary", "--format", "stix", "--tlp", "red"], workdir).stdout)
    assert [o for o in red["objects"] if o["type"] == "marking-definition"][0]["name"] == "TLP:RED"


def test_cli_summary_json_is_what_the_dashboard_reads(workdir):
    result = run(["summary", "--format", "json", "--stage", "all"], workdir)
    data = json.loads(result.stdout)
    assert data["schema"] == "misusewatch.summary/1" and data["scope"] == "all"
    assert [row["stage"] for row in data["trend"]] == ["pre-release", "124M", "355M", "774M",
                                                       "1.5B"]


def test_cli_unknown_stage_is_a_one_line_error(workdir):
    result = run(["summary", "--stage", "2B"], workdir)
    assert result.returncode == 2
    assert result.stderr.strip() == ("misusewatch: error: --stage: unknown stage '2B' (known: "
                                     "pre-release, 124M, 355M, 774M, 1.5B, all)")


def test_cli_bad_stage_config_is_a_one_line_error(workdir, tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text('[[stages.releases]]\nname = "a"\ndate = "soon"\n')
    result = run(["--config", str(config), "assess"], workdir)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"misusewatch: error: {config}: [[stages.releases]] #1")


def test_cli_custom_family(workdir, tmp_path, seeded):
    config = tmp_path / "family.toml"
    config.write_text(
        f'store = "{seeded[0]}"\n[stages]\nfamily = "Demo"\n'
        '[[stages.releases]]\nname = "v1"\ndate = 2019-06-01\n'
        '[[stages.releases]]\nname = "v2"\ndate = 2019-10-01\n'
    )
    result = run(["--config", str(config), "summary", "--stage", "v2", "--format", "json"],
                 workdir)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["family"] == "Demo"
    assert data["stage"]["since"] == "2019-10-01T00:00:00Z"
    assert datetime(2019, 10, 1, tzinfo=UTC) == parse_time(data["stage"]["since"])


def test_a_changed_timeline_makes_the_stored_summary_stale(seeded, assessed):
    from threat_model.stages import Stage, Timeline

    store = open_store(seeded[0])
    moved = Timeline("GPT-2", tuple(
        Stage(s.name, s.released.replace(day=1), s.description)
        for s in default_timeline().stages))
    summary = load_summary(store, AssessConfig(moved), "355M")
    assert summary["stage"]["since"] == "2019-05-01T00:00:00Z"  # computed, not the stored one
    assert store.get_assessment("summary:355M").data["stage"]["since"] == "2019-05-03T00:00:00Z"
    store.close()


def test_indicators_on_every_store_backend(store):
    """The same seeded community gives the same indicators on SQLite and Elasticsearch."""
    written = threat_seed.seed(store)
    result = compute(store, AssessConfig(default_timeline(), detectors=["tfidf"]))
    data = {a.id: a.data for a in result.assessments}
    for stage, truth in expected_counts(written).items():
        indicators = data[f"indicators:{stage}"]
        assert indicators["coverage"]["posts"] == truth["posts"], stage
        assert indicators["counts"]["ladder"] == {
            s: truth["ladder"][s] for s in indicators["counts"]["ladder"]}, stage
    headline = "\n".join(data["summary:355M"]["headline"])
    assert "Misuse discussion declining by the 355M release" in headline
    assert [(g["source"], g["week"]) for g in data["indicators:774M"]["coverage"]["gaps"]] == [
        ("board", "2019-08-26"), ("board", "2019-09-02"), ("board", "2019-09-09")]
    synthetic = data["summary:all"]["synthetic"][0]
    assert [a["actor"] for a in synthetic["actors"] if a["significant"]] == ["4chan:boards.example:bot1"]

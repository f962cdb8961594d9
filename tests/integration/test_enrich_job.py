"""The enrich job on every store backend: idempotent, resumable after a kill, failures retried,
actors and campaign clusters written, analyst overrides kept; and the CLI verbs around it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from enrichment.actor_tier import override_tier
from enrichment.base import enrichers
from enrichment.runner import actor_processes, enrichers_from_settings, run_enricher, update_actors
from enrichment.tagger import Tagger, TaggerEnricher
from misusewatch.cli import cli
from misusewatch.errors import InputError
from misusewatch.records import Enrichment, Post, parse_time
from misusewatch.store import open_store
from tests.conftest import FIXTURES

LABELLED = FIXTURES / "tagger" / "labelled.jsonl"


def make_posts(n: int | None = None) -> list[Post]:
    rows = [json.loads(line) for line in LABELLED.open()][:n]
    posts = [
        Post(
            id="",
            source="fixture",
            platform="discourse",
            site="forum.example",
            thread_id=str(i // 5),
            post_id=str(i),
            created_at=parse_time(f"2019-{1 + i % 12:02d}-{1 + i % 27:02d}T{i % 24:02d}:00:00Z"),
            text=row["text"],
            author=f"user{i % 17}",
            author_id=str(i % 17),
            thread_title="GPT-2 talk",
        )
        for i, row in enumerate(rows)
    ]
    shill = "This blender is amazing, five stars, I use it every single morning for smoothies and it never fails me"
    posts += [
        Post(
            id="",
            source="fixture",
            platform="discourse",
            site="forum.example",
            thread_id="900",
            post_id=f"s{k}",
            created_at=parse_time(f"2019-05-0{k + 1}T12:00:00Z"),
            text=f"{shill} ({k})",
            author=f"shill{k}",
            author_id=f"s{k}",
        )
        for k in range(3)
    ]
    return posts


@pytest.fixture(scope="module")
def tagger_enricher() -> TaggerEnricher:
    return TaggerEnricher(Tagger())


# ``store`` is the integration conftest's fixture: every backend (SQLite, and Elasticsearch via
# the local OpenSearch-API server or $MISUSEWATCH_ES_URL).


def test_enrich_is_idempotent_and_facets_are_searchable(store, tagger_enricher) -> None:
    posts = make_posts()
    store.upsert_posts(posts)
    first = run_enricher(store, tagger_enricher, batch_size=40, progress=False)
    assert first.written == len(posts) and first.failed == 0
    again = run_enricher(store, tagger_enricher, batch_size=40, progress=False)
    assert again.pending == 0 and again.written == 0
    stored = store.get_enrichments(posts[0].id)
    assert stored[0].enricher == "tagger" and stored[0].version == tagger_enricher.version
    assert set(stored[0].facets) == {"lm_related", "categories", "ladder", "tier"}
    assert {"evidence", "targets", "skill_markers", "resource_markers"} == set(stored[0].data)
    from misusewatch.store import PostFilter

    assert store.count_posts(PostFilter(ladder="deployment")) >= 15
    assert store.count_posts(PostFilter(category="fake_reviews")) >= 15


def test_limit_then_resume_enriches_each_post_once(store, tagger_enricher) -> None:
    posts = make_posts(60)
    store.upsert_posts(posts)
    partial = run_enricher(store, tagger_enricher, batch_size=10, progress=False, limit=25)
    assert 20 <= partial.written <= 25
    rest = run_enricher(store, tagger_enricher, batch_size=10, progress=False)
    assert partial.written + rest.written == len(posts)
    assert store.count_pending("tagger", tagger_enricher.version) == 0


class FlakyEnricher:
    """Fails on posts mentioning 'Grover' until ``healed``; counts what it was asked."""

    name = "flaky"
    version = "1"
    healed = False

    def enrich(self, posts):
        if not self.healed and any("Grover" in p.text for p in posts):
            raise ValueError("cannot parse Grover")
        return [Enrichment(post_id=p.id, enricher=self.name, version=self.version, data={"ok": True}) for p in posts]


def test_a_failing_post_is_recorded_and_retried_next_run(store) -> None:
    posts = make_posts(40)
    store.upsert_posts(posts)
    flaky = FlakyEnricher()
    report = run_enricher(store, flaky, batch_size=16, progress=False)
    grover = [p for p in posts if "Grover" in p.text]
    assert report.failed == len(grover) >= 1
    assert report.written == len(posts) - len(grover)
    failed = store.get_enrichments(grover[0].id)
    assert failed[0].error and "cannot parse Grover" in failed[0].error
    assert store.count_pending("flaky", "1") == len(grover)
    flaky.healed = True
    retry = run_enricher(store, flaky, batch_size=16, progress=False)
    assert retry.written == len(grover) and store.count_pending("flaky", "1") == 0


def test_actors_clusters_and_overrides(store, tagger_enricher) -> None:
    posts = make_posts()
    store.upsert_posts(posts)
    run_enricher(store, tagger_enricher, progress=False)
    report = update_actors(store, progress=False)
    assert report.actors == 17 + 3 and report.clusters == 1
    clusters = store.get_assessment("campaign_clusters").data["clusters"]
    assert clusters[0]["accounts"] == 3 and len(clusters[0]["posts"]) == 3
    assert clusters[0]["sample"] == store.get_post(clusters[0]["posts"][0]).text[:160]  # fetched from the store
    shill = store.get_actor("discourse:forum.example:s0")
    assert shill.signals["clusters"] == [clusters[0]["id"]]
    actors = store.list_actors(limit=100)
    tiered = [a for a in actors if a.tier]
    assert tiered and all(a.evidence and 0 < a.tier_confidence <= 1 for a in tiered)
    some = tiered[0]
    assert set(some.signals) >= {"cadence", "time_of_day", "clusters", "history", "stix"}
    for post_id in some.evidence:
        assert store.get_enrichments(post_id)[0].facets["tier"] is not None

    override_tier(store, some.id, 1, author="analyst@lab", note="brags, no skill shown")
    update_actors(store, progress=False)  # recomputing keeps the analyst's word
    after = store.get_actor(some.id)
    assert after.effective_tier == 1 and after.override["author"] == "analyst@lab"
    labels = store.labels_for("actor", some.id)
    assert [(label.kind, label.value, label.author) for label in labels] == [("tier_override", "1", "analyst@lab")]
    override_tier(store, some.id, None, author="analyst@lab", note="second look")
    assert store.get_actor(some.id).effective_tier == some.tier
    assert [label.value for label in store.labels_for("actor", some.id)] == ["1", "clear"]


def test_actors_pass_with_hashing_workers_writes_the_same(store, tagger_enricher) -> None:
    store.upsert_posts(make_posts(60))
    run_enricher(store, tagger_enricher, progress=False)

    def snapshot() -> tuple[list, dict]:
        actors = [{**a.to_dict(), "updated_at": None} for a in store.list_actors(limit=1000)]
        return sorted(actors, key=lambda a: a["id"]), store.get_assessment("campaign_clusters").data

    update_actors(store, progress=False, processes=1)
    alone = snapshot()
    update_actors(store, progress=False, processes=2)
    assert snapshot() == alone and alone[1]["clusters"]
    assert actor_processes({}) == 1 and actor_processes({"actor_processes": 2}) == 2
    with pytest.raises(InputError, match="actor_processes"):
        actor_processes({"actor_processes": 0})


def test_enrichers_come_from_settings(store) -> None:
    @enrichers.register("test:noop", defaults={"version": "1"})
    def make_noop(version):
        """A no-op enricher for this test."""
        return FlakyEnricher()

    chosen = enrichers_from_settings(
        {"enrichers": ["tagger", "test:noop", "detector:tfidf"], "tagger": {"ner_gate": "never"}}
    )
    assert [e.name for e in chosen] == ["tagger", "flaky", "detector:tfidf"]
    assert chosen[0].tagger.ner_gate == "never"
    from misusewatch.errors import InputError

    with pytest.raises(InputError, match="unknown enricher 'nope'"):
        enrichers_from_settings({}, ["nope"])
    with pytest.raises(InputError, match=r"\[enrichment\]: unknown setting\(s\) \['enricher'\]"):
        enrichers_from_settings({"enricher": ["tagger"]})
    with pytest.raises(InputError, match=r"\[enrichment.tagger\]: .*unknown setting\(s\) \['bogus'\]"):
        enrichers_from_settings({"tagger": {"bogus": 1}})
    assert [e.name for e in enrichers_from_settings({})] == ["tagger", "detector:tfidf", "detector:stacked"]
    only_tfidf = enrichers_from_settings({}, detectors_section={"tfidf": {}})
    assert [e.name for e in only_tfidf] == ["tagger", "detector:tfidf"]
    stacked_off = enrichers_from_settings({}, detectors_section={"tfidf": {}, "stacked": {"enabled": False}})
    assert [e.name for e in stacked_off] == ["tagger", "detector:tfidf"]


def test_a_disabled_detector_stays_out_of_the_ensemble():
    from enrichment.detectors.decision import build_detector

    ensemble, _ = build_detector("ensemble", {"tfidf": {}, "stacked": {"enabled": False}})
    assert list(ensemble.members) == ["tfidf"]


def run_cli(args: list[str], store_url: str, input: str | None = None):
    return CliRunner().invoke(cli, ["--store", store_url, *args], input=input)


def test_cli_enrich_tag_and_actors(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    posts_file = tmp_path / "posts.jsonl"
    posts_file.write_text("\n".join(json.dumps(p.to_dict()) for p in make_posts(30)))
    assert run_cli(["import", str(posts_file)], url).exit_code == 0
    result = run_cli(["enrich", "--no-progress", "--enricher", "tagger"], url)
    assert result.exit_code == 0, result.output
    assert "tagger" in result.output and "33 enriched" in result.output and "actors:" in result.output
    listed = run_cli(["actors", "list", "--limit", "3"], url)
    first = json.loads(listed.output.splitlines()[0])
    assert {"id", "tier", "stix", "evidence"} <= set(first)
    bad = run_cli(["actors", "override", first["id"], "--author", "a"], url)
    assert bad.exit_code == 2 and "exactly one of --tier" in bad.output
    ok = run_cli(["actors", "override", first["id"], "--tier", "3", "--author", "a", "--note", "n"], url)
    assert ok.exit_code == 0 and "effective tier 3" in ok.output


def test_cli_tag_reports_bad_lines_and_tags_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(
        '{"id": 1, "text": "Got 4 accounts banned on reddit for posting gpt2 spam. Twitter is next."}\n'
        "{broken\n"
        '{"id": "b", "text": "I love my dog"}\n'
        '{"id": "c"}\n'
    )
    result = CliRunner().invoke(cli, ["tag", "--input", str(path)])
    assert result.exit_code == 2
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == [1, "b"]
    assert out[0]["ladder"] == "deployment" and out[0]["categories"] == ["spam"]
    assert set(out[0]) == {"id", "lm_related", "categories", "ladder", "tier", "evidence", "targets"}
    assert f"{path}:2: not JSON" in result.stderr and f"{path}:4: missing field text" in result.stderr
    assert "Traceback" not in result.output


def test_a_killed_enrich_resumes_without_redoing_work(tmp_path: Path) -> None:
    db = tmp_path / "kill.db"
    url = f"sqlite:///{db}"
    store = open_store(url)
    posts = make_posts() * 1
    store.upsert_posts(posts)
    store.close()
    env = {**os.environ, "MISUSEWATCH_STORE": url}
    cmd = [sys.executable, "-m", "misusewatch.cli", "enrich", "--batch-size", "10", "--no-actors", "--no-progress"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    probe = open_store(url)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and probe.count_pending("tagger", Tagger().version) == len(posts):
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        left = probe.count_pending("tagger", Tagger().version)
    finally:
        probe.close()
    assert left < len(posts)
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"{left} enriched" in done.stdout


def test_scheduler_service_runs_the_whole_job(tmp_path: Path) -> None:
    """``enrichment.runner:run_enrich`` is what ``misusewatch schedule`` calls with the App."""
    from enrichment.runner import run_enrich
    from misusewatch.bootstrap import App

    config = tmp_path / "misusewatch.toml"
    config.write_text('[enrichment]\nenrichers = ["tagger"]\n\n[enrichment.tagger]\nner_gate = "never"\n')
    app = App(config_path=config, store_url=f"sqlite:///{tmp_path / 'sched.db'}")
    try:
        app.store.upsert_posts(make_posts(20))
        summary = run_enrich(app)
        assert summary["enrichers"][0].startswith("tagger ") and "23 enriched" in summary["enrichers"][0]
        assert summary["actors"] == 20 and summary["clusters"] == 1
        assert (
            run_enrich(app)["enrichers"][0].startswith("tagger ") and " 0 enriched" in run_enrich(app)["enrichers"][0]
        )
    finally:
        app.close()


def test_cli_enrich_names_the_config_file_and_table_of_a_wrong_setting(tmp_path: Path) -> None:
    config = tmp_path / "mw.toml"
    config.write_text("[enrichment.tagger]\nbogus = 1\n")
    result = CliRunner().invoke(cli, ["--config", str(config), "--store", f"sqlite:///{tmp_path / 'x.db'}",
                                      "enrich", "--no-progress"])
    assert result.exit_code == 2
    assert f"{config}: [enrichment.tagger]: enricher 'tagger': unknown setting(s) ['bogus']" in result.stderr
    assert "Traceback" not in result.output

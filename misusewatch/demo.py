"""The demo: testbed forum -> real spiders -> store -> enrichment -> assessment -> alerts -> dashboard."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from misusewatch.errors import InputError
from misusewatch.store import PostFilter

TESTBED_ENV = "MISUSEWATCH_TESTBED_URL"
PROJECT_WATCHLIST = Path(__file__).resolve().parent.parent / "sources.toml"
STEPS = 6


@dataclass(slots=True)
class DemoOptions:
    posts: int = 3000
    seed: int = 2019
    testbed_port: int = 0
    alerts: bool = True


@dataclass(slots=True)
class DemoReport:
    """What the demo found next to what the testbed says is there."""

    truth: dict[str, Any]
    crawl: list[dict[str, Any]] = field(default_factory=list)
    enrich: dict[str, Any] = field(default_factory=dict)
    stages: list[dict[str, Any]] = field(default_factory=list)
    summary_markdown: str = ""
    alerts: str = ""

    @property
    def posts_match(self) -> bool:
        return all(row["posts"] == row["truth_posts"] for row in self.stages)


def run_demo(app, options: DemoOptions, echo: Callable[[str], None] = print) -> DemoReport:
    """Run every stage once on a freshly generated testbed community; return the comparison.

    The crawl is idempotent: re-running the demo on the same store stores nothing new.
    """
    from crawlers.testbed import generate, serve, write_truth

    settings = app.settings
    truth_dir = Path(settings.var_dir) / "testbed"

    echo(f"[1/{STEPS}] Generating the testbed community ({options.posts} posts, seed {options.seed})")
    community = generate(seed=options.seed, posts=options.posts)
    truth = write_truth(community, truth_dir)
    echo(f"        ground truth: {truth['posts']} posts, {truth['misuse']} misuse, "
         f"{truth['machine_written']} machine-written -> {truth_dir}/truth.jsonl")
    report = DemoReport(truth=truth)

    with serve(community, port=options.testbed_port) as base_url:
        echo(f"[2/{STEPS}] Crawling the testbed at {base_url} with the real spiders")
        report.crawl = _crawl(app, base_url)
        for run in report.crawl:
            echo(f"        {run.get('source')}: {run.get('posts_new', 0)} new, "
                 f"{run.get('posts_updated', 0)} updated, {run.get('errors', 0)} errors")

    echo(f"[3/{STEPS}] Enriching: tagger, detectors, actors, campaign clusters")
    from enrichment.runner import run_enrich

    report.enrich = run_enrich(app, progress=True)
    for line in report.enrich.get("enrichers", []):
        echo(f"        {line}")

    echo(f"[4/{STEPS}] Assessing every release stage")
    from misusewatch.assess import assess_config, load_summary, render_summary, run_assess

    config = assess_config(settings)
    run_assess(app.store, config, progress=True)
    report.stages = _compare_stages(app.store, config, truth)
    report.summary_markdown = render_summary(load_summary(app.store, config, "all"), "md")

    echo(f"[5/{STEPS}] Alert rules (stored in the outbox; the demo sends nothing)")
    if options.alerts:
        from misusewatch.alerting import run_alerts

        now = datetime.fromtimestamp(community.now, UTC)
        result = run_alerts(app, now=now, deliver=False)
        recorded = result.recorded
        report.alerts = (f"{result.firings} rule firings -> {len(recorded.new)} new alerts, "
                         f"{recorded.deliveries} deliveries queued")
        echo(f"        {report.alerts}")
    return report


def demo_watchlist(sources_file: str | Path) -> Path:
    """The configured watchlist, else the project's: the demo works from any directory."""
    return Path(sources_file) if Path(sources_file).exists() else PROJECT_WATCHLIST


def _crawl(app, base_url: str) -> list[dict[str, Any]]:
    from crawlers.runner import crawl_sources
    from crawlers.sources import load_sources

    # The watchlist names the testbed through ${MISUSEWATCH_TESTBED_URL}: point it at this server.
    previous = os.environ.get(TESTBED_ENV)
    os.environ[TESTBED_ENV] = base_url
    watchlist = demo_watchlist(app.settings.sources_file)
    try:
        sources = [s for s in load_sources(watchlist) if "testbed" in s.tags]
    finally:
        if previous is None:
            os.environ.pop(TESTBED_ENV, None)
        else:
            os.environ[TESTBED_ENV] = previous
    if not sources:
        raise InputError("no sources tagged 'testbed' in the watchlist", path=watchlist)
    # Politeness off: the testbed is ours, on loopback. Warnings only: the progress line says the rest.
    return crawl_sources(app.settings.store, sources, {"LOG_LEVEL": "WARNING"}, polite=False,
                         progress=True, env={TESTBED_ENV: base_url})


def _compare_stages(store, config, truth: dict[str, Any]) -> list[dict[str, Any]]:
    """Per release stage: posts collected and ladder steps tagged, beside the ground truth."""
    rows = []
    for window in config.timeline.windows():
        flt = PostFilter(since=window.since, until=window.until)
        ladder = store.count_by_field("ladder", flt)
        rows.append({
            "stage": window.name,
            "posts": store.count_posts(flt),
            "truth_posts": truth["by_stage"].get(window.name, 0),
            "ladder": {step: ladder.get(step, 0) for step in ("discussion", "plan", "code", "deployment")},
            "truth_ladder": {step: truth["by_stage_ladder"].get(window.name, {}).get(step, 0)
                             for step in ("discussion", "plan", "code", "deployment")},
        })
    return rows


def comparison_table(rows: list[dict[str, Any]]) -> str:
    """A Markdown table: collected vs true posts, and tagged vs true ladder steps, per stage."""
    head = "| stage | posts (truth) | discussion | plan | code | deployment |"
    lines = [head, "|---|---|---|---|---|---|"]
    for row in rows:
        cells = [f"{row['ladder'][s]} ({row['truth_ladder'][s]})" for s in ("discussion", "plan", "code", "deployment")]
        lines.append(f"| {row['stage']} | {row['posts']} ({row['truth_posts']}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)

"""``misusewatch demo``: the whole pipeline on a local testbed forum, then the dashboard."""

from __future__ import annotations

import sys

import click


@click.command("demo")
@click.option("--posts", type=click.IntRange(1, 1_000_000), default=3000, show_default=True,
              help="Size of the generated testbed community.")
@click.option("--seed", default=2019, show_default=True, help="Testbed seed (same seed, same forum).")
@click.option("--dashboard/--no-dashboard", default=True, show_default=True,
              help="Serve the dashboard at the end (Ctrl-C stops it).")
@click.option("--host", default=None, help="Dashboard address (default 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Dashboard port (default 8501).")
@click.pass_obj
def demo_cmd(app, posts: int, seed: int, dashboard: bool, host: str | None, port: int | None) -> None:
    """Crawl a local demo forum, enrich, assess, print the threat summary, open the dashboard."""
    from misusewatch.demo import DemoOptions, comparison_table, run_demo

    def echo(line: str) -> None:
        click.echo(line, err=True)

    report = run_demo(app, DemoOptions(posts=posts, seed=seed), echo=echo)
    click.echo("\n## Collected and tagged per release stage, (ground truth) beside\n")
    click.echo(comparison_table(report.stages))
    click.echo("\n" + report.summary_markdown)
    if not report.posts_match:
        click.echo("misusewatch: error: the store does not hold exactly the testbed's posts "
                   "(a store shared with other crawls? use --store for a fresh one)", err=True)
    if not dashboard:
        sys.exit(0 if report.posts_match else 1)

    from dashboard.config import dashboard_section, users_file_for
    from dashboard.launch import run_dashboard
    from misusewatch.demo import demo_watchlist

    echo("[6/6] Dashboard")
    settings = app.settings
    dashboard_section(settings)
    app.close()  # the dashboard opens the store itself
    sys.exit(run_dashboard(settings.store, users_file=users_file_for(settings),
                           host=host or settings.dashboard_host, port=port or settings.dashboard_port,
                           config_path=settings.config_path, sources_file=demo_watchlist(settings.sources_file),
                           demo=True, echo=echo))


COMMANDS = [demo_cmd]

"""``misusewatch schedule``: a crawl job per watched source, enrich, assess and alerts, on their schedules."""

from __future__ import annotations

import logging

import click

from misusewatch import scheduler


@click.command("schedule")
@click.option("--list", "list_only", is_flag=True,
              help="Print the jobs, their intervals and services, and exit.")
@click.pass_obj
def schedule_cmd(app, list_only: bool) -> None:
    """Run the recurring jobs until SIGTERM/SIGINT (then wait for running jobs, exit 0).

    Each enabled source of the watchlist is crawled on its own schedule (crawl:<name>); the
    other intervals come from [schedule] in misusewatch.toml. Jobs persist in a SQLite job
    store under var/, never overlap (max_instances=1), and missed runs coalesce into one.
    """
    config = scheduler.schedule_config(app.settings)
    if list_only:
        planned = scheduler.plan_jobs(app.settings, config)
        width = max([len(job.id) for job in planned] + [7])
        for job in planned:
            click.echo(f"{job.id:{width}} {scheduler.describe_trigger(job.trigger):24} {job.service}")
        for name, seconds in config.intervals.items():
            if seconds <= 0:
                click.echo(f"{name:{width}} {'off':24} {config.services[name]}")
        click.echo(f"job store: {config.jobstore}")
        return
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config_path = str(app.settings.config_path) if app.settings.config_path else None
    code = scheduler.serve(app.settings, config_path=config_path, store_url=app.settings.store)
    raise SystemExit(code)


COMMANDS = [schedule_cmd]

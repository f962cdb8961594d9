"""``misusewatch schedule``: run crawl, enrich, assess and alerts on their intervals."""

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

    Intervals come from [schedule] in misusewatch.toml; jobs persist in a SQLite job store
    under var/, never overlap (max_instances=1), and missed runs coalesce into one.
    """
    config = scheduler.schedule_config(app.settings)
    if list_only:
        for name, seconds in config.intervals.items():
            state = f"every {seconds:g}s" if seconds > 0 else "off"
            click.echo(f"{name:7} {state:14} {config.services[name]}")
        click.echo(f"job store: {config.jobstore}")
        return
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config_path = str(app.settings.config_path) if app.settings.config_path else None
    code = scheduler.serve(app.settings, config_path=config_path, store_url=app.settings.store)
    raise SystemExit(code)


COMMANDS = [schedule_cmd]

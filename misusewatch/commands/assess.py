"""Threat-model verbs: ``assess`` (indicators and summaries per release stage) and ``summary``."""

from __future__ import annotations

from pathlib import Path

import click

from misusewatch import assess as service
from misusewatch.errors import InputError


@click.command("assess")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_obj
def assess_cmd(app, quiet: bool) -> None:
    """Compute indicators for every release stage and the threat summaries; store them.

    Writes assessments indicators:<stage>, summary:<stage> and summary:all. Safe to re-run:
    each run replaces the same records.
    """
    config = service.assess_config(app.settings)
    result = service.run_assess(app.store, config, progress=not quiet)
    summaries = sum(1 for a in result.assessments if a.kind == "summary")
    click.echo(f"assessed {len(config.timeline.windows())} stages of {config.timeline.family}: "
               f"wrote {len(result.assessments)} assessments ({summaries} summaries)")


@click.command("summary")
@click.option("--stage", default=service.ALL, show_default=True,
              help="A release stage name (e.g. 355M, pre-release) or 'all'.")
@click.option("--format", "fmt", type=click.Choice(service.FORMATS), default="md",
              show_default=True, help="Markdown, self-contained HTML, JSON or a STIX 2.1 bundle.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Write to this file instead of stdout.")
@click.option("--fresh", is_flag=True, help="Compute now instead of reading the last assessment.")
@click.option("--tlp", type=click.Choice(["white", "clear", "green", "amber", "red"]),
              default=None, help="TLP marking for --format stix (default from [assess] tlp).")
@click.pass_obj
def summary_cmd(app, stage: str, fmt: str, output: str | None, fresh: bool,
                tlp: str | None) -> None:
    """Print the release committee's threat summary for one stage or all stages."""
    config = service.assess_config(app.settings)
    try:
        summary = service.load_summary(app.store, config, stage, fresh=fresh)
    except KeyError:
        known = ", ".join(service.scope_names(config))
        raise InputError(f"unknown stage {stage!r} (known: {known})", path="--stage") from None
    text = service.render_summary(summary, fmt, tlp=tlp or config.tlp)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


COMMANDS = [assess_cmd, summary_cmd]

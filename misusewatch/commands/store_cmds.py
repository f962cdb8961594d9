"""Store verbs: ``init``, ``import``, ``export``, ``search``."""

from __future__ import annotations

import json
import sys
from datetime import datetime

import click

from misusewatch.jsonl import ImportReport, import_posts, write_posts
from misusewatch.records import RecordError, format_time, parse_time
from misusewatch.store import PostFilter


def filter_options(command):
    """The PostFilter flags shared by export and search."""
    options = [
        click.option("--source", help="Watchlist source name."),
        click.option("--platform", help="4chan, reddit, discourse, phpbb, hackernews, feed, generic."),
        click.option("--author", help="Author handle or platform author id."),
        click.option("--actor", help="Actor id (platform:site:handle, as `misusewatch actors list` shows it)."),
        click.option("--since", metavar="TIME", help="ISO-8601 date/time, inclusive (UTC)."),
        click.option("--until", metavar="TIME", help="ISO-8601 date/time, exclusive (UTC)."),
        click.option("--category", help="Misuse category id, e.g. spam."),
        click.option("--ladder", help="Misuse ladder step: none, discussion, plan, code, deployment."),
        click.option("--tier", type=click.IntRange(1, 3), help="Actor tier from the post's evidence."),
        click.option("--min-score", type=click.FloatRange(0, 1), help="Minimum detector score."),
        click.option("--detector", help="Detector the --min-score applies to (default: any)."),
        click.option("--label", help="Triage status or tag, e.g. escalated."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _time_flag(value: str | None, flag: str) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_time(value, flag)
    except RecordError as exc:
        raise click.BadParameter(str(exc), param_hint=flag) from None


def build_filter(**kw) -> PostFilter:
    return PostFilter(
        source=kw.get("source"),
        platform=kw.get("platform"),
        author=kw.get("author"),
        actor=kw.get("actor"),
        since=_time_flag(kw.get("since"), "--since"),
        until=_time_flag(kw.get("until"), "--until"),
        category=kw.get("category"),
        ladder=kw.get("ladder"),
        tier=kw.get("tier"),
        min_score=kw.get("min_score"),
        detector=kw.get("detector"),
        label=kw.get("label"),
    )


@click.command("init")
@click.pass_obj
def init_cmd(app) -> None:
    """Create the store's tables or index templates (safe to run again)."""
    app.store.init()
    click.echo(f"initialised {app.store.url}")


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--batch-size", default=1000, show_default=True, help="Posts per transaction.")
@click.pass_obj
def import_cmd(app, files: tuple[str, ...], batch_size: int) -> None:
    """Import posts from JSON-lines FILES ('-' for stdin); re-importing changes nothing.

    A malformed line is reported with its file and line number and skipped; every valid line
    is kept, and the exit status is 2 if any line was rejected.
    """
    total = ImportReport()
    for path in files:
        report = import_posts(app.store, path, batch_size=batch_size)
        for error in report.errors:
            click.echo(f"misusewatch: error: {error}", err=True)
        click.echo(
            f"{path}: {report.inserted} inserted, {report.updated} updated, "
            f"{report.unchanged} unchanged, {len(report.errors)} rejected"
        )
        total += report
    if total.errors:
        sys.exit(2)


@click.command("export")
@filter_options
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), default="-", help="File (default stdout).")
@click.option("--raw/--no-raw", default=False, help="Include the raw platform payload (jsonl only).")
@click.pass_obj
def export_cmd(app, fmt: str, output: str, raw: bool, **filters) -> None:
    """Export posts matching the filters, oldest first."""
    posts = app.store.iter_posts(build_filter(**filters))
    n = write_posts(posts, output, fmt=fmt, include_raw=raw)
    click.echo(f"exported {n} posts", err=True)


@click.command("search")
@click.argument("query", default="")
@filter_options
@click.option("--limit", default=20, show_default=True)
@click.option("--offset", default=0)
@click.option("--sort", type=click.Choice(["relevance", "newest", "oldest"]), default="relevance")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_obj
def search_cmd(app, query: str, limit: int, offset: int, sort: str, as_json: bool, **filters) -> None:
    """Full-text search: words and "quoted phrases", all required."""
    result = app.store.search(query, build_filter(**filters), limit=limit, offset=offset, sort=sort)
    if as_json:
        for post in result.posts:
            row = post.to_dict()
            row.pop("raw", None)
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    click.echo(f"{result.total} matching posts", err=True)
    for post in result.posts:
        snippet = " ".join(post.text.split())[:160]
        click.echo(f"{format_time(post.created_at)}  {post.id}  {post.author or '-'}\n    {snippet}")


COMMANDS = [init_cmd, import_cmd, export_cmd, search_cmd]

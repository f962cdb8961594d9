"""Crawl verbs: ``parse`` (saved pages, offline), ``crawl`` (watchlist), ``sources list|check``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from misusewatch.errors import InputError


def _platforms() -> list[str]:
    from crawlers.spiders import SPIDERS

    return sorted(SPIDERS)


@click.command("parse")
@click.option(
    "--platform",
    "platform",
    required=True,
    metavar="NAME",
    help="4chan, reddit, discourse, phpbb, hackernews, feed or generic.",
)
@click.option(
    "--profile",
    type=click.Path(dir_okay=False),
    default=None,
    help="Selector profile (TOML) for --platform generic.",
)
@click.option("--site", default=None, help="The site id component (default: from --url or the platform's).")
@click.option("--url", default=None, help="The URL the file was saved from (resolves links, names the site).")
@click.option("--timezone", default=None, help="Zone the forum prints times in (phpbb, generic).")
@click.option("--raw", is_flag=True, help="Include each post's raw payload.")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def parse_cmd(platform, profile, site, url, timezone, raw, files):
    """Parse saved pages/API responses offline; print posts as JSON lines.

    Uses the spiders' own parsing code. A file that cannot be parsed stops with a one-line
    error naming it (exit 2); a summary per file goes to stderr.
    """
    from crawlers.offline import make_spider, parse_file, post_json

    if platform not in _platforms():
        raise InputError(f"--platform: unknown {platform!r} (known: {', '.join(_platforms())})")
    if platform == "generic" and not profile:
        raise InputError("--platform generic needs --profile FILE")
    spider = make_spider(platform, profile=profile, site=site, url=url, timezone=timezone)
    for name in files:
        parsed = parse_file(spider, name, url=url, keep_raw=raw)
        for post in parsed.posts:
            data = post_json(post)
            if raw:
                data["raw"] = post.raw
            click.echo(json.dumps(data, ensure_ascii=False))
        for problem in parsed.invalid:
            click.echo(f"{name}: skipped {problem}", err=True)
        click.echo(
            f"{name}: {len(parsed.posts)} posts, {len(parsed.follows)} links a crawl would follow"
            + (f", {len(parsed.invalid)} invalid" if parsed.invalid else ""),
            err=True,
        )


@click.command("crawl")
@click.argument("names", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Crawl every enabled source.")
@click.option(
    "--sources",
    "sources_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Watchlist file (default: sources_file setting, ./sources.toml).",
)
@click.option("--full", is_flag=True, help="Fetch every thread again, ignoring cursors.")
@click.option(
    "--no-politeness",
    is_flag=True,
    hidden=True,
    help="No robots.txt, delays or throttling: the local testbed and benchmarks only.",
)
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a Scrapy/misusewatch crawl setting (repeatable).",
)
@click.option(
    "-j",
    "--processes",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Crawl processes at once, sources split between them (a site's sources stay together).",
)
@click.option("-v", "--verbose", is_flag=True, help="Scrapy's INFO log lines too.")
@click.pass_obj
def crawl_cmd(app, names, all_, sources_file, full, no_politeness, overrides, processes, verbose):
    """Crawl the named sources (or --all) into the store, recording each run."""
    from crawlers.extensions import FINISHED_REASONS
    from crawlers.runner import CrawlError, check_overrides, crawl_sources
    from crawlers.sources import load_sources, select_sources
    from misusewatch.store.sqlite import make_sqlite_folder

    path = Path(sources_file) if sources_file else app.settings.sources_file
    sources = select_sources(load_sources(path), list(names), all_=all_)
    if not sources:
        raise InputError("name the sources to crawl, or use --all (see `misusewatch sources list`)")
    settings = {}
    for pair in overrides:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InputError(f"--set: expected KEY=VALUE, got {pair!r}")
        settings[key.strip()] = _setting_value(value)
    check_overrides(settings)
    if full:
        settings["MISUSEWATCH_FULL_RECRAWL"] = True
    # The progress line and the summary say what matters; Scrapy's INFO lines are for -v.
    settings.setdefault("LOG_LEVEL", "INFO" if verbose else "WARNING")
    store_url = app.settings.store
    make_sqlite_folder(store_url)
    try:
        summaries = crawl_sources(
            store_url, sources, settings, polite=False if no_politeness else None, progress=True,
            include_disabled=bool(names), processes=processes,
        )
    except CrawlError as exc:  # the child's own error is on stderr above this line
        click.echo(f"crawl: {exc}", err=True)
        raise click.exceptions.Exit(1) from None
    failed = False
    for s in summaries:
        click.echo(
            f"{s['source']}: {s['pages']} pages, {s['posts_new']} new, "
            f"{s['posts_updated']} updated, {s['posts_unchanged']} unchanged, "
            f"{s['skipped_unchanged']} threads skipped unchanged, {s['errors']} errors, "
            f"{s['bans_suspected']} bans suspected ({s['finish_reason']})"
        )
        failed = failed or s["finish_reason"] not in FINISHED_REASONS
    if failed or len(summaries) != len(sources):
        raise click.exceptions.Exit(1)


def _setting_value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


@click.group("sources")
def sources_group():
    """The watchlist (sources.toml): list and check it."""


@sources_group.command("list")
@click.option("--sources", "sources_file", type=click.Path(dir_okay=False), default=None)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per source.")
@click.pass_obj
def sources_list(app, sources_file, as_json):
    """List the sources with platform, site, schedule and tags."""
    from crawlers.sources import load_sources

    path = Path(sources_file) if sources_file else app.settings.sources_file
    for source in load_sources(path):
        if as_json:
            click.echo(json.dumps(source.to_dict()))
        else:
            state = "" if source.enabled else " (disabled)"
            click.echo(
                f"{source.name}{state}\t{source.platform}\t{source.site_name}\t"
                f"{source.schedule or '-'}\t{','.join(source.tags) or '-'}"
            )


@sources_group.command("check")
@click.option("--sources", "sources_file", type=click.Path(dir_okay=False), default=None)
@click.pass_obj
def sources_check(app, sources_file):
    """Validate the watchlist; a problem is one line naming file:line, source and field."""
    from crawlers.sources import load_sources

    path = Path(sources_file) if sources_file else app.settings.sources_file
    sources = load_sources(path)
    enabled = sum(1 for s in sources if s.enabled)
    click.echo(f"{path}: {len(sources)} sources OK ({enabled} enabled)")


COMMANDS = [parse_cmd, crawl_cmd, sources_group]

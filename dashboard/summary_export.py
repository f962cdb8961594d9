"""The committee summary as files: Markdown, HTML, STIX 2.1, CSV of evidence; handles pseudonymised on request."""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Callable
from typing import Any

from dashboard import integrations
from misusewatch.records import Assessment, Post, format_time

# Keys whose string values name a person; a committee member sees aliases instead.
AUTHOR_KEYS = frozenset({"author", "author_id", "handle", "actor", "actor_id", "actors", "authors", "top_actors"})
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_EVIDENCE_LIST_KEYS = frozenset({"evidence", "evidence_posts", "post_ids", "posts"})


def pseudonymise(value: Any, alias: Callable[[str], str], *, under_author_key: bool = False) -> Any:
    """A copy of a summary with every author-ish string replaced by ``alias(string)``."""
    if isinstance(value, dict):
        return {k: pseudonymise(v, alias, under_author_key=k in AUTHOR_KEYS) for k, v in value.items()}
    if isinstance(value, list):
        return [pseudonymise(v, alias, under_author_key=under_author_key) for v in value]
    if under_author_key and isinstance(value, str):
        return alias(value)
    return value


def evidence_ids(summary: dict[str, Any]) -> list[str]:
    """Post ids the summary cites, in order: any ``post_id`` value, and id lists under evidence keys."""
    out: list[str] = []

    def visit(node: Any, key: str | None = None) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("post_id"), str):
                out.append(node["post_id"])
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


def to_markdown(assessment: Assessment) -> tuple[str, str | None]:
    """(markdown, note): threat_model.summary's renderer, else a plain rendering of the data."""
    try:
        render = integrations.optional("threat_model.summary:render_markdown")
        return render(assessment.data), None
    except integrations.Unavailable as exc:
        return _plain_markdown(assessment), f"{exc}; a plain rendering of the stored summary is used."


def to_html(assessment: Assessment) -> tuple[str, str | None]:
    try:
        render = integrations.optional("threat_model.summary:render_html")
        return render(assessment.data), None
    except integrations.Unavailable as exc:
        body = html.escape(_plain_markdown(assessment))
        page = (f"<!doctype html><meta charset='utf-8'><title>{html.escape(assessment.id)}</title>"
                f"<pre style='white-space:pre-wrap'>{body}</pre>")
        return page, f"{exc}; a plain rendering of the stored summary is used."


def to_stix(assessment: Assessment) -> str:
    """A STIX 2.1 bundle (JSON text) from threat_model.stix; Unavailable when that module is missing."""
    render = integrations.optional("threat_model.summary:render_stix")
    bundle = render(assessment.data)
    return bundle if isinstance(bundle, str) else json.dumps(bundle, indent=2, ensure_ascii=False, default=str)


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

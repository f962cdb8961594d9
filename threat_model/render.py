"""Render a summary as Markdown, a self-contained HTML page or JSON, with post content escaped.

Post content is hostile: every piece of it is escaped, and only http(s) links are made.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

RENDERERS: dict[str, Callable[[Mapping[str, Any]], str]] = {}


def renderer(name: str) -> Callable:
    def register(function: Callable[[Mapping[str, Any]], str]) -> Callable:
        RENDERERS[name] = function
        return function

    return register


def render(summary: Mapping[str, Any], fmt: str) -> str:
    try:
        return RENDERERS[fmt](summary)
    except KeyError:
        known = ", ".join(sorted(RENDERERS))
        raise ValueError(f"unknown format {fmt!r} (one of {known})") from None


def safe_url(url: Any) -> str | None:
    """The URL if it is plain http(s), else None: no javascript:, data: or relative tricks.

    Whitespace or control characters inside it make it unsafe: urlsplit silently drops
    \n \r \t, but the string we return would keep them, and a newline in a Markdown link
    ends the line and starts a block (a heading) of the poster's choosing.
    """
    if not isinstance(url, str):
        return None
    url = url.strip()
    if any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in url):
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return url
    return None


def _title(summary: Mapping[str, Any]) -> str:
    stage = summary["stage"]
    span = f"{(stage['since'] or 'start')[:10]} to {(stage['until'] or 'now')[:10]}"
    scope = "all release stages" if summary["scope"] == "all" else f"stage {stage['name']}"
    return f"Threat summary: {summary['family']}, {scope} ({span})"


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _ci(confidence: Any) -> str:
    """The interval's column label at its configured level, worded as the headline does;
    plain "CI" when the summary does not say (nothing to show, or an older record)."""
    return "CI" if confidence is None else f"{int(round(100 * confidence))}% CI"


def _trend_ci(summary: Mapping[str, Any]) -> str:
    levels = [row["rate_ratio"]["confidence"] for row in summary["trend"] if row["rate_ratio"]]
    return _ci(levels[0] if levels else None)


def _ratio_text(rr: Mapping[str, Any] | None) -> str:
    if not rr:
        return "-"
    est, lo, hi = (rr.get(k) for k in ("estimate", "lower", "upper"))
    return f"{rr['direction']} ({_fmt(est)}; {_fmt(lo)}-{_fmt(hi)})"


# ---------------------------------------------------------------- Markdown

# Inline markup characters; content never starts a line here, so block markers (# - + 1.)
# cannot take effect, and escaping [ ] stops any link or image from forming.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md_text(value: Any) -> str:
    """Post content as inert Markdown: HTML escaped, inline punctuation backslashed."""
    text = " ".join(str(value or "").split())
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def md_code(value: Any) -> str:
    """An id as a code span; ids with markup characters (never ours) fall back to md_text."""
    text = " ".join(str(value or "").split())
    if any(ch in text for ch in "<>&`"):
        return md_text(text)
    return f"`{text}`"


def _md_link(label: str, url: Any) -> str:
    good = safe_url(url)
    if not good:
        return md_text(label)
    return f"[{md_text(label)}](<{good.replace('<', '%3C').replace('>', '%3E')}>)"


@renderer("md")
def to_markdown(summary: Mapping[str, Any]) -> str:
    out = [f"# {_title(summary)}", ""]
    coverage = summary["coverage"]
    out += [
        f"_Generated {summary.get('generated_at') or 'now'} from {coverage['posts']} posts "
        f"({coverage['tagged']} tagged) across {len(coverage['sources'])} sources._", "",
        "## Headline findings", "",
    ]
    for finding in summary["findings"]:
        numbers = ", ".join(
            f"{k}={_fmt(v)}" for k, v in finding["numbers"].items() if not isinstance(v, dict)
        )
        out.append(f"- **{md_text(finding['text'])}**")
        if numbers:
            out.append(f"  - Numbers: {numbers}")
        if finding["evidence"]:
            ids = ", ".join(md_code(i) for i in finding["evidence"])
            out.append(f"  - Evidence posts: {ids}")
    out.append("")
    if summary["trend"]:
        out += ["## Trend across release stages", "",
                "| Stage | From | To | Posts | Misuse | Misuse per 1,000 | Plans | Code "
                f"| Deployment | Gap source-weeks | Change vs previous (RR; {_trend_ci(summary)}) |",
                "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|"]
        for row in summary["trend"]:
            cells = [md_text(row["stage"]), (row["since"] or "")[:10], (row["until"] or "")[:10],
                     row["posts"], row["misuse"], _fmt(row["misuse_per_1000"]), row["plan"],
                     row["code"], row["deployment"], _fmt(row["gap_source_weeks"]),
                     _ratio_text(row["rate_ratio"])]
            out.append("| " + " | ".join(str(c) for c in cells) + " |")
        out.append("")
    out += ["## Evidence threads", ""]
    if not summary["evidence_threads"]:
        out.append("No misuse-related threads in this window.")
    for thread in summary["evidence_threads"]:
        title = thread.get("title") or thread["thread"]
        link = _md_link(title, thread.get("url"))
        out.append(f"### {link} (highest step: {thread['highest_step']})")
        out.append("")
        for post in thread["posts"]:
            out.append(
                f"- {md_code(post['id'])} {post['step']}, {md_text(post.get('author') or '?')}, "
                f"{(post.get('created_at') or '')[:10]}: \"{md_text(post.get('excerpt'))}\" "
                f"{_md_link('link', post.get('url')) if safe_url(post.get('url')) else ''}".rstrip()
            )
        out.append("")
    out += _md_synthetic(summary)
    out += ["## Coverage", "", "| Source | Posts |", "|---|---:|"]
    out += [f"| {md_text(s)} | {n} |" for s, n in coverage["sources"].items()]
    out += ["", f"Active source-weeks: {_fmt(coverage['active_source_weeks'])}; "
            f"gap source-weeks: {_fmt(coverage['gap_source_weeks'])}.", ""]
    for gap in coverage["gaps"]:
        out.append(f"- Gap: {md_text(gap['source'])}, week of {gap['week']}: {gap['count']} posts "
                   f"(norm {_fmt(gap['norm'])}; {gap['reason']})")
    out += ["", "## Caveats", ""] + [f"- {md_text(c)}" for c in summary["caveats"]] + [""]
    out += ["## Definitions", ""]
    out += [f"- **{step}**: {text}" for step, text in summary["definitions"]["ladder"].items()]
    out += [f"- {text}" for text in summary["definitions"]["tiers"].values()]
    return "\n".join(out) + "\n"


def _md_synthetic(summary: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    for result in summary.get("synthetic", []):
        out += [f"## Synthetic text ({md_text(result['detector'])} detector, false-positive "
                f"rate {_fmt(result['fpr'])})", "",
                f"| Source | Threshold | Flagged | Scored | Rate | {_ci(result.get('confidence'))} "
                "| p (vs FPR) |",
                "|---|---:|---:|---:|---:|---|---:|"]
        for source, r in result["sources"].items():
            out.append(f"| {md_text(source)} | {_fmt(r['threshold'])} | {r['flagged']} "
                       f"| {r['scored']} | {_fmt(r['rate'])} "
                       f"| {_fmt(r['ci'][0])}-{_fmt(r['ci'][1])} | {r['p_value']:.3g} |")
        sig = [a for a in result["actors"] if a["significant"]]
        out.append("")
        if sig:
            out.append("Actors flagged significantly more often than the false-positive rate:")
            out += [
                f"- {md_code(a['actor'])}: {a['flagged']}/{a['scored']} (p={a['p_value']:.2g})"
                for a in sig
            ]
            out.append("")
    return out


# ---------------------------------------------------------------- HTML

_CSS = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.5rem}h2{border-bottom:1px solid #ccc;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem}
.warning{border-left:4px solid #c00;padding-left:.5rem}.notice{border-left:4px solid #e90;
padding-left:.5rem}.info{border-left:4px solid #39c;padding-left:.5rem}
code{background:#f4f4f4}.excerpt{color:#444}
"""


def e(value: Any) -> str:
    return html.escape(str(value if value is not None else ""), quote=True)


def _a(label: Any, url: Any) -> str:
    good = safe_url(url)
    if not good:
        return e(label)
    return f'<a href="{e(good)}" rel="noopener noreferrer nofollow">{e(label)}</a>'


@renderer("html")
def to_html(summary: Mapping[str, Any]) -> str:
    """One self-contained page: inline CSS, no scripts, a CSP that forbids loading anything."""
    coverage = summary["coverage"]
    parts = [
        "<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src 'none'\">",
        f"<title>{e(_title(summary))}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(_title(summary))}</h1>",
        f"<p><em>Generated {e(summary.get('generated_at') or 'now')} from {coverage['posts']} "
        f"posts ({coverage['tagged']} tagged) across {len(coverage['sources'])} sources.</em></p>",
        "<h2>Headline findings</h2><ul>",
    ]
    for finding in summary["findings"]:
        numbers = ", ".join(
            f"{e(k)}={e(_fmt(v))}" for k, v in finding["numbers"].items() if not isinstance(v, dict)
        )
        evidence = ", ".join(f"<code>{e(i)}</code>" for i in finding["evidence"])
        parts.append(f'<li class="{e(finding["level"])}"><strong>{e(finding["text"])}</strong>'
                     + (f"<br><small>Numbers: {numbers}</small>" if numbers else "")
                     + (f"<br><small>Evidence posts: {evidence}</small>" if evidence else "")
                     + "</li>")
    parts.append("</ul>")
    if summary["trend"]:
        parts.append("<h2>Trend across release stages</h2><table><tr><th>Stage</th><th>From</th>"
                     "<th>To</th><th>Posts</th><th>Misuse</th><th>Misuse per 1,000</th>"
                     "<th>Plans</th><th>Code</th><th>Deployment</th><th>Gap source-weeks</th>"
                     f"<th>Change vs previous (RR; {_trend_ci(summary)})</th></tr>")
        for row in summary["trend"]:
            cells = [row["stage"], (row["since"] or "")[:10], (row["until"] or "")[:10],
                     row["posts"], row["misuse"], _fmt(row["misuse_per_1000"]), row["plan"],
                     row["code"], row["deployment"], _fmt(row["gap_source_weeks"]),
                     _ratio_text(row["rate_ratio"])]
            parts.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>")
        parts.append("</table>")
    parts.append("<h2>Evidence threads</h2>")
    if not summary["evidence_threads"]:
        parts.append("<p>No misuse-related threads in this window.</p>")
    for thread in summary["evidence_threads"]:
        parts.append(f"<h3>{_a(thread.get('title') or thread['thread'], thread.get('url'))} "
                     f"<small>(highest step: {e(thread['highest_step'])})</small></h3><ul>")
        for post in thread["posts"]:
            parts.append(
                f"<li><code>{e(post['id'])}</code> {e(post['step'])}, "
                f"{e(post.get('author') or '?')}, {e((post.get('created_at') or '')[:10])}: "
                f"<span class=\"excerpt\">&ldquo;{e(post.get('excerpt'))}&rdquo;</span> "
                f"{_a('link', post.get('url')) if safe_url(post.get('url')) else ''}</li>"
            )
        parts.append("</ul>")
    for result in summary.get("synthetic", []):
        parts.append(f"<h2>Synthetic text ({e(result['detector'])} detector)</h2><table><tr>"
                     "<th>Source</th><th>Threshold</th><th>Flagged</th><th>Scored</th>"
                     f"<th>Rate</th><th>{_ci(result.get('confidence'))}</th><th>p (vs FPR)</th>"
                     "</tr>")
        for source, r in result["sources"].items():
            cells = [source, _fmt(r["threshold"]), r["flagged"], r["scored"], _fmt(r["rate"]),
                     f"{_fmt(r['ci'][0])}-{_fmt(r['ci'][1])}", f"{r['p_value']:.3g}"]
            parts.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>")
        parts.append("</table>")
    parts.append("<h2>Coverage</h2><table><tr><th>Source</th><th>Posts</th></tr>")
    parts += [f"<tr><td>{e(s)}</td><td>{e(n)}</td></tr>" for s, n in coverage["sources"].items()]
    parts.append(f"</table><p>Active source-weeks: {e(_fmt(coverage['active_source_weeks']))}; "
                 f"gap source-weeks: {e(_fmt(coverage['gap_source_weeks']))}.</p><ul>")
    parts += [f"<li>Gap: {e(g['source'])}, week of {e(g['week'])}: {e(g['count'])} posts "
              f"(norm {e(_fmt(g['norm']))}; {e(g['reason'])})</li>" for g in coverage["gaps"]]
    parts.append("</ul><h2>Caveats</h2><ul>")
    parts += [f"<li>{e(c)}</li>" for c in summary["caveats"]]
    parts.append("</ul><h2>Definitions</h2><dl>")
    definitions = summary["definitions"]
    parts += [f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in definitions["ladder"].items()]
    parts += [f"<dt>tier {e(k)}</dt><dd>{e(v)}</dd>" for k, v in definitions["tiers"].items()]
    parts.append("</dl></body></html>")
    return "\n".join(parts) + "\n"


@renderer("json")
def to_json(summary: Mapping[str, Any]) -> str:
    return json.dumps(summary, indent=2, sort_keys=False, ensure_ascii=False, default=str) + "\n"

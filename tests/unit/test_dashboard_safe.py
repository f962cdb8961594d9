"""Hostile post text stays text: escaping, evidence spans, links."""

from __future__ import annotations

import pytest

from dashboard.safe import (
    Span,
    escape_markdown,
    excerpt,
    gltr_html,
    highlight_html,
    safe_url,
    spans_from_evidence,
)

PAYLOADS = ["<script>alert('x')</script>", '<img src=x onerror="alert(1)">', "</div><svg onload=alert(1)>",
            "<mark title='\" onmouseover=alert(1)'>"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_highlight_escapes_text_and_titles(payload):
    text = f"before {payload} after"
    start = text.index(payload)
    out = highlight_html(text, [Span(start, start + len(payload), "category", title=payload)])
    body = out.removeprefix(out[: out.index(">") + 1])
    assert "<script" not in out and "<img" not in out and "<svg" not in out
    assert body.count("<mark ") == 1 and body.count("</mark>") == 1  # the only tags are ours
    assert "&lt;" in out


def test_spans_drop_bad_offsets_and_overlaps():
    text = "fake news about Example News"
    evidence = [
        {"kind": "category", "value": "disinformation", "start": 0, "end": 9},
        {"kind": "target", "value": "x", "start": 5, "end": 12},  # overlaps the first: dropped
        {"kind": "target", "value": "Example News", "start": 16, "end": 28},
        {"kind": "bad", "start": 20, "end": 999},  # past the end
        {"kind": "bad", "start": "0", "end": 3},  # not ints
        {"kind": "bad", "start": 5, "end": 5},  # empty
        "not a dict",
    ]
    spans = spans_from_evidence(text, evidence)
    assert [(s.start, s.end, s.kind) for s in spans] == [(0, 9, "category"), (16, 28, "target")]
    html_out = highlight_html(text, spans)
    assert ">fake news</mark>" in html_out and ">Example News</mark>" in html_out


@pytest.mark.parametrize(("url", "expected"), [
    ("https://forum.example/t/1", "https://forum.example/t/1"),
    ("http://x.example", "http://x.example"),
    ("javascript:alert(1)", None),
    ("JAVASCRIPT:alert(1)", None),
    ("data:text/html,<script>", None),
    ("//evil.example", None),
    ("", None),
    (None, None),
])
def test_only_plain_web_urls_become_links(url, expected):
    assert safe_url(url) == expected


def test_markdown_escaping_neutralises_links_images_and_colours():
    escaped = escape_markdown("![x](http://e/p.png) [a](javascript:1) :red[b] **c**")
    for raw in ("![", "](", ":red[", "**"):
        assert raw not in escaped


def test_gltr_html_escapes_tokens():
    out = gltr_html([("<script>", 3), (" ok", 5000)])
    assert "<script>" not in out and "&lt;script&gt;" in out and "beyond 1000" in out


def test_excerpt_flattens_and_shortens():
    assert excerpt("a\n\n b   c") == "a b c"
    assert len(excerpt("x" * 500, 20)) == 20

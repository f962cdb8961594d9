"""Rendering: post content is hostile, so every format must keep it inert."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from threat_model.indicators import IndicatorPolicy, SyntheticCounts, WindowCounts, stage_indicators
from threat_model.render import md_text, render, safe_url
from threat_model.stages import default_timeline
from threat_model.summary import build_summary

SCRIPT = '<script>alert("pwned")</script>'
IMG = '<img src=x onerror="alert(1)">'
WINDOW = default_timeline().windows()[2]


def hostile_summary() -> dict:
    row = stage_indicators(
        WindowCounts(WINDOW, 100, {"none": 90, "discussion": 8, "plan": 2},
                     by_source={f"src{SCRIPT}": 100}),
        None, [], [],
    )
    evidence = {"plan": [
        {"id": f"4chan:b:1:{IMG}", "thread": "t:1", "thread_title": f"{SCRIPT} title",
         "url": "javascript:alert(1)", "author": f"{IMG}", "created_at": "2019-06-01T00:00:00Z",
         "excerpt": f"plan {SCRIPT} {IMG} [click](javascript:alert(1)) ![x](https://e/x.png)"},
        {"id": "ok:1", "thread": "t:2", "thread_title": "fine", "url": "https://forum.example/t/2",
         "author": "bob", "created_at": "2019-06-02T00:00:00Z", "excerpt": "a `tick` | pipe"},
    ]}
    return build_summary("355M", row, family="GPT-2", stage_rows=[row], evidence_posts=evidence)


class Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_html_escapes_all_post_content():
    page = render(hostile_summary(), "html")
    assert SCRIPT not in page and IMG not in page
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in page
    parser = Collector()
    parser.feed(page)
    tags = {tag for tag, _ in parser.tags}
    assert "script" not in tags and "img" not in tags
    assert all(not name.startswith("on") for _, attrs in parser.tags for name in attrs)
    hrefs = [attrs["href"] for tag, attrs in parser.tags if tag == "a"]
    assert hrefs == ["https://forum.example/t/2", "https://forum.example/t/2"]  # no javascript:


def test_html_is_self_contained():
    page = render(hostile_summary(), "html")
    parser = Collector()
    parser.feed(page)
    assert not [t for t, a in parser.tags if t in ("link", "script", "iframe", "img")]
    csp = [a for t, a in parser.tags if t == "meta" and a.get("http-equiv")]
    assert "default-src 'none'" in csp[0]["content"]


def test_markdown_keeps_post_content_inert():
    text = render(hostile_summary(), "md")
    assert SCRIPT not in text and IMG not in text and "<img" not in text
    # every unescaped "](" is a link we made, to an http(s) URL; the post's own are escaped
    links = re.findall(r"(?<!\\)\]\((\S+)", text)
    assert links and all(link.startswith("<https://") for link in links)
    assert "\\[click\\](javascript" in text and "!\\[x\\](https" in text
    assert "[fine](<https://forum.example/t/2>)" in text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a*b*", "a\\*b\\*"),
        ("[x](y)", "\\[x\\](y)"),
        ("<b>", "&lt;b&gt;"),
        ("line\nbreak  spaces", "line break spaces"),
        ("a|b", "a\\|b"),
    ],
)
def test_md_text(raw, expected):
    assert md_text(raw) == expected


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://forum.example/t/1", True),
        ("http://forum.example/t/1", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("data:text/html,<script>", False),
        ("//evil.example/x", False),
        ("/relative", False),
        (None, False),
        (" https://forum.example/t/1\n", True),  # surrounding whitespace is trimmed
        ("https://forum.example/t/9\n## Injected", False),
        ("https://forum.example/t/9\r\nx", False),
        ("https://forum.example/t/9\tx", False),
        ("https://forum.example/t/9 x", False),
        ("https://forum.example/t/9\x00x", False),
        ("https://forum.example/t/9\u2028x", False),
    ],
)
def test_only_http_links_are_made(url, safe):
    assert (safe_url(url) is not None) == safe


def test_json_round_trips_and_is_strict():
    summary = hostile_summary()
    text = render(summary, "json")
    assert json.loads(text) == json.loads(json.dumps(summary))
    assert "NaN" not in text and "Infinity" not in text


def test_unknown_format():
    with pytest.raises(ValueError, match="unknown format 'pdf'"):
        render(hostile_summary(), "pdf")


def test_newline_in_a_post_url_cannot_start_a_markdown_block():
    markdown_it = pytest.importorskip("markdown_it")
    summary = hostile_summary()
    injected = "https://forum.example/t/9\n## Injected heading: all clear"
    sneaky = "https://forum.example/t/9\n[click me](javascript:alert(1))"
    hostile, fine = summary["evidence_threads"]
    hostile["url"] = hostile["posts"][0]["url"] = injected
    fine["posts"][0]["url"] = sneaky
    tokens = markdown_it.MarkdownIt("commonmark").parse(render(summary, "md"))
    heading_text = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert heading_text and not [h for h in heading_text if h.startswith("Injected")]
    links = [c.attrs["href"] for t in tokens for c in (t.children or []) if c.type == "link_open"]
    assert links and all(href.startswith("https://") and "\n" not in href for href in links)


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_interval_columns_name_the_configured_confidence(fmt):
    policy = IndicatorPolicy(confidence=0.80)
    windows = {w.name: w for w in default_timeline().windows()}
    before = WindowCounts(windows["124M"], 486, {"none": 446, "discussion": 40})
    synthetic = SyntheticCounts("tfidf", {"board": (0.9, 0.01)}, {"board": (44, 1004)}, {})
    now = WindowCounts(windows["355M"], 634, {"none": 620, "discussion": 14},
                       synthetic=[synthetic])
    rows = [stage_indicators(before, None, [], [], policy),
            stage_indicators(now, before, [], [], policy)]
    page = render(build_summary("355M", rows[1], family="GPT-2", stage_rows=rows), fmt)
    assert "Change vs previous (RR; 80% CI)" in page
    assert re.search(r"Rate(</th><th>| \| )80% CI", page)
    assert "95% CI" not in page

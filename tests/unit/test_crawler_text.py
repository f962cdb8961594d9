"""The spiders' helpers: forum time stamps, sanitized HTML, text normalisation."""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawlers import text as text_module
from crawlers.testbed import generate, truth_records
from crawlers.text import html_to_text, normalise_text, parse_forum_time, sanitize_html
from misusewatch.records import RecordError

NOW = datetime(2019, 8, 22, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "fmt", "tz", "expected"),
    [
        ("Wed Jun 02, 2010 11:01 pm", None, None, datetime(2010, 6, 2, 23, 1, tzinfo=UTC)),
        ("Posted: Wed Jun 02, 2010 11:01 pm", None, None, datetime(2010, 6, 2, 23, 1, tzinfo=UTC)),
        ("Wed Jun 02, 2010 11:01 pm", None, "Europe/London", datetime(2010, 6, 2, 22, 1, tzinfo=UTC)),
        ("Wed Jan 02, 2019 11:01 pm", None, "Europe/London", datetime(2019, 1, 2, 23, 1, tzinfo=UTC)),
        ("2019-08-21T16:45:00+02:00", None, None, datetime(2019, 8, 21, 14, 45, tzinfo=UTC)),
        ("2019-08-21T16:45:00", "iso", "America/New_York", datetime(2019, 8, 21, 20, 45, tzinfo=UTC)),
        ("1567339200", None, None, datetime(2019, 9, 1, 12, 0, tzinfo=UTC)),
        ("1567339200", "unix", None, datetime(2019, 9, 1, 12, 0, tzinfo=UTC)),
        ("21.08.2019 16:45", None, "Europe/Berlin", datetime(2019, 8, 21, 14, 45, tzinfo=UTC)),
        ("August 21st, 2019 4:45 PM", "%B %d, %Y %I:%M %p", None, datetime(2019, 8, 21, 16, 45, tzinfo=UTC)),
        ("Today, 10:00 am", None, None, datetime(2019, 8, 22, 10, 0, tzinfo=UTC)),
        ("Yesterday 23:30", None, None, datetime(2019, 8, 21, 23, 30, tzinfo=UTC)),
        ("» Sat May 11, 2019 2:15 pm", None, None, datetime(2019, 5, 11, 14, 15, tzinfo=UTC)),
    ],
)
def test_parse_forum_time(text, fmt, tz, expected):
    assert parse_forum_time(text, fmt, tz, now=NOW) == expected


@pytest.mark.parametrize("text", ["", "   ", "sometime last week", "32/13/2019 25:00"])
def test_unparseable_times_are_record_errors(text):
    with pytest.raises(RecordError, match="time"):
        parse_forum_time(text)


def test_sanitize_html_keeps_text_markup_and_drops_active_content():
    dirty = '<p onclick="x()">hi <b>there</b><script>alert(1)</script><a href="javascript:x">l</a></p>'
    clean = sanitize_html(dirty)
    assert "<script" not in clean and "onclick" not in clean and "javascript:" not in clean
    assert "<b>there</b>" in clean
    assert sanitize_html(None) is None and sanitize_html("") is None


def test_normalise_text_keeps_content_and_indentation():
    assert normalise_text("  a\r\n    b\x00\rc  ") == "a\n    b\nc"
    assert normalise_text(None) == ""


def test_html_to_text_is_the_shared_rule():
    html = '<p>One<br>two</p><pre>  code\n  more</pre><ul><li>a</li><li>b</li></ul>'
    assert html_to_text(html) == "One\ntwo\n\n  code\n  more\n\na\nb"


# ---------------------------------------------------------------- the fast paths change nothing
# html_to_text reads simple markup without building a tree, and sanitize_html skips nh3 for
# text it would return unchanged. Both must give exactly what the slow path gives.

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TRICKY = [
    '<a href="#p1" class="quotelink">&gt;&gt;1</a><br>reply &#039;quoted&#x27; &amp;gt; AT&amp;T',
    "<p>one</p>\n<p>two<br>\nthree</p>",
    "first<p>second<p>third",  # Hacker News: paragraphs without end tags
    "<i>&gt; quoted</i><p>answer",
    '<!-- SC_OFF --><div class="md"><p>body</p>\n</div><!-- SC_ON -->',
    '<pre class="prettyprint">x = 1<br>  y = [a, b]\n\tz</pre>after',
    "<pre>\nleading newline</pre>",
    "<ul><li>a</li><li>b<ul><li>c</li></ul></li></ul>",
    '<blockquote><div><cite>bob wrote:</cite>quoted</div></blockquote>reply',
    "<p>a<div>block ends the paragraph</div>",
    "<p>a<aside>not for libxml2</aside></p>",
    "<b>x<p>y</p></b>", "<a>x<a>y</a></a>", "<p><b>x</p>y", "a</p>b", "<p/>x", "<span/>x",
    "AT&T & co", "a < b > c", "&AMP; &amp &#0; &#128; &#57344; &#xD800; &nbsp;x&nbsp;",
    "<table><tr><td>a</td><td>b</td></tr></table>", "<td>cell</td>", "<hr>x<hr/>y", "<p>a<hr>b</p>",
    "x\r\ny", "x\x01y\ue000z", "  <br>  <br><br><br>  x  ", "<!---->x<!--->y", "<!-- a -- b -->c",
    "<SPAN CLASS=quote>&GT;</SPAN>", "<p>unclosed <b>bold", "<li>no list</li>", "<h2>t</h2>body<h3>u",
]


def _parser_text(html: str) -> str:
    cleaned = html.translate(text_module._DROP_SENTINELS)
    if not cleaned.strip():
        return ""
    return text_module._parsed_text(text_module._parse_fragment(cleaned))


def _uses_fast_path(html: str) -> bool:
    return text_module._simple_markup_text(html.translate(text_module._DROP_SENTINELS)) is not None


@pytest.mark.parametrize("html", TRICKY)
def test_html_to_text_fast_path_matches_the_parser(html):
    assert html_to_text(html) == _parser_text(html)


def _markup_strings(value):
    if isinstance(value, str):
        if "<" in value or "&" in value:
            yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _markup_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _markup_strings(item)


def test_html_to_text_fast_path_matches_the_parser_on_fixtures_and_the_testbed():
    corpus = [row["html"] for row in truth_records(generate(seed=5, posts=3000), with_html=True) if row.get("html")]
    for path in FIXTURES.rglob("*.json"):
        corpus.extend(_markup_strings(json.loads(path.read_text())))
    fast = [html for html in corpus if _uses_fast_path(html)]
    assert len(fast) > 0.8 * len(corpus), "the fast path should read most real posts"
    assert [html for html in fast if html_to_text(html) != _parser_text(html)] == []


def _fragment(rng: random.Random, depth: int = 0, flow: bool = True) -> str:
    """Markup as posts write it, often well formed, sometimes not (unclosed, misnested, bare & and <)."""
    texts = ["x", "two words", " ", "\n  ", "\xa0", "&amp;", "&lt;", "&gt;", "&quot;", "&#039;", "&#x27;",
             "&nbsp;", "&#128;", "&#0;", "&amp", "AT&T", "a < b", ">", "<!-- c -->", "<!--->", "\t", "é\u2028"]
    blocks = ["p", "div", "blockquote", "aside", "ul", "ol", "pre", "h1", "li", "table", "td", "hr", "br"]
    inline = ["a", "b", "i", "span", "code", "cite", "em", "q", "s", "font", "img", "wbr", "br", "P", "BR"]
    out = []
    for _ in range(rng.randint(0, 5)):
        roll = rng.random()
        if roll < 0.45 or depth >= 4:
            out.append(rng.choice(texts))
            continue
        tag = rng.choice(blocks if flow and roll < 0.7 else inline)
        attrs = rng.choice(["", ' href="#p1"', " class='quote'", " data-x=1", ' a="b>c"', " /"])
        out.append(f"<{tag}{attrs}>")
        if tag.lower() in ("br", "wbr", "img", "hr"):
            continue
        out.append(_fragment(rng, depth + 1, flow=tag in ("div", "blockquote", "aside", "li", "td")))
        if rng.random() < 0.9:
            out.append(f"</{tag}>")
    if rng.random() < 0.05:
        out.append(rng.choice(["</p>", "</a>", "<p/>", "</div>", "</br>"]))
    return "".join(out)


def test_whitespace_runs_collapse_to_one_space_lone_spaces_included():
    """The whitespace pattern skips lone spaces (for speed): it must give what collapsing every run would."""
    every_run = re.compile(r"[ \t\n\r\f\v\xa0]+")
    rng = random.Random(7)
    for _ in range(20000):
        value = "".join(rng.choice(" \t\n\r\f\v\xa0ab") for _ in range(rng.randint(0, 12)))
        assert text_module._WHITESPACE.sub(" ", value) == every_run.sub(" ", value), repr(value)


def test_html_to_text_fast_path_matches_the_parser_on_generated_markup():
    rng = random.Random(2019)
    fragments = [_fragment(rng) for _ in range(6000)]
    fast = [html for html in fragments if html.strip() and _uses_fast_path(html)]
    assert len(fast) > 1000
    assert [html for html in fast if html_to_text(html) != _parser_text(html)] == []


def test_sanitize_html_skips_nh3_only_where_nh3_changes_nothing():
    rng = random.Random(7)
    alphabet = [chr(c) for c in range(0x250)] + ["\u2028", "\ufeff", "\ufffd", "\U0001f600", "\ue000", "\ufffe"]
    samples = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(20000)]
    samples += ["plain words", "\ufeffbom first", "a\rb", "a\xa0b", "x &amp; y", "1 < 2", "<b>x</b>", "a > b"]
    for sample in samples:
        assert sanitize_html(sample) == text_module._CLEANER.clean(sample), repr(sample)

"""crawlers.text.html_to_text: the one HTML-to-plain-text rule spiders and the testbed share."""

from __future__ import annotations

import json

import pytest
from lxml import html as lxml_html

from crawlers.text import html_to_text
from tests.conftest import shared_data


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("", ""),
        ("   ", ""),
        ("plain &amp; simple", "plain & simple"),
        ("a<br>b<br><br>c", "a\nb\n\nc"),
        ("a<br><br><br><br>b", "a\n\nb"),  # at most one blank line
        ('<a href="#p1" class="quotelink">&gt;&gt;1</a><br>yes', ">>1\nyes"),
        ('<span class="quote">&gt;be me</span><br>ok', ">be me\nok"),
        ("<p>one  two\n three</p>\n<p>four</p>", "one two three\n\nfour"),
        ("<p>x<br>\ny</p>", "x\ny"),
        ("<ul><li>a</li><li>b</li></ul>after", "a\nb\n\nafter"),
        ("<blockquote><p>quoted</p></blockquote><p>reply</p>", "quoted\n\nreply"),
        ("<blockquote><div><cite>bob wrote:</cite>hi</div></blockquote>", "bob wrote:\nhi"),
        ("<pre><code>def f():\n    return 1\n</code></pre><p>after</p>", "def f():\n    return 1\n\nafter"),
        ('<pre class="prettyprint">x = 1<br>  y = 2</pre>', "x = 1\n  y = 2"),
        ("x<!-- hidden -->y<script>z()</script><style>p{}</style>w", "xyw"),
        ("<div>&nbsp;&nbsp;hi&nbsp;there </div>", "hi there"),
        ("<img src=a.png alt=smile>text", "text"),
        ("a<p>b<p>c", "a\n\nb\n\nc"),  # Hacker News style unclosed paragraphs
        ("<table><tr><td><b>Code:</b></td></tr><tr><td class=code>a<br />b</td></tr></table>", "Code:\na\nb"),
        ('<td class="postbody">\n<hr />\nline one\n<br />\nline two</td>', "line one\nline two"),
        ("caf&eacute; &#8212; &#x27;q&#x27; &#x2F;", "café — 'q' /"),
    ],
)
def test_rule(markup: str, text: str) -> None:
    assert html_to_text(markup) == text


def test_accepts_an_lxml_element() -> None:
    element = lxml_html.fragment_fromstring("<div><p>a</p><p>b</p></div>")
    assert html_to_text(element) == "a\n\nb"


def test_none_is_empty() -> None:
    assert html_to_text(None) == ""


def test_private_use_sentinels_in_input_cannot_forge_breaks() -> None:
    assert html_to_text("a\ue002b") == "ab"


def test_recorded_4chan_thread() -> None:
    thread = json.loads(shared_data("forums", "4chan", "thread.json").read_text())
    first = html_to_text(thread["posts"][0]["com"])
    assert first.startswith(">Stalker 2\n12 years of waiting\n>Borderlands 3")
    assert first.endswith("16 years of waiting\n>Devil may cry 5\n11 years of waiting\n\nWe are going back bros")
    assert html_to_text(thread["posts"][1]["com"]).splitlines()[0] == ">>456354102"


def test_recorded_phpbb2_post_body() -> None:
    from scrapy.http import HtmlResponse

    page = shared_data("forums", "phpbb", "phpbb2_viewtopic.html").read_bytes()
    response = HtmlResponse("http://example.org/viewtopic.php?t=805", body=page)
    bodies = response.css("td.postbody").getall()
    second = "Best of luck, all the hard work will be worth it. Enjoy the good weather while you can."
    assert html_to_text(bodies[1]) == second
    first = html_to_text(bodies[0])
    assert first.startswith("All the winter jobs completed now")
    assert '\nTwo coats of Hemple "True Blue" antifoul' in first
    assert first.endswith("keep you posted\n\nGeorge")

"""The spiders' helpers: forum time stamps, sanitized HTML, text normalisation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

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

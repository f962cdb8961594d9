"""HTML to the plain ``Post.text`` every spider stores: one rule, shared by spiders and testbed.

The rule (documented in docs/testbed.md, "Plain text"):

* ``<br>`` is a line break; block elements (``p``, ``div``, ``blockquote``, ``pre``, ``ul``,
  ``table``, ``h1``-``h6``, ``hr``, ``aside``...) start and end a paragraph (a blank line);
  ``li``, ``tr``, ``dt``, ``dd`` and ``cite`` start and end a line; table cells are separated by
  a space. Breaks do not add up beyond a blank line, except consecutive ``<br>`` which count
  one newline each (still at most two in a row).
* Outside ``<pre>`` runs of whitespace collapse to one space and spaces next to a break are
  dropped; inside ``<pre>`` spaces and newlines are kept (newlines count as ``<br>``).
* Entities are unescaped, ``&nbsp;`` becomes a plain space; ``script``, ``style``, comments
  and images contribute nothing; links contribute their text (so a 4chan quotelink stays
  ``>>123``).
* The result has no leading or trailing blank lines or spaces.
"""

from __future__ import annotations

import re
from typing import Any

import lxml.html
from lxml import etree

# Private-use sentinels mark breaks while text is assembled; they never occur in real posts
# (any that do are dropped on input so they cannot forge a break).
_BR = "\ue000"
_LINE = "\ue001"
_PARA = "\ue002"
_PRE_SPACE = "\ue003"
_SENTINELS = _BR + _LINE + _PARA + _PRE_SPACE

PARAGRAPH_TAGS = frozenset(
    "address article aside blockquote center details dialog dir div dl fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hr main menu nav ol p pre section summary "
    "table ul".split()
)
LINE_TAGS = frozenset("li tr dt dd cite caption".split())
CELL_TAGS = frozenset(("td", "th"))
SKIPPED_TAGS = frozenset("script style head title noscript template img iframe object".split())

_WHITESPACE = re.compile(r"[ \t\n\r\f\v\xa0]+")
_SPACES_AROUND_BREAKS = re.compile(f"[ ]*([{_BR}{_LINE}{_PARA}]+)[ ]*")
_DROP_SENTINELS = str.maketrans("", "", _SENTINELS)


def html_to_text(html: Any) -> str:
    """The plain text of an HTML fragment (a string) or an lxml element, per the rule above."""
    if html is None:
        return ""
    if isinstance(html, str):
        if not html.strip():
            return ""
        root = _parse_fragment(html.translate(_DROP_SENTINELS))
    else:
        root = html
    pieces: list[str] = []
    _walk(root, pieces, in_pre=False)
    return _assemble("".join(pieces))


def _parse_fragment(html: str) -> etree._Element:
    # A bare <td>/<tr> fragment would lose its tag outside a table; the container keeps it.
    wrapper = "<table><tr>{}</tr></table>" if re.match(r"\s*<t[dh][\s>]", html, re.I) else "{}"
    try:
        return lxml.html.fragment_fromstring(wrapper.format(html), create_parent="div")
    except etree.ParserError:
        return lxml.html.fragment_fromstring("<p></p>", create_parent="div")


def _walk(element: etree._Element, out: list[str], in_pre: bool) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    tag = tag.lower().rpartition("}")[2]
    if tag in SKIPPED_TAGS or not isinstance(element.tag, str):
        # Comments and processing instructions have a callable tag; their tail still counts.
        _text(element.tail, out, in_pre)
        return
    marker = _PARA if tag in PARAGRAPH_TAGS else _LINE if tag in LINE_TAGS else ""
    if tag == "br":
        out.append(_BR)
    else:
        if marker:
            out.append(marker)
        elif tag in CELL_TAGS:
            out.append(" ")
        inner_pre = in_pre or tag == "pre"
        _text(element.text, out, inner_pre)
        for child in element:
            _walk(child, out, inner_pre)
        if marker:
            out.append(marker)
        elif tag in CELL_TAGS:
            out.append(" ")
    _text(element.tail, out, in_pre)


def _text(value: str | None, out: list[str], in_pre: bool) -> None:
    if not value:
        return
    if in_pre:
        out.append(
            value.replace("\r\n", "\n").replace("\xa0", " ").replace(" ", _PRE_SPACE)
            .replace("\t", _PRE_SPACE * 4).replace("\n", _BR)
        )
    else:
        out.append(_WHITESPACE.sub(" ", value))


def _break_for(run: str) -> str:
    newlines = run.count(_BR)
    if _PARA in run:
        newlines = max(newlines, 2)
    elif _LINE in run:
        newlines = max(newlines, 1)
    return "\n" * min(newlines, 2)


def _assemble(raw: str) -> str:
    text = _SPACES_AROUND_BREAKS.sub(lambda m: m.group(1), re.sub(" {2,}", " ", raw))
    text = text.strip(" " + _BR + _LINE + _PARA)
    text = re.sub(f"[{_BR}{_LINE}{_PARA}]+", lambda m: _break_for(m.group(0)), text)
    return text.replace(_PRE_SPACE, " ")

"""User search text -> safe backend queries: words and "quoted phrases", never query syntax."""

from __future__ import annotations

import re

_TERM = re.compile(r'"([^"]*)"|(\S+)')


def parse_terms(query: str) -> list[str]:
    """Words and quoted phrases; terms without a letter or digit are dropped (they match nothing)."""
    terms = []
    for phrase, word in _TERM.findall(query or ""):
        term = (phrase or word).strip()
        if any(ch.isalnum() for ch in term):
            terms.append(term)
    return terms


def fts_query(query: str) -> str:
    """An FTS5 MATCH expression where every term is a quoted phrase, all required.

    Quoting each term turns FTS5 operators (AND, OR, NEAR, ``*``, ``:``, ``^``, parentheses)
    typed by a user into plain text, so no input can raise a syntax error.
    """
    return " ".join('"' + term.replace('"', '""') + '"' for term in parse_terms(query))

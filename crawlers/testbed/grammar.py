"""A tiny template grammar: ``[a|b|c]`` picks one, ``{slot}`` expands a named lexicon entry.

Templates are compiled once into nested tuples/lists so that expanding one costs a few
microseconds: a million posts must generate in about a minute.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from random import Random
from typing import Any, Union

# Node = str (literal) | Slot | Choice (list of alternatives) | Seq (tuple of nodes)
Node = Union[str, "Slot", list, tuple]


class Slot:
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"Slot({self.name!r})"


class GrammarError(ValueError):
    """A template does not parse (unbalanced brackets, an unknown slot)."""


def compile_template(text: str) -> Node:
    """``"[hi|hey] {name}"`` -> a node that :func:`expand` turns into text."""
    node, end = _parse_seq(text, 0, top=True)
    if end != len(text):
        raise GrammarError(f"unexpected {text[end]!r} at {end} in {text!r}")
    return node


def _parse_seq(text: str, i: int, top: bool) -> tuple[Node, int]:
    parts: list[Node] = []
    literal: list[str] = []
    while i < len(text):
        ch = text[i]
        if ch == "[":
            if literal:
                parts.append("".join(literal))
                literal = []
            choice, i = _parse_choice(text, i + 1)
            parts.append(choice)
            continue
        if ch == "{":
            end = text.find("}", i)
            if end < 0:
                raise GrammarError(f"unclosed {{ at {i} in {text!r}")
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(Slot(text[i + 1 : end]))
            i = end + 1
            continue
        if ch in "|]" and not top:
            break
        if ch in "|]" and top:
            raise GrammarError(f"unexpected {ch!r} at {i} in {text!r}")
        literal.append(ch)
        i += 1
    if literal:
        parts.append("".join(literal))
    if len(parts) == 1:
        return parts[0], i
    return tuple(parts), i


def _parse_choice(text: str, i: int) -> tuple[list, int]:
    alternatives: list[Node] = []
    while True:
        node, i = _parse_seq(text, i, top=False)
        alternatives.append(node if node != () else "")
        if i >= len(text):
            raise GrammarError(f"unclosed [ in {text!r}")
        if text[i] == "|":
            i += 1
            continue
        return alternatives, i + 1  # past "]"


class Lexicon:
    """Named lists of compiled templates; ``{name}`` in a template picks one of them."""

    def __init__(self, entries: Mapping[str, Sequence[str]] | None = None):
        self.entries: dict[str, list[Node]] = {}
        for name, values in (entries or {}).items():
            self.add(name, values)

    def add(self, name: str, values: Sequence[str]) -> None:
        if isinstance(values, str):
            raise GrammarError(f"lexicon entry {name!r} must be a list of templates")
        self.entries[name] = [compile_template(v) for v in values]

    def extended(self, entries: Mapping[str, Sequence[str]]) -> Lexicon:
        """A copy with some entries added or replaced (e.g. one category's vocabulary)."""
        child = Lexicon()
        child.entries = dict(self.entries)
        for name, values in entries.items():
            child.add(name, values)
        return child

    def check(self, node: Node, where: str = "") -> None:
        """Raise if a template refers to a slot nobody defines (caught by the unit tests)."""
        if isinstance(node, Slot):
            if node.name not in self.entries:
                raise GrammarError(f"unknown slot {{{node.name}}} {where}")
        elif isinstance(node, list | tuple):
            for child in node:
                self.check(child, where)


def expand(node: Node, rng: Random, lexicon: Lexicon, fixed: Mapping[str, str] | None = None) -> str:
    """Text for a compiled node. ``fixed`` pins slots to one value (the same target throughout)."""
    out: list[str] = []
    _expand(node, rng.random, lexicon.entries, fixed or {}, out)
    return tidy("".join(out))


def _expand(node: Any, rnd, entries: dict, fixed: Mapping[str, str], out: list[str]) -> None:
    # Hot path: a million posts expand ~10 million nodes, so common shapes are unrolled here.
    kind = type(node)
    if kind is str:
        out.append(node)
        return
    if kind is list:
        node = node[int(rnd() * len(node))]
        if type(node) is str:
            out.append(node)
        else:
            _expand(node, rnd, entries, fixed, out)
        return
    if kind is tuple:
        for child in node:
            child_kind = type(child)
            if child_kind is str:
                out.append(child)
            elif child_kind is list:
                pick = child[int(rnd() * len(child))]
                if type(pick) is str:
                    out.append(pick)
                else:
                    _expand(pick, rnd, entries, fixed, out)
            else:
                _expand(child, rnd, entries, fixed, out)
        return
    name = node.name
    if name in fixed:
        out.append(fixed[name])
        return
    options = entries[name]
    _expand(options[int(rnd() * len(options))], rnd, entries, fixed, out)


_SPACE_RUNS = re.compile(r"[ ]{2,}")
_SPACE_BEFORE_PUNCT = re.compile(r" +([,.;:!?])(?=\s|$)")


def tidy(text: str) -> str:
    """Collapse the double spaces and " ," that empty alternatives leave behind."""
    if "  " in text:
        text = _SPACE_RUNS.sub(" ", text)
    if " ," in text or " ." in text:
        text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    return text.strip()

"""Docs stay true: every CLI verb and sub-verb is named in the README (datasette's test_docs habit)."""

from __future__ import annotations

import click
import pytest

from misusewatch.cli import cli
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def _verbs() -> list[str]:
    names = []
    for name, command in cli.commands.items():
        names.append(name)
        if isinstance(command, click.Group):
            names += [f"{name} {sub}" for sub in command.commands]
    return sorted(names)


@pytest.mark.parametrize("verb", _verbs())
def test_every_verb_is_in_the_readme(verb: str):
    group, _, sub = verb.partition(" ")
    assert f"`{group}" in README or f"misusewatch {group}" in README, f"README does not mention {group!r}"
    if sub:
        assert sub in README, f"README does not mention '{verb}'"


@pytest.mark.parametrize("verb", [v for v in _verbs() if " " not in v])
def test_every_verb_has_help(verb: str):
    command = cli.commands[verb]
    assert command.help and command.help.strip(), f"{verb} has no --help text"

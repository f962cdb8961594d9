"""Registries: built-ins and plugins register and are created the same way."""

from __future__ import annotations

import pytest

from misusewatch.registry import Registry, UnknownNameError


def test_create_overlays_config_on_defaults():
    reg: Registry[dict] = Registry("widget")

    @reg.register("box", defaults={"size": 1, "colour": "red"})
    def make_box(size, colour):
        """A box."""
        return {"size": size, "colour": colour}

    assert reg.create("box", {"size": 3}) == {"size": 3, "colour": "red"}
    assert reg.names() == ["box"] and "box" in reg
    assert reg.get("box").doc == "A box."


def test_unknown_names_and_settings_are_clear():
    reg: Registry[int] = Registry("detector")
    reg.register("one", defaults={"x": 1})(lambda x: x)
    with pytest.raises(UnknownNameError, match="unknown detector 'two' \\(known: one\\)"):
        reg.create("two")
    with pytest.raises(UnknownNameError, match="unknown setting"):
        reg.create("one", {"y": 2})

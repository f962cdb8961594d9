"""docs/alerts.md documents every rule (and its params) and every alert setting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from misusewatch.alerting import settings as alert_settings
from misusewatch.alerting import stakeholders
from misusewatch.notify import notifiers
from threat_model.rules import rules

DOC = (Path(__file__).resolve().parents[2] / "docs" / "alerts.md").read_text()


def section(rule_id: str) -> str:
    match = re.search(rf"^### `{re.escape(rule_id)}`\n(.*?)(?=^#)", DOC, re.M | re.S)
    assert match, f"docs/alerts.md has no '### `{rule_id}`' section"
    return match.group(1)


@pytest.mark.parametrize("rule_id", rules.names())
def test_every_rule_is_documented_with_its_params(rule_id):
    text = section(rule_id)
    for param in rules.get(rule_id).defaults:
        assert f"`{param}" in text, f"{rule_id}: param {param} undocumented"


@pytest.mark.parametrize("key", sorted(
    stakeholders._KEYS
    | {f"interests.{k}" for k in stakeholders._INTEREST_KEYS}
    | {f"webhook.{k}" for k in stakeholders._WEBHOOK_KEYS}
    | alert_settings._KEYS
    | set(notifiers.get("email").defaults)
    | set(notifiers.get("webhook").defaults)
))
def test_every_setting_is_documented(key):
    assert f"`{key}`" in DOC


@pytest.mark.parametrize("block", re.findall(r"```toml\n(.*?)```", DOC, re.S))
def test_every_toml_example_is_a_valid_config(tmp_path, block):
    from misusewatch.alerting.settings import load_alert_settings
    from misusewatch.config import load_settings

    path = tmp_path / "misusewatch.toml"
    path.write_text(block)
    load_alert_settings(load_settings(path, env={}))

"""docs/dashboard.md stays true: every [dashboard] setting, page, role and screenshot it names exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from dashboard.auth import ROLES
from dashboard.config import KEYS
from dashboard.navigation import PAGE_TABLE
from misusewatch.cli import cli

REPO = Path(__file__).resolve().parents[2]
DOC = (REPO / "docs" / "dashboard.md").read_text()


@pytest.mark.parametrize("key", sorted(KEYS))
def test_every_dashboard_setting_is_documented(key):
    assert re.search(rf"^\| `\[dashboard\]` \| `{key}` \|", DOC, flags=re.M)


@pytest.mark.parametrize("title", [row[1] for row in PAGE_TABLE])
def test_every_page_has_a_section(title):
    assert f"\n### {title}\n" in DOC


@pytest.mark.parametrize("role", ROLES)
def test_every_role_is_in_the_table(role):
    assert f"| `{role}` |" in DOC


def test_screenshots_referenced_exist():
    for path in re.findall(r"\]\((screenshots/[^)]+\.png)\)", DOC):
        assert (REPO / "docs" / path).is_file(), path


def test_unknown_dashboard_key_is_a_one_line_error(tmp_path):
    config = tmp_path / "misusewatch.toml"
    config.write_text('[dashboard]\nuser_file = "typo.toml"\n')
    result = CliRunner().invoke(cli, ["--config", str(config), "dashboard"], catch_exceptions=False)
    assert result.exit_code == 2
    assert "unknown key(s) ['user_file']" in result.output and "Traceback" not in result.output

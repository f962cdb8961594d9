"""Stakeholder and [alerts] configuration: the demo default loads, mistakes get clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from misusewatch.alerting.settings import load_alert_settings
from misusewatch.config import ConfigError, load_settings

REPO = Path(__file__).resolve().parents[2]

GOOD = """
[[alerts.stakeholders]]
name = "ts"
email = "ts@lab.test"
tlp = "amber+strict"
"""


def load(tmp_path: Path, text: str):
    path = tmp_path / "misusewatch.toml"
    path.write_text(text)
    return load_alert_settings(load_settings(path, env={}))


def test_the_demo_stakeholders_file_is_valid(tmp_path):
    (tmp_path / "stakeholders.toml").write_text((REPO / "stakeholders.toml").read_text())
    cfg = load(tmp_path, "")
    names = [s.name for s in cfg.stakeholders]
    assert names == ["release-committee", "trust-and-safety", "ops-on-call", "example-news"]
    news = cfg.stakeholder("example-news")
    assert news.tlp == "amber" and news.digest == "hourly"
    assert news.watch_terms == ("Example News", "examplenews.com")
    assert cfg.stakeholder("ops-on-call").webhook.format == "slack"


def test_config_and_file_stakeholders_combine_and_rules_take_overrides(tmp_path):
    (tmp_path / "more.toml").write_text('[[stakeholders]]\nname = "ops"\nwebhook = "http://h/x"\n')
    cfg = load(tmp_path, """
[alerts]
stakeholders_file = "more.toml"
[alerts.rules.source_silent]
runs = 5
severity = "high"
tlp = "TLP:RED"
[alerts.rules.discussion_spike]
enabled = false
""" + GOOD)
    assert [s.name for s in cfg.stakeholders] == ["ts", "ops"]
    silent = cfg.rule("source_silent")
    assert (silent.runs, silent.severity, silent.tlp) == (5, "high", "red")
    assert cfg.rule("discussion_spike") is None


@pytest.mark.parametrize("entry, error", [
    ('name = "x"', "needs at least one channel"),
    ('email = "a@b.test"', "name is required"),
    ('name = "x"\nemail = "not-an-address"', "is not an email address"),
    ('name = "x"\nemail = "a@b.test"\ntlp = "purple"', "TLP 'purple' is not one of"),
    ('name = "x"\nemail = "a@b.test"\ndigest = "weekly"', "digest 'weekly'"),
    ('name = "x"\nemail = "a@b.test"\nemial = "typo"', "unknown key(s) ['emial']"),
    ('name = "x"\nwebhook = "ftp://h"', "must be an http(s):// URL"),
    ('name = "x"\nwebhook = { url = "http://h", secret = "hunter2" }', "never put a secret"),
    ('name = "x"\nwebhook = { url = "http://h", secret_env = "not a name" }', "environment variable"),
    ('name = "x"\nwebhook = { url = "http://h", format = "teams" }', "format 'teams'"),
    ('name = "x"\nemail = "a@b.test"\ninterests = { categories = ["memes"] }', "unknown ['memes']"),
    ('name = "x"\nemail = "a@b.test"\ninterests = { rules = ["nope"] }', "unknown ['nope']"),
    ('name = "x"\nemail = "a@b.test"\ninterests = { min_severity = "urgent" }', "min_severity"),
    ('name = "x"\nemail = "a@b.test"\nmax_per_hour = -1', "max_per_hour"),
])
def test_bad_stakeholders_are_refused_with_the_file_and_entry(tmp_path, entry, error):
    with pytest.raises(ConfigError) as exc:
        load(tmp_path, f"[[alerts.stakeholders]]\n{entry}\n")
    assert error in str(exc.value)
    assert str(tmp_path / "misusewatch.toml") in str(exc.value)
    assert "stakeholders[0]" in str(exc.value)


@pytest.mark.parametrize("text, error", [
    (GOOD + GOOD, "duplicate name 'ts'"),
    ("[alerts]\nretries = 3\n", "unknown key(s) ['retries']"),
    ("[alerts.rules.nope]\n", "unknown rule(s) ['nope']"),
    ("[alerts.rules.source_silent]\nrun = 3\n", "unknown setting(s) ['run']"),
    ("[alerts.rules.source_silent]\nseverity = \"urgent\"\n", "severity 'urgent'"),
    ("[alerts.rules.source_silent]\nruns = 0\n", "runs must be 1 or more"),
    ("[alerts.smtp]\npassword = \"x\"\n", "never put a secret"),
    ("[alerts.smtp]\nhots = \"x\"\n", "unknown setting(s) ['hots']"),
    ("[alerts]\nstakeholders_file = \"missing.toml\"\n", "not found"),
    ("[alerts]\ndigest_hour = 25\n", "digest_hour"),
    ("[[alerts.snooze]]\nuntil = 2030-01-01T00:00:00Z\n", "name at least one of"),
    ("[[alerts.snooze]]\nrule = \"nope\"\n", "unknown rule 'nope'"),
])
def test_bad_alert_settings_are_refused(tmp_path, text, error):
    with pytest.raises(ConfigError) as exc:
        load(tmp_path, text)
    assert error in str(exc.value)

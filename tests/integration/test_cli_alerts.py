"""``misusewatch alerts ...`` through the real console entry point on a seeded SQLite file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alerting_support import free_port, seed_store, write_config

from misusewatch.records import Assessment
from misusewatch.store import open_store

pytestmark = pytest.mark.integration


def run(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "misusewatch.cli", "--store", f"sqlite:///{workdir / 'a.db'}",
         "--config", str(workdir / "misusewatch.toml"), "alerts", *args],
        cwd=workdir, capture_output=True, text=True, timeout=120)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    store = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    seed_store(store)
    store.close()
    # Nothing listens on these ports: every send fails, which is what a down server looks like.
    write_config(tmp_path / "misusewatch.toml", smtp_port=free_port(),
                 hook_url=f"http://127.0.0.1:{free_port()}")
    return tmp_path


def test_test_rule_shows_firings_and_recipients_without_storing(workdir):
    result = run(workdir, "test-rule", "plan_names_stakeholder")
    assert result.returncode == 0, result.stderr
    assert "plan_names_stakeholder: 2 firing(s)" in result.stdout
    assert "would go to: committee, trust-safety, news" in result.stdout
    assert "would go to: committee, trust-safety, reviews" in result.stdout
    listed = run(workdir, "list")
    assert listed.returncode == 0 and listed.stdout == ""


def test_test_rule_says_regrouped_posts_were_already_alerted(workdir):
    assert run(workdir, "run", "--no-deliver").returncode == 0
    store = open_store(f"sqlite:///{workdir / 'a.db'}")
    ids = [p.id for p in store.get_posts([f"discourse:forum.example:{t}:1" for t in (100, 300)])]
    store.write_assessment(Assessment(id="campaign_clusters", kind="campaign_clusters",
                                      data={"clusters": [{"id": "cluster:c1", "posts": ids}]}))
    store.close()
    result = run(workdir, "test-rule", "tier2_code_sharing")
    assert result.returncode == 0, result.stderr
    assert "dedup key cluster:cluster:c1; 2 post(s); already alerted (its posts, under another " \
           "grouping)" in result.stdout
    again = run(workdir, "run", "--no-deliver")
    assert "alerts: 0 new, 8 already alerted" in again.stdout  # a1 split from a2: 8 firings


def test_run_with_servers_down_exits_zero_and_reports_pending(workdir):
    result = run(workdir, "run")
    assert result.returncode == 0, result.stderr
    assert "alerts: 7 new, 0 already alerted, 0 snoozed; 14 deliveries queued" in result.stdout
    assert "0 message(s) sent" in result.stdout and "14 retrying" in result.stdout
    assert "pending: news via email" in result.stdout
    listed = run(workdir, "list", "--deliveries")
    assert listed.stdout.count("[0 sent, ") == 7
    assert "sending: news via email, attempt 1" in listed.stdout
    again = run(workdir, "run", "--no-deliver")
    assert "alerts: 0 new, 7 already alerted" in again.stdout
    assert run(workdir, "retry", "--all").stdout == "0 failed deliveries re-queued\n"


def test_rules_and_stakeholders_are_listed(workdir):
    rules = run(workdir, "rules")
    assert rules.returncode == 0
    for rule_id in ("tier2_code_sharing", "plan_names_stakeholder", "synthetic_prevalence",
                    "discussion_spike", "first_code_after_stage", "source_silent"):
        assert rule_id in rules.stdout
    assert "TLP:RED" in rules.stdout  # the config's override of first_code_after_stage
    people = run(workdir, "stakeholders")
    assert people.returncode == 0
    assert "news: TLP:AMBER clearance" in people.stdout
    assert "MISUSEWATCH_TEST_WEBHOOK_SECRET is not set" in people.stderr


def test_snooze_command_records_a_label_that_silences(workdir):
    result = run(workdir, "snooze", "--rule", "source_silent", "--author", "kim")
    assert result.returncode == 0 and "rule source_silent: snooze forever" in result.stdout
    run(workdir, "run", "--no-deliver")
    assert "snoozed" in run(workdir, "list", "--status", "snoozed").stdout


@pytest.mark.parametrize("args, config, error", [
    (["test-rule", "nope"], None, "unknown rule 'nope'"),
    (["run"], '[[alerts.stakeholders]]\nname = "x"\n', "needs at least one channel"),
    (["run", "--rule", "nope"], None, "unknown or disabled rule(s) ['nope']"),
    (["snooze"], None, "name exactly one of"),
    (["retry"], None, "give either --alert ID or --all"),
    (["retry", "--alert", "alert:nope"], None, "no alert 'alert:nope'"),
])
def test_user_errors_are_one_line_with_exit_2(workdir, args, config, error):
    if config is not None:
        (workdir / "misusewatch.toml").write_text(config)
    result = run(workdir, *args)
    assert result.returncode == 2
    assert error in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1

"""Alerts page: what was sent to whom, failures, snoozes; a stakeholder sees only alerts addressed to them."""

from __future__ import annotations

from datetime import UTC, datetime

from misusewatch.records import Label
from misusewatch.store import open_store
from tests.dashboard.conftest import frame_with, html_bodies, no_exceptions, open_page


def test_analyst_sees_alerts_deliveries_and_failures(seeded, app_for):
    at = open_page(app_for(seeded), "alerts")
    no_exceptions(at)
    alerts = frame_with(at, "severity", "rule", "title", "sent to", "failed")
    assert set(alerts["id"]) == {"alert-1", "alert-2", "alert-3"}
    failed = frame_with(at, "alert", "recipient", "last error")
    assert list(failed["last error"]) == ["SMTP 550: mailbox unavailable"]
    at.selectbox(key="al_alert").select("alert-1").run()
    deliveries = frame_with(at, "recipient", "channel", "status", "attempts", "sent at")
    assert set(deliveries["recipient"]) == {"release-committee", "trust-and-safety"}


def test_snooze_is_a_label(writable, app_for):
    at = open_page(app_for(writable, name="alice"), "alerts")
    at.selectbox(key="al_target_type").select("source")
    at.text_input(key="al_target_id").input("testbed-phpbb")
    at.selectbox(key="al_duration").select("1 week")
    at.text_input(key="al_note").input("known outage")
    at = next(b for b in at.button if b.label == "Save").click().run()
    no_exceptions(at)
    store = open_store(writable["url"])
    label = store.list_labels(kind="snooze")[0]
    store.close()
    assert (label.target_type, label.target_id, label.author, label.note) == (
        "source", "testbed-phpbb", "alice", "known outage")
    assert label.value.endswith("Z")  # an ISO time a week ahead
    assert "source testbed-phpbb" in set(frame_with(at, "target", "until", "by")["target"])


def test_stakeholder_sees_only_their_alerts(seeded, app_for):
    at = open_page(app_for(seeded, role="stakeholder", stakeholder="example-news"), "alerts")
    no_exceptions(at)
    alerts = frame_with(at, "severity", "rule", "title")
    assert list(alerts["id"]) == ["alert-2"]
    assert set(frame_with(at, "alert", "recipient")["recipient"]) == {"example-news"}
    assert not any(b.label == "Save" for b in at.button)  # no snoozing
    assert "release-committee" not in "".join(html_bodies(at)) + str([d.value for d in at.dataframe])


def test_stakeholder_with_no_alerts(seeded, app_for):
    at = open_page(app_for(seeded, role="stakeholder", stakeholder="nobody-at-all"), "alerts")
    no_exceptions(at)
    assert at.info[0].value == "No alerts."


def test_expired_snooze_is_not_listed_as_active(writable, app_for):
    """The page lists snoozes by the alerting job's rule: a timed snooze whose time has passed
    no longer silences anything, so it is not shown as active."""
    store = open_store(writable["url"])
    created = datetime(2020, 1, 1, tzinfo=UTC)
    store.add_label(Label("rule", "deployment_spike", "snooze", "2020-01-02T00:00:00Z", "alice", "one day",
                          created_at=created))
    store.add_label(Label("source", "testbed-4chan", "snooze", "forever", "alice", "noisy", created_at=created))
    store.close()
    at = open_page(app_for(writable), "alerts")
    no_exceptions(at)
    targets = set(frame_with(at, "target", "until", "by")["target"])
    assert "source testbed-4chan" in targets and "rule deployment_spike" not in targets

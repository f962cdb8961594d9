"""Routing: TLP clearance and interests decide who may receive an alert; digests and ids."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime

import pytest

from misusewatch.alerting.delivery import backoff
from misusewatch.alerting.outbox import alert_id, digest_window, idempotency_key, window_end
from misusewatch.alerting.routing import refusal
from misusewatch.alerting.settings import AlertSettings
from misusewatch.alerting.stakeholders import Interests, Stakeholder
from misusewatch.records import Alert
from threat_model.rules import TLP_LEVELS


def alert(tlp="amber", severity="high", rule="tier2_code_sharing", categories=("disinformation",),
          subjects=("Example News",), audience="misuse", body="A post.") -> Alert:
    return Alert(id="a1", rule_id=rule, severity=severity, title="Tier 2 actor shares code",
                 body=body, dedup_key="thread:x", tlp=tlp,
                 data={"categories": list(categories), "subjects": list(subjects),
                       "audience": audience})


def person(tlp="red", **interests) -> Stakeholder:
    return Stakeholder(name="s", tlp=tlp, email=("s@x.test",), interests=Interests(**interests))


@pytest.mark.parametrize("alert_tlp, clearance", list(itertools.product(TLP_LEVELS, TLP_LEVELS)))
def test_tlp_never_exceeds_clearance(alert_tlp, clearance):
    allowed = TLP_LEVELS.index(alert_tlp) <= TLP_LEVELS.index(clearance)
    reason = refusal(alert(tlp=alert_tlp), person(tlp=clearance))
    assert (reason is None) is allowed
    if not allowed:
        assert "clearance" in reason


@pytest.mark.parametrize("interests, kw, receives", [
    ({}, {}, True),
    ({"min_severity": "critical"}, {}, False),
    ({"min_severity": "high"}, {}, True),
    ({"categories": ("disinformation", "spam")}, {}, True),
    ({"categories": ("spam",)}, {}, False),
    ({"categories": ("spam",)}, {"categories": ()}, False),      # uncategorised alerts
    ({"organisations": ("Example News",)}, {}, True),
    ({"organisations": ("Other Org",)}, {}, False),
    ({"keywords": ("post",)}, {"subjects": ()}, True),            # keywords search the body too
    ({"domains": ("examplenews.com",)}, {"subjects": ("mail.examplenews.com",)}, True),
    ({"rules": ("plan_names_stakeholder",)}, {}, False),
    ({"rules": ("tier2_code_sharing",)}, {}, True),
    ({}, {"rule": "source_silent", "audience": "operations"}, False),   # ops must opt in
    ({"rules": ("source_silent",)}, {"rule": "source_silent", "audience": "operations"}, True),
])
def test_interests(interests, kw, receives):
    assert (refusal(alert(**kw), person(**interests)) is None) is receives


@pytest.mark.parametrize("created, schedule, start", [
    (datetime(2024, 3, 4, 10, 20, tzinfo=UTC), "immediate", None),
    (datetime(2024, 3, 4, 10, 20, tzinfo=UTC), "hourly", datetime(2024, 3, 4, 10, tzinfo=UTC)),
    (datetime(2024, 3, 4, 10, 20, tzinfo=UTC), "daily", datetime(2024, 3, 4, 8, tzinfo=UTC)),
    (datetime(2024, 3, 4, 7, 59, tzinfo=UTC), "daily", datetime(2024, 3, 3, 8, tzinfo=UTC)),
    (datetime(2024, 3, 4, 8, 0, tzinfo=UTC), "daily", datetime(2024, 3, 4, 8, tzinfo=UTC)),
])
def test_digest_windows(created, schedule, start):
    assert digest_window(created, schedule, digest_hour=8) == start
    if start is not None:
        assert start <= created < window_end(start, schedule)


def test_ids_are_deterministic_and_distinct():
    assert alert_id("r", "thread:1") == alert_id("r", "thread:1") != alert_id("r", "thread:2")
    assert alert_id("r", "k") != alert_id("q", "k")
    keys = {idempotency_key("a", r, c) for r in ("x", "y") for c in ("email", "webhook")}
    assert len(keys) == 4


@pytest.mark.parametrize("attempts, low, high", [(1, 30, 60), (2, 60, 120), (5, 480, 960),
                                                 (20, 1800, 3600)])
def test_backoff_is_exponential_jittered_and_capped(attempts, low, high):
    cfg = AlertSettings(stakeholders=[], rules=[], notifiers={}, backoff_base_s=60,
                        backoff_max_s=3600)
    rng = random.Random(attempts)
    delays = [backoff(attempts, cfg, rng).total_seconds() for _ in range(50)]
    assert all(low <= d <= high for d in delays)
    assert len(set(delays)) > 1  # jitter: retries of many deliveries do not stampede together

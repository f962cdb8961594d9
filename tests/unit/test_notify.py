"""Notifiers without a network: the signed webhook request, the email headers, Slack format."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from misusewatch.alerting.stakeholders import Stakeholder, Webhook
from misusewatch.notify import (
    EMAIL_IDEMPOTENCY_HEADER,
    DeliveryError,
    Message,
    notifiers,
    sign,
    verify,
)

MESSAGE = Message(idempotency_key="k123", recipient="ts", subject="[TLP:AMBER] [high] Title",
                  text="TLP:AMBER\nbody", payload={"idempotency_key": "k123", "alerts": []})


def hooked(fmt="json", secret_env="HOOK_SECRET") -> Stakeholder:
    return Stakeholder(name="ts", tlp="amber", webhook=Webhook("http://127.0.0.1:9/x", secret_env, fmt))


def test_signature_is_hmac_sha256_over_timestamp_dot_body():
    body = b'{"a":1}'
    expected = hmac.new(b"secret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign("secret", "1700000000", body) == f"sha256={expected}"


@pytest.mark.parametrize("secret, timestamp, body, now, ok", [
    ("secret", "1700000000", b"{}", 1700000100, True),
    ("wrong", "1700000000", b"{}", 1700000100, False),
    ("secret", "1700000000", b"{ }", 1700000100, False),     # body changed in transit
    ("secret", "1700000000", b"{}", 1700009999, False),      # replayed long after
    ("secret", "not-a-time", b"{}", 1700000100, False),
])
def test_verify(secret, timestamp, body, now, ok):
    signature = sign("secret", "1700000000", b"{}")
    assert verify(secret, timestamp, body, signature, now=now) is ok


def test_webhook_request_is_signed_and_carries_the_idempotency_key(monkeypatch):
    monkeypatch.setenv("HOOK_SECRET", "s")
    request = notifiers.create("webhook").request(MESSAGE, hooked(), timestamp="1700000000")
    headers = {k.lower(): v for k, v in request.header_items()}
    assert headers["idempotency-key"] == "k123"
    assert headers["x-misusewatch-timestamp"] == "1700000000"
    assert verify("s", "1700000000", request.data, headers["x-misusewatch-signature"], max_age_s=None)
    assert json.loads(request.data) == MESSAGE.payload


def test_slack_format_sends_text(monkeypatch):
    monkeypatch.setenv("HOOK_SECRET", "s")
    request = notifiers.create("webhook").request(MESSAGE, hooked("slack"))
    assert json.loads(request.data) == {"text": "*[TLP:AMBER] [high] Title*\nTLP:AMBER\nbody"}


def test_a_missing_secret_variable_keeps_the_delivery_waiting(monkeypatch):
    monkeypatch.delenv("HOOK_SECRET", raising=False)
    with pytest.raises(DeliveryError) as exc:
        notifiers.create("webhook").request(MESSAGE, hooked())
    assert "HOOK_SECRET" in str(exc.value) and not exc.value.permanent


def test_email_headers_carry_the_stable_key_and_tlp():
    person = Stakeholder(name="c", tlp="red", email=("a@x.test", "b@x.test"))
    mail = notifiers.create("email", {"sender": "mw@lab.test"}).build(MESSAGE, person)
    assert mail["To"] == "a@x.test, b@x.test" and mail["From"] == "mw@lab.test"
    assert mail["Message-ID"] == "<k123@misusewatch.invalid>"
    assert mail[EMAIL_IDEMPOTENCY_HEADER] == "k123"
    assert mail["X-Misusewatch-TLP"] == "TLP:AMBER"

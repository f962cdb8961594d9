"""Email and webhook delivery behind one Notifier protocol, registered by channel name."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Protocol, runtime_checkable

from misusewatch.alerting.stakeholders import Stakeholder
from misusewatch.registry import Registry

SIGNATURE_HEADER = "X-Misusewatch-Signature"
TIMESTAMP_HEADER = "X-Misusewatch-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
EMAIL_IDEMPOTENCY_HEADER = "X-Misusewatch-Idempotency-Key"
USER_AGENT = "misusewatch-alerts/0.1"
# Retrying these can succeed; any other 4xx means the request itself is wrong.
_RETRYABLE_HTTP = {408, 425, 429}


class DeliveryError(Exception):
    """A send failed. ``permanent`` ones are not retried (a 4xx, a refused recipient)."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


@dataclass(slots=True)
class Message:
    """One message to one stakeholder on one channel: an alert or a digest of several."""

    idempotency_key: str
    recipient: str
    subject: str
    text: str
    payload: dict[str, Any] = field(default_factory=dict)
    tlp: str = "amber"


@runtime_checkable
class Notifier(Protocol):
    channel: str

    def send(self, message: Message, stakeholder: Stakeholder) -> None:
        """Deliver or raise DeliveryError; returning means the server accepted it."""


notifiers: Registry[Notifier] = Registry("notifier")


def _env(name: str | None) -> str | None:
    if not name:
        return None
    value = os.environ.get(name)
    if not value:
        # Transient on purpose: the delivery waits until the operator sets the variable.
        raise DeliveryError(f"environment variable {name} is not set")
    return value


# ---------------------------------------------------------------- email


@notifiers.register("email", defaults={
    "host": "localhost", "port": 25, "starttls": False, "ssl": False, "ca_file": None,
    "username_env": None, "password_env": None, "sender": "misusewatch@localhost",
    "timeout_s": 30.0,
})
class EmailNotifier:
    """SMTP via the standard library; STARTTLS when configured; credentials from environment."""

    channel = "email"

    def __init__(self, host: str, port: int, starttls: bool, ssl: bool, ca_file: str | None,
                 username_env: str | None, password_env: str | None, sender: str,
                 timeout_s: float):
        self.host, self.port, self.sender = host, int(port), sender
        self.starttls, self.use_ssl, self.timeout_s = bool(starttls), bool(ssl), float(timeout_s)
        self.ca_file = ca_file  # an internal CA's bundle; default: the system's trust store
        self.username_env, self.password_env = username_env, password_env

    def build(self, message: Message, stakeholder: Stakeholder) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = ", ".join(stakeholder.email)
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(usegmt=True)
        # A stable Message-ID lets a mail system (and a person) spot a resend after a crash.
        mail["Message-ID"] = f"<{message.idempotency_key}@misusewatch.invalid>"
        mail[EMAIL_IDEMPOTENCY_HEADER] = message.idempotency_key
        mail["X-Misusewatch-TLP"] = f"TLP:{message.tlp.upper()}"
        mail.set_content(message.text)
        return mail

    def send(self, message: Message, stakeholder: Stakeholder) -> None:
        mail = self.build(message, stakeholder)
        username, password = _env(self.username_env), _env(self.password_env)
        context = ssl.create_default_context(cafile=self.ca_file)
        try:
            if self.use_ssl:
                smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout_s,
                                        context=context)
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
            with smtp:
                if self.starttls and not self.use_ssl:
                    smtp.starttls(context=context)
                if username:
                    smtp.login(username, password or "")
                smtp.send_message(mail)
        except smtplib.SMTPAuthenticationError as exc:
            # Wrong credentials are fixed in the environment; until then the alerts wait.
            raise DeliveryError(f"SMTP {self.host}:{self.port}: authentication failed "
                                f"({exc.smtp_code})") from None
        except smtplib.SMTPRecipientsRefused as exc:
            codes = {code for code, _ in exc.recipients.values()}
            raise DeliveryError(f"SMTP refused recipients: {exc.recipients}",
                                permanent=all(c >= 500 for c in codes)) from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}",
                                permanent=exc.smtp_code >= 500) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP {self.host}:{self.port}: {exc}") from None


# ---------------------------------------------------------------- webhook


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 over ``<timestamp>.<raw body>`` (see docs/alerts.md)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str,
           *, max_age_s: float | None = 300, now: float | None = None) -> bool:
    """What a receiver runs: constant-time compare, and reject stale timestamps (replays)."""
    if max_age_s is not None:
        try:
            age = (time.time() if now is None else now) - int(timestamp)
        except ValueError:
            return False
        if abs(age) > max_age_s:
            return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def slack_body(message: Message) -> dict[str, Any]:
    """Slack incoming-webhook format: mrkdwn text (headline + body)."""
    return {"text": f"*{message.subject}*\n{message.text}"}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirected POST would be replayed as a GET (and carry our signature elsewhere)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError with the 3xx


_opener = urllib.request.build_opener(_NoRedirect)


@notifiers.register("webhook", defaults={"timeout_s": 10.0})
class WebhookNotifier:
    """JSON POST signed with HMAC-SHA256 (or a Slack-compatible body), via urllib."""

    channel = "webhook"

    def __init__(self, timeout_s: float):
        self.timeout_s = float(timeout_s)

    def request(self, message: Message, stakeholder: Stakeholder,
                timestamp: str | None = None) -> urllib.request.Request:
        hook = stakeholder.webhook
        assert hook is not None
        payload = slack_body(message) if hook.format == "slack" else message.payload
        body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
        timestamp = timestamp or str(int(time.time()))
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
                   IDEMPOTENCY_HEADER: message.idempotency_key, TIMESTAMP_HEADER: timestamp}
        secret = _env(hook.secret_env)
        if secret:
            headers[SIGNATURE_HEADER] = sign(secret, timestamp, body)
        return urllib.request.Request(hook.url, data=body, headers=headers, method="POST")

    def send(self, message: Message, stakeholder: Stakeholder) -> None:
        request = self.request(message, stakeholder)
        try:
            with _opener.open(request, timeout=self.timeout_s) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            # 3xx: the URL moved and the config needs updating; other 4xx: the request is wrong.
            permanent = 300 <= exc.code < 500 and exc.code not in _RETRYABLE_HTTP
            raise DeliveryError(f"webhook {request.full_url}: HTTP {exc.code} {exc.reason}",
                                permanent=permanent) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DeliveryError(f"webhook {request.full_url}: {reason}") from None

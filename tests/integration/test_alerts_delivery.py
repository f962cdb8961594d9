"""Alerts end to end: a seeded store (each backend), a real SMTP server and a real webhook receiver.

Expected routing of the seeded store (see alerting_support.seed_store):
  tier2_code_sharing   thread 100 (mallory, tier 2, names Example News)  TLP:AMBER
  tier2_code_sharing   thread 300 (apt, tier 3)                          TLP:AMBER
  first_code_after_stage 355M (thread 100), 774M (thread 300)            TLP:RED (config)
  plan_names_stakeholder thread 100 -> news, thread 200 -> reviews       TLP:AMBER
  source_silent        forum-y, 3 failed runs                            TLP:AMBER, operations
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alerting_support import (
    SECRET_ENV,
    WEBHOOK_SECRET,
    SmtpSink,
    WebhookSink,
    seed_store,
    write_config,
)

from misusewatch.alerting.delivery import requeue_failed
from misusewatch.alerting.outbox import alert_from_firing
from misusewatch.alerting.service import evaluate_rules, run_alerts
from misusewatch.alerting.settings import load_alert_settings
from misusewatch.config import load_settings
from misusewatch.records import Label
from misusewatch.store import open_store
from threat_model.rules import TLP_LEVELS

pytestmark = pytest.mark.integration

NOW = datetime(2024, 3, 4, 10, 20, tzinfo=UTC)
EXPECTED = {  # recipient -> rule ids of the alerts it must get (and nothing else)
    "committee": ["first_code_after_stage", "first_code_after_stage", "plan_names_stakeholder",
                  "plan_names_stakeholder", "tier2_code_sharing", "tier2_code_sharing"],
    "trust-safety": ["plan_names_stakeholder", "plan_names_stakeholder", "tier2_code_sharing",
                     "tier2_code_sharing"],
    "news": ["plan_names_stakeholder", "tier2_code_sharing"],
    "reviews": ["plan_names_stakeholder"],
    "ops": ["source_silent"],
}
CLEARANCE = {"committee": "red", "trust-safety": "amber+strict", "news": "amber",
             "reviews": "amber", "ops": "amber"}
ADDRESS = {"committee": "committee@lab.test", "news": "security@news.test",
           "reviews": "abuse@reviews.test"}


@pytest.fixture
def secret(monkeypatch):
    monkeypatch.setenv(SECRET_ENV, WEBHOOK_SECRET)


@pytest.fixture
def hooks():
    sink = WebhookSink()
    yield sink
    sink.stop()


@pytest.fixture
def smtp():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def db(store):
    """The seeded store, on every backend the contract suite runs (SQLite; ES where it runs)."""
    seed_store(store)
    return store


def settings(tmp_path: Path, smtp_port: int, hooks: WebhookSink, **kw):
    return load_settings(write_config(tmp_path / "misusewatch.toml", smtp_port=smtp_port,
                                      hook_url=hooks.url, **kw), env={})


def email_rules(message) -> list[str]:
    body = message.get_content()
    return [line.split("rule: ")[1].strip() for line in body.splitlines() if "rule: " in line]


def test_alerts_arrive_with_the_right_content_at_the_right_recipients_only(
        tmp_path, db, smtp, hooks, secret):
    report = run_alerts(db, settings(tmp_path, smtp.port, hooks), now=NOW)

    assert len(report.recorded.new) == 7
    assert not report.delivery.retrying and not report.delivery.failed
    assert report.delivery.messages_sent == sum(len(v) for v in EXPECTED.values())
    for name, address in ADDRESS.items():
        got = sorted(rule for m in smtp.to(address) for rule in email_rules(m))
        assert got == EXPECTED[name], name
    assert {a for rcpts, _ in smtp.received for a in rcpts} == set(ADDRESS.values())
    ts = hooks.at("/ts")
    assert sorted(a["rule_id"] for h in ts for a in h.json["alerts"]) == EXPECTED["trust-safety"]
    assert all(h.signature_ok() for h in ts)
    assert all(h.key == h.json["idempotency_key"] for h in ts)
    [ops] = hooks.at("/ops")
    assert "forum-y" in ops.json["text"] and "3 crawl runs" in ops.json["text"]
    assert {h.path for h in hooks.received} == {"/ts", "/ops"}

    # Content: the right evidence, TLP marking and the stable idempotency headers.
    [plan_mail] = [m for m in smtp.to("abuse@reviews.test")]
    assert plan_mail["Subject"].strip().startswith("[TLP:AMBER] [high] Plan names reviews")
    assert "discourse:forum.example:200:1" in plan_mail.get_content()
    key = plan_mail["X-Misusewatch-Idempotency-Key"]
    assert plan_mail["Message-ID"] == f"<{key}@misusewatch.invalid>"
    assert plan_mail["From"] == "misusewatch@lab.test"
    # Nobody outside the thread's interests sees the tier-3 actor's post.
    for address in ("security@news.test", "abuse@reviews.test"):
        assert all("discourse:forum.example:300:1" not in m.get_content() for m in smtp.to(address))
    assert {a.status for a in db.list_alerts()} == {"delivered"}


def test_no_one_receives_evidence_above_their_clearance(tmp_path, db, smtp, hooks, secret):
    run_alerts(db, settings(tmp_path, smtp.port, hooks), now=NOW)
    rank = TLP_LEVELS.index
    for name, address in ADDRESS.items():
        for m in smtp.to(address):
            tlp = m["X-Misusewatch-TLP"].removeprefix("TLP:").lower()
            assert rank(tlp) <= rank(CLEARANCE[name]), (name, m["Subject"])
    for h in hooks.at("/ts"):
        assert all(rank(a["tlp"]) <= rank("amber+strict") for a in h.json["alerts"])
    # The RED first-code alerts mention Example News, yet news never gets them.
    assert all("First misuse code" not in m["Subject"] for m in smtp.to("security@news.test"))


def test_clearance_lowered_after_routing_withholds_at_send_time(tmp_path, db, smtp, hooks, secret):
    run_alerts(db, settings(tmp_path, smtp.port, hooks), now=NOW, deliver=False)
    config = (tmp_path / "misusewatch.toml").read_text()
    lowered = config.replace('email = ["security@news.test"]\ntlp = "amber"',
                             'email = ["security@news.test"]\ntlp = "green"')
    assert lowered != config
    (tmp_path / "misusewatch.toml").write_text(lowered)
    report = run_alerts(db, load_settings(tmp_path / "misusewatch.toml", env={}), now=NOW)
    assert smtp.to("security@news.test") == []
    withheld = [d for d in report.delivery.failed if d.recipient == "news"]
    assert len(withheld) == 2 and all("withheld" in d.last_error for d in withheld)


def test_a_second_run_sends_nothing_again(tmp_path, db, smtp, hooks, secret):
    cfg = settings(tmp_path, smtp.port, hooks)
    run_alerts(db, cfg, now=NOW)
    sent = (len(smtp.received), len(hooks.received))
    again = run_alerts(db, cfg, now=NOW + timedelta(hours=2))
    assert again.recorded.new == [] and again.recorded.already_alerted == 7
    assert again.delivery.messages_sent == 0
    assert (len(smtp.received), len(hooks.received)) == sent


def test_smtp_down_alerts_wait_and_are_delivered_once_when_it_returns(tmp_path, db, hooks, secret):
    smtp = SmtpSink()  # port chosen, server not started: connection refused
    cfg = settings(tmp_path, smtp.port, hooks)
    emails = sum(len(EXPECTED[n]) for n in ADDRESS)
    try:
        for attempt in (1, 2):
            report = run_alerts(db, cfg)
            assert report.delivery.messages_sent == (5 if attempt == 1 else 0)  # webhooks only
            assert len(report.delivery.retrying) == emails
            pending = db.list_deliveries(status="pending")
            assert len(pending) == emails
            assert all(d.attempts == attempt and "127.0.0.1" in d.last_error for d in pending)
        assert {a.status for a in db.list_alerts() if a.rule_id != "source_silent"} == {"pending"}

        smtp.start()
        report = run_alerts(db, cfg)
        assert report.delivery.messages_sent == emails and not report.delivery.retrying
        run_alerts(db, cfg)  # nothing left to send
        assert len(smtp.received) == emails
        for name, address in ADDRESS.items():
            assert len(smtp.unique_keys(address)) == len(smtp.to(address)) == len(EXPECTED[name])
        assert db.list_deliveries(status="pending") == []
        assert {a.status for a in db.list_alerts()} == {"delivered"}

        # The audit trail shows every attempt of one delivery, in order.
        reviews = [d for d in db.list_deliveries() if d.recipient == "reviews"][0]
        trail = [lb.value for lb in db.labels_for("alert", reviews.alert_id)
                 if lb.kind == "delivery" and reviews.idempotency_key in (lb.note or "")]
        assert trail == ["sending", "retry", "sending", "retry", "sending", "sent"]
    finally:
        smtp.stop()


def test_hourly_digest_sends_one_message_after_the_window(tmp_path, db, smtp, hooks, secret):
    cfg = settings(tmp_path, smtp.port, hooks, committee_digest="hourly")
    first = run_alerts(db, cfg, now=NOW)
    assert smtp.to("committee@lab.test") == [] and first.delivery.waiting == 6
    run_alerts(db, cfg, now=NOW.replace(minute=59))
    assert smtp.to("committee@lab.test") == []
    run_alerts(db, cfg, now=NOW.replace(hour=11, minute=0, second=1))
    run_alerts(db, cfg, now=NOW.replace(hour=12))
    [digest] = smtp.to("committee@lab.test")
    assert "hourly digest: 6 alert(s) since 2024-03-04 10:00Z" in digest["Subject"]
    assert digest["X-Misusewatch-TLP"] == "TLP:RED"
    assert sorted(email_rules(digest)) == EXPECTED["committee"]


def test_throttle_defers_alerts_beyond_the_hourly_limit(tmp_path, db, smtp, hooks, secret):
    cfg = settings(tmp_path, smtp.port, hooks, max_per_hour=2)
    first = run_alerts(db, cfg, now=NOW)
    assert len(hooks.at("/ts")) == 2 and len(first.delivery.throttled) == 2
    run_alerts(db, cfg, now=NOW + timedelta(minutes=30))
    assert len(hooks.at("/ts")) == 2
    run_alerts(db, cfg, now=NOW + timedelta(minutes=61))
    ts = hooks.at("/ts")
    assert len(ts) == 4 and len({h.key for h in ts}) == 4


def test_snoozes_silence_a_thread_and_a_rule(tmp_path, db, smtp, hooks, secret):
    thread = "discourse:forum.example:100"
    db.add_label(Label(target_type="thread", target_id=thread, kind="snooze", value="forever",
                       author="analyst", note="known campaign"))
    cfg = settings(tmp_path, smtp.port, hooks,
                   extra='[[alerts.snooze]]\nrule = "source_silent"\nuntil = 2099-01-01T00:00:00Z\n')
    report = run_alerts(db, cfg, now=NOW)
    assert len(report.recorded.snoozed) == 4  # tier2, first-code 355M, plan->news; source_silent
    assert hooks.at("/ops") == []
    assert smtp.to("security@news.test") == []
    assert all("discourse:forum.example:100:" not in m.get_content() for _, m in smtp.received)
    assert {a.status for a in db.list_alerts() if a.status != "delivered"} == {"snoozed"}


# ---------------------------------------------------------------- crash safety


def _cli(config: Path, url: str) -> list[str]:
    return [sys.executable, "-m", "misusewatch.cli", "--config", str(config), "--store", url,
            "alerts", "run"]


@pytest.mark.slow
@pytest.mark.parametrize("channel", ["webhook", "email"])
def test_sigkill_during_delivery_then_restart_neither_loses_nor_duplicates(tmp_path, channel):
    """Kill ``alerts run`` while a server holds its reply, restart: every message arrives;
    the receiver dedups by idempotency key to exactly one; raw duplicates <= 1 (docs/alerts.md)."""
    url = f"sqlite:///{tmp_path / 'alerts.db'}"
    store = open_store(url)
    seed_store(store)
    store.close()
    hooks = WebhookSink(block_on=2 if channel == "webhook" else None)
    smtp = SmtpSink(block_on=3 if channel == "email" else None).start()
    sink = hooks if channel == "webhook" else smtp
    config = write_config(tmp_path / "misusewatch.toml", smtp_port=smtp.port, hook_url=hooks.url)
    env = {**os.environ, SECRET_ENV: WEBHOOK_SECRET}
    try:
        proc = subprocess.Popen(_cli(config, url), env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=tmp_path)
        assert sink.blocked.wait(120), proc.communicate(timeout=60)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        sink.block_on = None
        sink.release.set()

        done = subprocess.run(_cli(config, url), env=env, capture_output=True, text=True,
                              cwd=tmp_path, timeout=300)
        assert done.returncode == 0, done.stderr
    finally:
        hooks.stop()
        smtp.stop()

    keys = [h.key for h in hooks.received] + [m["X-Misusewatch-Idempotency-Key"]
                                              for _, m in smtp.received]
    total = sum(len(v) for v in EXPECTED.values())
    assert len(set(keys)) == total  # nothing lost: the receiver's dedup leaves one of each
    duplicates = sum(n - 1 for n in Counter(keys).values())
    # The documented window is one message per crash; this crash landed inside it (the
    # server had the message, the sender had no reply), so exactly that one came twice.
    assert duplicates == 1
    store = open_store(url)
    try:
        deliveries = store.list_deliveries()
        assert {d.status for d in deliveries} == {"sent"}
        assert max(d.attempts for d in deliveries) == 2  # the interrupted one was retried once
    finally:
        store.close()


def test_webhook_5xx_is_retried_and_4xx_fails_for_good(tmp_path, db, smtp, hooks, secret):
    hooks.statuses = {"/ts": [503, 503], "/ops": [410]}
    cfg = settings(tmp_path, smtp.port, hooks)
    first = run_alerts(db, cfg)
    failed = [d for d in first.delivery.failed if d.recipient == "ops"]
    assert len(failed) == 1 and "HTTP 410" in failed[0].last_error
    assert {d.recipient for d in first.delivery.retrying} == {"trust-safety"}
    run_alerts(db, cfg)
    ts = hooks.at("/ts")
    assert len({h.key for h in ts}) == 4  # all four arrived once the receiver recovered
    assert sum(h.key == ts[0].key for h in ts) == 2  # each 503'd message was sent again
    silent = next(a for a in db.list_alerts() if a.rule_id == "source_silent")
    assert silent.status == "failed"
    assert [d.status for d in db.list_deliveries(alert_id=silent.id)] == ["failed"]

    # The operator fixes the receiver and re-queues: it goes out once, and the trail says so.
    assert requeue_failed(db, datetime.now(UTC)) == 1
    run_alerts(db, cfg)
    assert len(hooks.at("/ops")) == 2 and db.get_alert(silent.id).status == "delivered"
    trail = [lb.value for lb in db.labels_for("alert", silent.id) if lb.kind == "delivery"]
    assert trail == ["sending", "failed", "requeued", "sending", "sent"]


def test_a_redirect_is_not_followed_and_fails_the_delivery(tmp_path, db, smtp, hooks, secret):
    hooks.statuses = {"/ops": [308]}
    report = run_alerts(db, settings(tmp_path, smtp.port, hooks))
    [failed] = report.delivery.failed
    assert failed.recipient == "ops" and "HTTP 308" in failed.last_error
    assert [h.path for h in hooks.received].count("/elsewhere") == 0


def test_an_alert_stored_before_a_crash_gets_its_deliveries_next_run(tmp_path, db, smtp, hooks,
                                                                     secret):
    cfg = load_alert_settings(settings(tmp_path, smtp.port, hooks))
    [firing] = evaluate_rules(db, cfg, [cfg.rule("source_silent")], NOW)
    # What a crash between storing the alert and storing its deliveries leaves behind:
    assert db.write_alert(alert_from_firing(firing, NOW))
    report = run_alerts(db, cfg, now=NOW, rule_ids=["source_silent"])
    assert report.recorded.new == [] and report.recorded.already_alerted == 1
    assert len(hooks.at("/ops")) == 1
    assert db.get_alert(alert_from_firing(firing, NOW).id).status == "delivered"


def test_only_one_run_at_a_time(tmp_path, db, smtp, hooks, secret):
    cfg = settings(tmp_path, smtp.port, hooks)
    lock = tmp_path / "var" / "alerts-run.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        report = run_alerts(db, cfg, now=NOW)
    assert report.skipped and db.list_alerts() == [] and hooks.received == []
    assert not run_alerts(db, cfg, now=NOW).skipped
    assert len(db.list_alerts()) == 7


def _self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1, which the client trusts through ``ca_file``."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "misusewatch test SMTP")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "smtp.pem", directory / "smtp.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.mark.parametrize("password, delivered", [("right", True), ("wrong", False)])
def test_starttls_and_auth_from_the_environment(tmp_path, db, hooks, secret, monkeypatch,
                                                password, delivered):
    import ssl

    from aiosmtpd.smtp import AuthResult

    cert, key = _self_signed_cert(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, session.ssl is not None))
        ok = (auth_data.login, auth_data.password) == (b"mw", b"right")
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535

    smtp = SmtpSink(smtp_kwargs={"tls_context": server_tls, "require_starttls": True,
                                 "auth_required": True, "authenticator": authenticator}).start()
    monkeypatch.setenv("MW_SMTP_USER", "mw")
    monkeypatch.setenv("MW_SMTP_PASSWORD", password)
    try:
        cfg = settings(tmp_path, smtp.port, hooks, smtp_extra=(
            f'starttls = true\nca_file = "{cert}"\n'
            'username_env = "MW_SMTP_USER"\npassword_env = "MW_SMTP_PASSWORD"\n'))
        report = run_alerts(db, cfg, now=NOW)
    finally:
        smtp.stop()
    emails = sum(len(EXPECTED[n]) for n in ADDRESS)
    assert logins and all(login == b"mw" and over_tls for login, over_tls in logins)
    if delivered:
        assert len(smtp.received) == emails
    else:  # rejected credentials: nothing sent, nothing lost, the reason recorded
        assert smtp.received == []
        waiting = [d for d in report.delivery.retrying if d.channel == "email"]
        assert len(waiting) == emails
        assert all("authentication failed (535)" in d.last_error for d in waiting)

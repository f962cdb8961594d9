"""Alert verbs: ``alerts run|list|rules|stakeholders|test-rule|retry|snooze``."""

from __future__ import annotations

import os

import click

from misusewatch.errors import InputError
from misusewatch.records import Label, format_time, parse_time, utcnow


@click.group("alerts")
def alerts() -> None:
    """Alert rules, stakeholders and delivery (email, webhooks)."""


def _cfg(app):
    from misusewatch.alerting.settings import load_alert_settings

    return load_alert_settings(app.settings)


@alerts.command("run")
@click.option("--rule", "rule_ids", multiple=True, metavar="ID", help="Only these rules (repeatable).")
@click.option("--retry-now", is_flag=True, help="Retry failed sends now, ignoring their backoff.")
@click.option("--no-deliver", is_flag=True, help="Store alerts and deliveries but send nothing.")
@click.pass_obj
def run_cmd(app, rule_ids: tuple[str, ...], retry_now: bool, no_deliver: bool) -> None:
    """Evaluate rules, store new alerts and their deliveries, send the ones that are due.

    Exits 0 when a mail server or webhook is down: those deliveries stay pending.
    """
    from misusewatch.alerting.service import run_alerts

    report = run_alerts(app, _cfg(app), retry_now=retry_now, deliver=not no_deliver,
                        rule_ids=list(rule_ids) or None)
    if report.skipped:
        click.echo("another `alerts run` is in progress on this host; nothing done")
        return
    rec, dlv = report.recorded, report.delivery
    click.echo(f"rules: {report.firings} firing(s)")
    click.echo(f"alerts: {len(rec.new)} new, {rec.already_alerted} already alerted, "
               f"{len(rec.snoozed)} snoozed; {rec.deliveries} deliveries queued")
    if not no_deliver:
        click.echo(f"delivery: {dlv.messages_sent} message(s) sent ({dlv.deliveries_sent} deliveries), "
                   f"{len(dlv.retrying)} retrying, {len(dlv.failed)} failed, "
                   f"{len(dlv.throttled)} throttled, {dlv.waiting} waiting (digest or backoff)")
    for d in dlv.retrying:
        click.echo(f"  pending: {d.recipient} via {d.channel} ({d.alert_id}) attempt {d.attempts}, "
                   f"next {format_time(d.next_attempt_at)}: {d.last_error}")
    for d in dlv.failed:
        click.echo(f"  failed: {d.recipient} via {d.channel} ({d.alert_id}): {d.last_error}")
    for rule_id, error in report.rule_errors.items():
        click.echo(f"misusewatch: warning: rule {rule_id} failed: {error}", err=True)


@alerts.command("list")
@click.option("--status", help="new, pending, delivered, failed, snoozed, no_recipients.")
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True)
@click.option("--deliveries", is_flag=True, help="Show each delivery and its audit trail.")
@click.pass_obj
def list_cmd(app, status: str | None, limit: int, deliveries: bool) -> None:
    """Stored alerts, newest first, with their delivery counts."""
    store = app.store
    for alert in store.list_alerts(status=status, limit=limit):
        sends = store.list_deliveries(alert_id=alert.id)
        counts = ", ".join(f"{sum(d.status == s for d in sends)} {s}"
                           for s in ("sent", "pending", "failed"))
        click.echo(f"{format_time(alert.created_at)}  {alert.id}  {alert.status:<13} "
                   f"{alert.severity:<8} TLP:{alert.tlp.upper():<12} {alert.title}  [{counts}]")
        if deliveries:
            for d in sends:
                click.echo(f"    {d.recipient} via {d.channel}: {d.status}, {d.attempts} attempt(s)"
                           + (f", last error: {d.last_error}" if d.last_error else ""))
            for label in store.labels_for("alert", alert.id):
                if label.kind == "delivery":
                    click.echo(f"      {format_time(label.created_at)} {label.value}: {label.note}")


@alerts.command("rules")
@click.pass_obj
def rules_cmd(app) -> None:
    """Every rule: id, severity, default TLP, whether enabled, params, what it detects."""
    from threat_model.rules import rules

    enabled = {r.id: r for r in _cfg(app).rules}
    for entry in rules:
        rule = enabled.get(entry.name) or rules.create(entry.name)
        state = "enabled" if entry.name in enabled else "disabled"
        click.echo(f"{entry.name:<24} {rule.severity:<8} TLP:{rule.tlp.upper():<12} {state:<8} "
                   f"{rule.description}")
        click.echo(f"{'':<24} params: {rule.params}")


@alerts.command("stakeholders")
@click.pass_obj
def stakeholders_cmd(app) -> None:
    """Configured stakeholders (validated), with warnings for unset secret variables."""
    cfg = _cfg(app)
    if not cfg.stakeholders:
        click.echo("no stakeholders configured: see docs/alerts.md")
    for s in cfg.stakeholders:
        i = s.interests
        channels = [f"email {', '.join(s.email)}"] if s.email else []
        if s.webhook:
            channels.append(f"webhook {s.webhook.url} ({s.webhook.format}"
                            + (f", signed with ${s.webhook.secret_env})" if s.webhook.secret_env else ")"))
        click.echo(f"{s.name}: TLP:{s.tlp.upper()} clearance, {s.digest}, "
                   f"max {s.max_per_hour or 'unlimited'}/hour")
        click.echo(f"  channels: {'; '.join(channels)}")
        click.echo(f"  interests: min severity {i.min_severity}; "
                   f"rules {list(i.rules) or 'all misuse rules'}; categories {list(i.categories) or 'any'}; "
                   f"terms {list(i.terms) or 'any'}")
        if s.webhook and s.webhook.secret_env and not os.environ.get(s.webhook.secret_env):
            click.echo(f"  warning: ${s.webhook.secret_env} is not set; webhook sends will wait", err=True)


@alerts.command("test-rule")
@click.argument("rule_id")
@click.option("--body", is_flag=True, help="Print each firing's full body.")
@click.pass_obj
def test_rule_cmd(app, rule_id: str, body: bool) -> None:
    """What RULE_ID would fire on the current store, and to whom. Sends and stores nothing."""
    from misusewatch.alerting.outbox import AlertedPosts, alert_from_firing, covers_all
    from misusewatch.alerting.routing import refusal
    from misusewatch.alerting.service import evaluate_rules
    from threat_model.rules import rules

    if rule_id not in rules:
        raise InputError(f"unknown rule {rule_id!r} (known: {', '.join(rules.names())})")
    cfg = _cfg(app)
    rule = cfg.rule(rule_id) or rules.create(rule_id)
    errors: dict[str, str] = {}
    now = utcnow()
    firings = evaluate_rules(app.store, cfg, [rule], now, errors)
    if errors:
        raise InputError(f"rule {rule_id} failed: {errors[rule_id]}")
    click.echo(f"{rule_id}: {len(firings)} firing(s){'' if cfg.rule(rule_id) else ' (rule is disabled)'}")
    alerted = AlertedPosts(app.store)
    for firing in firings:
        alert = alert_from_firing(firing, now)
        seen = app.store.get_alert(alert.id) is not None
        covered = {} if seen else alerted.covering(firing)
        if seen:
            state = "already alerted"
        elif covers_all(covered, firing):
            state = "already alerted (its posts, under another grouping)"
        else:
            state = f"new ({len(covered)} post(s) already alerted)" if covered else "new"
        to = [s.name for s in cfg.stakeholders if refusal(alert, s) is None]
        click.echo(f"- {alert.id} [{alert.severity}, TLP:{alert.tlp.upper()}] {alert.title}")
        click.echo(f"  dedup key {alert.dedup_key}; {len(alert.evidence)} post(s); "
                   f"{state}; would go to: {', '.join(to) or 'nobody'}")
        if body:
            click.echo("  " + alert.body.replace("\n", "\n  "))


@alerts.command("retry")
@click.option("--alert", "alert_id", metavar="ID", help="Only this alert's failed deliveries.")
@click.option("--all", "everything", is_flag=True, help="Every failed delivery.")
@click.pass_obj
def retry_cmd(app, alert_id: str | None, everything: bool) -> None:
    """Re-queue failed deliveries; the next `alerts run` sends them."""
    from misusewatch.alerting.delivery import requeue_failed

    if bool(alert_id) == everything:
        raise InputError("give either --alert ID or --all")
    if alert_id and app.store.get_alert(alert_id) is None:
        raise InputError(f"no alert {alert_id!r}")
    count = requeue_failed(app.store, utcnow(), alert_id)
    click.echo(f"{count} failed deliveries re-queued")


@alerts.command("snooze")
@click.option("--rule", "rule_id", metavar="ID")
@click.option("--thread", metavar="KEY", help="Thread key <platform>:<site>:<thread>.")
@click.option("--actor", metavar="ID")
@click.option("--source", metavar="NAME")
@click.option("--until", metavar="TIME", help="ISO-8601 end (default: until --off).")
@click.option("--off", is_flag=True, help="Lift the snooze instead.")
@click.option("--author", default=lambda: os.environ.get("USER", "analyst"), show_default="$USER")
@click.option("--note")
@click.pass_obj
def snooze_cmd(app, rule_id, thread, actor, source, until, off, author, note) -> None:
    """Silence firings about one rule, thread, actor or source (a Label(kind="snooze"))."""
    targets = [(t, v) for t, v in (("rule", rule_id), ("thread", thread), ("actor", actor),
                                   ("source", source)) if v]
    if len(targets) != 1:
        raise InputError("name exactly one of --rule, --thread, --actor, --source")
    value = "off" if off else format_time(parse_time(until, "--until")) if until else "forever"
    (target_type, target_id), = targets
    app.store.add_label(Label(target_type=target_type, target_id=target_id, kind="snooze",
                              value=value, author=author, note=note))
    click.echo(f"{target_type} {target_id}: snooze {value}")


COMMANDS = [alerts]

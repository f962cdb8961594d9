"""Alerting: stakeholders, the outbox, routing and delivery; ``run_alerts`` is the entry point."""

from __future__ import annotations

from typing import Any


def run_alerts(app_or_store: Any, settings: Any = None, **kwargs: Any) -> Any:
    """Evaluate rules, store alerts and deliveries, send the due ones (see service.run_alerts)."""
    from misusewatch.alerting.service import run_alerts as run

    return run(app_or_store, settings, **kwargs)

"""APScheduler wiring: the recurring crawl, enrich, assess and alerts jobs, with a persistent store.

Each job is a thin module-level function that builds the App and calls the same service the
CLI verb calls, so anything the scheduler does a person can do by hand. Jobs are added with
an explicit id, ``replace_existing=True``, ``max_instances=1`` and ``coalesce=True``: a slow
run is never overlapped by the next, and runs missed while the scheduler was down collapse
into one.
"""

from __future__ import annotations

import logging
import re
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import import_module
from pathlib import Path
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from misusewatch.config import ConfigError, Settings

log = logging.getLogger("misusewatch.scheduler")

# job name -> the service it calls by default; [schedule.services] may point elsewhere.
# A service is called with the App (misusewatch.bootstrap.App).
DEFAULT_SERVICES = {
    "crawl": "misusewatch.scheduler:crawl_watchlist",
    "enrich": "enrichment.runner:run_enrich",
    "assess": "misusewatch.assess:scheduled_assess",
    "alerts": "misusewatch.alerting:run_alerts",
}
DEFAULT_INTERVALS = {"crawl": "1h", "enrich": "15m", "assess": "1h", "alerts": "5m"}
DEFAULT_MISFIRE_GRACE = "10m"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


class ServiceUnavailable(RuntimeError):
    """A job's service cannot be imported: another package is missing or not built yet."""


# ---------------------------------------------------------------- configuration


@dataclass(slots=True)
class ScheduleConfig:
    """``[schedule]``: one interval per job (0 turns a job off), grace, job store, services."""

    intervals: dict[str, float]
    services: dict[str, str]
    misfire_grace_time: int
    run_on_start: bool = True
    jobstore: Path = Path("var/scheduler.db")
    max_workers: int = 4
    enabled: list[str] = field(default_factory=list)


def parse_duration(value: Any, where: str) -> float:
    """Seconds from 90, "90s", "15m", "1h", "1d"; 0 or false means off."""
    if value is False:
        return 0.0
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ConfigError(f"{where}: {value!r} is not a duration like 90s, 15m, 1h or 1d")
        seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds < 0:
        raise ConfigError(f"{where}: duration must not be negative")
    return seconds


def schedule_config(settings: Settings) -> ScheduleConfig:
    where = f"{settings.config_path or 'misusewatch.toml'}: [schedule]"
    section = dict(settings.section("schedule"))
    services = dict(DEFAULT_SERVICES)
    overrides = section.pop("services", {})
    if not isinstance(overrides, dict):
        raise ConfigError(f"{where} services must be a table of job = \"module:function\"")
    for name, target in overrides.items():
        if name not in DEFAULT_SERVICES or not isinstance(target, str) or ":" not in target:
            raise ConfigError(f"{where} services.{name} must name a job "
                              f"({', '.join(DEFAULT_SERVICES)}) and be \"module:function\"")
        services[name] = target
    known = set(DEFAULT_INTERVALS) | {"misfire_grace_time", "run_on_start", "jobstore",
                                      "max_workers"}
    unknown = set(section) - known
    if unknown:
        raise ConfigError(f"{where} unknown key(s) {sorted(unknown)} "
                          f"(allowed: {', '.join(sorted(known | {'services'}))})")
    intervals = {
        name: parse_duration(section.get(name, default), f"{where} {name}")
        for name, default in DEFAULT_INTERVALS.items()
    }
    grace = parse_duration(section.get("misfire_grace_time", DEFAULT_MISFIRE_GRACE),
                           f"{where} misfire_grace_time")
    jobstore = Path(section.get("jobstore") or settings.var_dir / "scheduler.db")
    try:
        max_workers = int(section.get("max_workers", 4))
    except (TypeError, ValueError):
        raise ConfigError(f"{where} max_workers must be an integer") from None
    return ScheduleConfig(
        intervals=intervals,
        services=services,
        misfire_grace_time=max(1, int(grace)),
        run_on_start=bool(section.get("run_on_start", True)),
        jobstore=jobstore,
        max_workers=max(1, max_workers),
        enabled=[name for name, seconds in intervals.items() if seconds > 0],
    )


# ---------------------------------------------------------------- the jobs


def _service(target: str) -> Callable[..., Any]:
    module_name, _, attribute = target.partition(":")
    try:
        return getattr(import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ServiceUnavailable(f"service {target} is not available ({exc})") from None


def _run(name: str, config_path: str | None, store_url: str | None) -> Any:
    """Build the App, call the job's service with it, log how it went."""
    from misusewatch.bootstrap import App

    app = App(config_path=config_path, store_url=store_url)
    started = time.monotonic()
    log.info("job %s started", name)
    try:
        target = schedule_config(app.settings).services[name]
        service = _service(target)
        result = service(app)
    except ServiceUnavailable as exc:
        # Loud in the log, but the scheduler and the other jobs carry on.
        log.error("job %s skipped: %s", name, exc)
        return None
    except Exception:
        log.exception("job %s failed after %.1fs", name, time.monotonic() - started)
        raise
    finally:
        app.close()
    log.info("job %s finished in %.1fs: %s", name, time.monotonic() - started,
             _describe(result))
    return result


def _describe(result: Any) -> str:
    text = repr(result) if result is not None else "ok"
    return text if len(text) <= 200 else text[:197] + "..."


def crawl_job(config_path: str | None = None, store_url: str | None = None) -> Any:
    """Crawl the watchlist (``misusewatch crawl --all``)."""
    return _run("crawl", config_path, store_url)


def enrich_job(config_path: str | None = None, store_url: str | None = None) -> Any:
    """Enrich the backlog (``misusewatch enrich``)."""
    return _run("enrich", config_path, store_url)


def assess_job(config_path: str | None = None, store_url: str | None = None) -> Any:
    """Recompute indicators and summaries (``misusewatch assess``)."""
    return _run("assess", config_path, store_url)


def alerts_job(config_path: str | None = None, store_url: str | None = None) -> Any:
    """Evaluate rules and deliver alerts (``misusewatch alerts run``)."""
    return _run("alerts", config_path, store_url)


JOB_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "crawl": crawl_job,
    "enrich": enrich_job,
    "assess": assess_job,
    "alerts": alerts_job,
}


def crawl_watchlist(app: Any) -> Any:
    """The crawl CLI's service: every source in the watchlist, into the App's store."""
    crawl_sources = _service("crawlers.runner:crawl_sources")
    load_sources = _service("crawlers.sources:load_sources")
    return crawl_sources(app.settings.store, load_sources(app.settings.sources_file))


# ---------------------------------------------------------------- the scheduler


def build_scheduler(
    settings: Settings, *, config_path: str | None = None, store_url: str | None = None
) -> tuple[BackgroundScheduler, ScheduleConfig]:
    """A scheduler with every enabled job added (and disabled ones removed from its store)."""
    config = schedule_config(settings)
    config.jobstore.parent.mkdir(parents=True, exist_ok=True)
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{config.jobstore}")},
        executors={"default": ThreadPoolExecutor(config.max_workers)},
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": config.misfire_grace_time},
        timezone=UTC,
    )
    kwargs = {"config_path": config_path, "store_url": store_url}
    for name, function in JOB_FUNCTIONS.items():
        seconds = config.intervals[name]
        if seconds <= 0:
            continue
        options: dict[str, Any] = {}
        if config.run_on_start:
            options["next_run_time"] = datetime.now(UTC)
        scheduler.add_job(
            function, "interval", seconds=seconds, id=name, name=f"misusewatch {name}",
            kwargs=kwargs, replace_existing=True, max_instances=1, coalesce=True,
            misfire_grace_time=config.misfire_grace_time, **options,
        )
    return scheduler, config


def remove_disabled(scheduler: BackgroundScheduler, config: ScheduleConfig) -> list[str]:
    """Drop jobs left in the persistent store that the config now turns off."""
    removed = []
    for job in scheduler.get_jobs():
        if job.id not in config.enabled:
            scheduler.remove_job(job.id)
            removed.append(job.id)
    return removed


def serve(settings: Settings, *, config_path: str | None = None,
          store_url: str | None = None) -> int:
    """Run until SIGTERM or SIGINT, then wait for running jobs and return 0."""
    stop = threading.Event()

    def request_stop(signum, _frame) -> None:
        log.info("received %s: stopping after running jobs finish", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    scheduler, config = build_scheduler(settings, config_path=config_path, store_url=store_url)
    try:
        scheduler.start()
        for job_id in remove_disabled(scheduler, config):
            log.info("job %s is off in [schedule]; removed from the job store", job_id)
        for job in scheduler.get_jobs():
            log.info("scheduled %s every %s (next run %s)", job.id,
                     job.trigger.interval, job.next_run_time)
        log.info("scheduler running with job store %s", config.jobstore)
        while not stop.wait(timeout=1.0):
            pass
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log.info("scheduler stopped")
    return 0

"""APScheduler wiring: a crawl job per watched source, enrich, assess and alerts, persistently.

Each job is a thin module-level function that builds the App and calls the same service the
CLI verb calls, so anything the scheduler does a person can do by hand. Every enabled source
of the watchlist gets its own crawl job (``crawl:<name>``) on its own ``schedule`` (interval
or cron); enrich, assess and alerts run on their [schedule] intervals. Jobs are added with an
explicit id, ``replace_existing=True``, ``max_instances=1`` and ``coalesce=True``: a slow run
is never overlapped by the next, and runs missed while the scheduler was down collapse into
one. Jobs the config or the watchlist no longer has are removed from the job store.
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
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from misusewatch.config import ConfigError, Settings
from misusewatch.errors import InputError

log = logging.getLogger("misusewatch.scheduler")

# job name -> the service it calls by default; [schedule.services] may point elsewhere.
# A service is called with the App (misusewatch.bootstrap.App); the crawl service also gets
# the name of the source its job crawls.
DEFAULT_SERVICES = {
    "crawl": "misusewatch.scheduler:crawl_source",
    "enrich": "enrichment.runner:run_enrich",
    "assess": "misusewatch.assess:scheduled_assess",
    "alerts": "misusewatch.alerting:run_alerts",
}
DEFAULT_INTERVALS = {"crawl": "1h", "enrich": "15m", "assess": "1h", "alerts": "5m"}
DEFAULT_MISFIRE_GRACE = "10m"
CRAWL_JOB_PREFIX = "crawl:"
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
    job_ids: list[str] = field(default_factory=list)  # what build_scheduler added


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


def _run(name: str, config_path: str | None, store_url: str | None, *args: Any) -> Any:
    """Build the App, call the job's service with it, log how it went."""
    from misusewatch.bootstrap import App

    app = App(config_path=config_path, store_url=store_url)
    started = time.monotonic()
    log.info("job %s started", name)
    try:
        target = schedule_config(app.settings).services[name.partition(":")[0]]
        service = _service(target)
        result = service(app, *args)
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


def crawl_source_job(source: str, config_path: str | None = None, store_url: str | None = None) -> Any:
    """Crawl one watchlist source (``misusewatch crawl SOURCE``)."""
    return _run(f"{CRAWL_JOB_PREFIX}{source}", config_path, store_url, source)


def enrich_job(config_path: str | None = None, store_url: str | None = None) -> Any:
    """Enrich the backlog (``misusewatch enrich``)."""
    return _run("enrich", config_path, store_url)


def assess_job(config_path: str | None = None, store_url: str | None = None) -> Any:
    """Recompute indicators and summaries (``misusewatch assess``)."""
    return _run("assess", config_path, store_url)


def alerts_job(config_path: str | None = None, store_url: str | None = None) -> Any:
    """Evaluate rules and deliver alerts (``misusewatch alerts run``)."""
    return _run("alerts", config_path, store_url)


# The jobs that run on a [schedule] interval; crawl jobs are one per source (plan_jobs).
JOB_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "enrich": enrich_job,
    "assess": assess_job,
    "alerts": alerts_job,
}


def crawl_source(app: Any, name: str) -> Any:
    """The crawl service: one source of the watchlist (read afresh), into the App's store."""
    crawl_sources = _service("crawlers.runner:crawl_sources")
    load_sources = _service("crawlers.sources:load_sources")
    sources = [s for s in load_sources(app.settings.sources_file) if s.name == name and s.enabled]
    if not sources:
        log.warning("job %s%s: no enabled source %r in %s any more; nothing crawled (the job goes"
                    " when the scheduler restarts)", CRAWL_JOB_PREFIX, name, name, app.settings.sources_file)
        return None
    return crawl_sources(app.settings.store, sources)


# ---------------------------------------------------------------- which jobs


@dataclass(slots=True)
class PlannedJob:
    """A job build_scheduler adds: its id, function, trigger and the service it calls."""

    id: str
    function: Callable[..., Any]
    trigger: BaseTrigger
    kwargs: dict[str, Any]
    service: str


def watchlist_sources(settings: Settings) -> list[Any]:
    """The watchlist's enabled sources (InputError naming the file when it is wrong)."""
    load_sources = _service("crawlers.sources:load_sources")
    return [s for s in load_sources(settings.sources_file) if s.enabled]


def source_trigger(source: Any, default_seconds: float) -> BaseTrigger:
    """A source's own schedule (an interval, or cron read in UTC), else the [schedule] crawl interval."""
    if source.interval_s:
        return IntervalTrigger(seconds=source.interval_s, timezone=UTC)
    if source.cron:
        cron_trigger = _service("crawlers.sources:cron_trigger")
        try:  # load_sources checked it already; a Source built by hand may not have been
            return cron_trigger(source.cron)
        except ValueError as exc:
            raise InputError(f"source {source.name!r}: schedule: {exc}") from None
    return IntervalTrigger(seconds=default_seconds, timezone=UTC)


def plan_jobs(settings: Settings, config: ScheduleConfig, *, config_path: str | None = None,
              store_url: str | None = None) -> list[PlannedJob]:
    """Every job the config and the watchlist call for (the watchlist is read only if crawl is on)."""
    kwargs = {"config_path": config_path, "store_url": store_url}
    planned: list[PlannedJob] = []
    if config.intervals["crawl"] > 0:
        try:
            sources = watchlist_sources(settings)
        except ServiceUnavailable as exc:
            log.error("crawl jobs skipped: %s", exc)
            sources = []
        for source in sources:
            planned.append(PlannedJob(
                id=f"{CRAWL_JOB_PREFIX}{source.name}", function=crawl_source_job,
                trigger=source_trigger(source, config.intervals["crawl"]),
                kwargs={"source": source.name, **kwargs}, service=config.services["crawl"],
            ))
    for name, function in JOB_FUNCTIONS.items():
        seconds = config.intervals[name]
        if seconds > 0:
            planned.append(PlannedJob(id=name, function=function,
                                      trigger=IntervalTrigger(seconds=seconds, timezone=UTC),
                                      kwargs=dict(kwargs), service=config.services[name]))
    return planned


def describe_trigger(trigger: BaseTrigger) -> str:
    """"every 1800s" or "cron 0 */6 * * *" (UTC)."""
    if isinstance(trigger, IntervalTrigger):
        return f"every {trigger.interval.total_seconds():g}s"
    fields = {f.name: str(f) for f in trigger.fields}
    return "cron " + " ".join(fields[n] for n in ("minute", "hour", "day", "month", "day_of_week"))


# ---------------------------------------------------------------- the scheduler


def build_scheduler(
    settings: Settings, *, config_path: str | None = None, store_url: str | None = None
) -> tuple[BackgroundScheduler, ScheduleConfig]:
    """A scheduler with every planned job added; ``config.job_ids`` lists them."""
    config = schedule_config(settings)
    planned = plan_jobs(settings, config, config_path=config_path, store_url=store_url)
    config.jobstore.parent.mkdir(parents=True, exist_ok=True)
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{config.jobstore}")},
        executors={"default": ThreadPoolExecutor(config.max_workers)},
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": config.misfire_grace_time},
        timezone=UTC,
    )
    for job in planned:
        options: dict[str, Any] = {}
        if config.run_on_start:
            options["next_run_time"] = datetime.now(UTC)
        scheduler.add_job(
            job.function, job.trigger, id=job.id, name=f"misusewatch {job.id}",
            kwargs=job.kwargs, replace_existing=True, max_instances=1, coalesce=True,
            misfire_grace_time=config.misfire_grace_time, **options,
        )
    config.job_ids = [job.id for job in planned]
    return scheduler, config


def remove_disabled(scheduler: BackgroundScheduler, config: ScheduleConfig) -> list[str]:
    """Drop jobs left in the persistent store that the config or the watchlist no longer has
    (a job turned off, a source removed or disabled, the single crawl job of old stores)."""
    removed = []
    for job in scheduler.get_jobs():
        if job.id not in config.job_ids:
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

    scheduler, config = build_scheduler(settings, config_path=config_path, store_url=store_url)
    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        scheduler.start()
        for job_id in remove_disabled(scheduler, config):
            log.info("job %s is off in [schedule] or gone from the watchlist; removed from the job store",
                     job_id)
        for job in scheduler.get_jobs():
            log.info("scheduled %s %s (next run %s)", job.id, describe_trigger(job.trigger),
                     job.next_run_time)
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

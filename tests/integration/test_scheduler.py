"""The scheduler: real APScheduler, real SQLite job store, a real subprocess and real signals."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sched_targets
from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MAX_INSTANCES

from crawlers.testbed import generate, serve
from misusewatch.config import Settings
from misusewatch.errors import InputError
from misusewatch.records import Post
from misusewatch.scheduler import build_scheduler, remove_disabled
from misusewatch.store import open_store

HERE = Path(__file__).resolve().parent
WAIT = 120  # seconds; a safety net so a broken scheduler fails instead of hanging


def seed_store(url: str) -> None:
    store = open_store(url)
    store.upsert_posts([
        Post(id="", source="s", platform="phpbb", site="ex.org", thread_id="1", post_id=str(n),
             created_at=datetime(2019, 3, n + 1, tzinfo=UTC), text=f"post {n}")
        for n in range(5)
    ])
    store.close()


class Scheduler:
    """``misusewatch schedule`` in a subprocess, its log lines read as they arrive."""

    def __init__(self, workdir: Path, env: dict[str, str] | None = None):
        self.lines: queue.Queue[str] = queue.Queue()
        self.log: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "misusewatch.cli", "schedule"], cwd=workdir,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": str(HERE), **(env or {})},
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stderr:
            self.lines.put(line)

    def wait_for(self, text: str) -> str:
        while True:
            try:
                line = self.lines.get(timeout=WAIT)
            except queue.Empty:
                self.proc.kill()
                raise AssertionError(f"never logged {text!r}; log:\n{''.join(self.log)}") from None
            self.log.append(line)
            if text in line:
                return line

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=WAIT)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    seed_store(f"sqlite:///{tmp_path / 'mw.db'}")
    return tmp_path


def write_config(workdir: Path, schedule: str) -> None:
    (workdir / "misusewatch.toml").write_text(
        f'store = "sqlite:///{workdir / "mw.db"}"\nvar_dir = "{workdir / "var"}"\n'
        f"[schedule]\n{schedule}\n"
    )


def test_schedule_runs_jobs_and_stops_cleanly_on_sigterm(workdir: Path):
    write_config(workdir, 'assess = "1s"\nenrich = "1s"\ncrawl = 0\nalerts = 0\n'
                          '[schedule.services]\nenrich = "no_such_package.runner:run"\n')
    scheduler = Scheduler(workdir)
    scheduler.wait_for("job enrich skipped: service no_such_package.runner:run is not available")
    scheduler.wait_for("job assess finished")
    scheduler.wait_for("job assess finished")  # it keeps running on its interval
    assert scheduler.stop() == 0
    rest = "".join(scheduler.log) + "".join(iter_queue(scheduler.lines))
    assert "scheduler stopped" in rest
    assert "Traceback" not in rest
    store = open_store(f"sqlite:///{workdir / 'mw.db'}")
    assert store.get_assessment("summary:all") is not None
    store.close()
    assert (workdir / "var" / "scheduler.db").exists()  # the persistent job store


def iter_queue(lines: queue.Queue[str]):
    while not lines.empty():
        yield lines.get()


def test_sigterm_waits_for_the_running_job(workdir: Path):
    gate = workdir / "gate"
    gate.mkdir()
    write_config(workdir, 'assess = "1h"\nenrich = 0\ncrawl = 0\nalerts = 0\n'
                          '[schedule.services]\nassess = "sched_targets:file_gated_service"\n')
    scheduler = Scheduler(workdir, env={"MW_TEST_GATE": str(gate)})
    scheduler.wait_for("job assess started")
    scheduler.wait_for("scheduler running")
    scheduler.proc.send_signal(signal.SIGTERM)
    scheduler.wait_for("received SIGTERM")
    assert scheduler.proc.poll() is None  # the job holds it: it cannot have exited
    assert not (gate / "finished").exists()
    (gate / "release").write_text("1")
    assert scheduler.proc.wait(timeout=WAIT) == 0
    assert (gate / "finished").exists()
    scheduler.wait_for("job assess finished")
    scheduler.wait_for("scheduler stopped")


def settings_for(tmp_path: Path, schedule: dict, sources_file: Path | None = None) -> Settings:
    return Settings(store=f"sqlite:///{tmp_path / 'mw.db'}", var_dir=tmp_path / "var",
                    sources_file=sources_file or tmp_path / "no-such-sources.toml",
                    sections={"schedule": schedule})


def write_sources(path: Path, base_url: str, sources: list[tuple[str, str, str | None, bool]]) -> Path:
    """A watchlist of testbed sources: (name, forum, schedule, enabled), politeness off."""
    starts = {"4chan": "4chan/boards.json", "feed": "feed/atom.xml", "discourse": "discourse/latest.json"}
    platforms = {"4chan": "4chan", "feed": "feed", "discourse": "discourse"}
    tables = []
    for name, forum, schedule, enabled in sources:
        lines = [f'name = "{name}"', f'platform = "{platforms[forum]}"',
                 f'start_urls = ["{base_url}/{starts[forum]}"]', f"enabled = {str(enabled).lower()}"]
        if schedule:
            lines.append(f'schedule = "{schedule}"')
        lines.append("politeness = { download_delay = 0, autothrottle = false }")
        tables.append("[[source]]\n" + "\n".join(lines))
    path.write_text("\n\n".join(tables) + "\n")
    return path


def test_no_overlapping_runs(tmp_path: Path, monkeypatch):
    """While a run is in progress, a due run is skipped (max_instances=1), never started."""
    seed_store(f"sqlite:///{tmp_path / 'mw.db'}")
    settings = settings_for(tmp_path, {
        "assess": "1h", "crawl": 0, "enrich": 0, "alerts": 0,
        "services": {"assess": "sched_targets:blocking_service"},
    })
    monkeypatch.setattr("misusewatch.bootstrap.load_settings", lambda path=None: settings)
    sched_targets.calls.clear()
    sched_targets.started.clear()
    sched_targets.release.clear()
    skipped, executed = threading.Event(), threading.Event()
    scheduler, _ = build_scheduler(settings)
    scheduler.add_listener(lambda e: skipped.set(), EVENT_JOB_MAX_INSTANCES)
    scheduler.add_listener(lambda e: executed.set(), EVENT_JOB_EXECUTED)
    scheduler.start()
    try:
        assert sched_targets.started.wait(WAIT)
        scheduler.modify_job("assess", next_run_time=datetime.now(UTC))  # due again, now
        assert skipped.wait(WAIT), "the second run was neither skipped nor started"
        assert sched_targets.calls == [settings.store]
        sched_targets.release.set()
        assert executed.wait(WAIT)
        assert len(sched_targets.calls) == 1
    finally:
        sched_targets.release.set()
        scheduler.shutdown(wait=True)


def test_jobs_persist_and_disabled_ones_are_removed(tmp_path: Path):
    first, _ = build_scheduler(settings_for(tmp_path, {"crawl": 0, "enrich": 0}))
    first.start(paused=True)
    assert sorted(j.id for j in first.get_jobs()) == ["alerts", "assess"]
    job = first.get_job("assess")
    assert (job.max_instances, job.coalesce, job.misfire_grace_time) == (1, True, 600)
    first.shutdown()
    second, config = build_scheduler(settings_for(tmp_path, {"crawl": 0, "enrich": 0,
                                                             "alerts": 0, "assess": "2h"}))
    second.start(paused=True)
    assert remove_disabled(second, config) == ["alerts"]
    assert [(j.id, j.trigger.interval.total_seconds()) for j in second.get_jobs()] == [
        ("assess", 7200.0)]
    second.shutdown()
    assert (tmp_path / "var" / "scheduler.db").exists()


def test_a_failing_service_does_not_stop_the_scheduler(tmp_path: Path, monkeypatch):
    settings = settings_for(tmp_path, {
        "assess": "1h", "crawl": 0, "enrich": 0, "alerts": 0,
        "services": {"assess": "sched_targets:failing_service"},
    })
    monkeypatch.setattr("misusewatch.bootstrap.load_settings", lambda path=None: settings)
    from apscheduler.events import EVENT_JOB_ERROR

    errored = threading.Event()
    scheduler, _ = build_scheduler(settings)
    scheduler.add_listener(lambda e: errored.set(), EVENT_JOB_ERROR)
    scheduler.start()
    try:
        assert errored.wait(WAIT)
        assert scheduler.running and scheduler.get_job("assess") is not None
    finally:
        scheduler.shutdown(wait=True)


def test_every_enabled_source_gets_its_own_crawl_job(tmp_path: Path):
    sources = write_sources(tmp_path / "sources.toml", "http://127.0.0.1:9", [
        ("every-30m", "4chan", "30m", True),
        ("sundays", "feed", "0 12 * * 0", True),  # cron: Sunday noon, as crontab reads it
        ("default", "discourse", None, True),  # no schedule: [schedule] crawl
        ("off", "feed", "1m", False),
    ])
    scheduler, config = build_scheduler(settings_for(tmp_path, {"crawl": "2h", "enrich": 0},
                                                     sources_file=sources))
    scheduler.start(paused=True)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert sorted(jobs) == ["alerts", "assess", "crawl:default", "crawl:every-30m", "crawl:sundays"]
        assert config.job_ids == [*(f"crawl:{n}" for n in ("every-30m", "sundays", "default")),
                                  "assess", "alerts"]
        assert jobs["crawl:every-30m"].trigger.interval.total_seconds() == 1800
        assert jobs["crawl:default"].trigger.interval.total_seconds() == 7200
        sunday = jobs["crawl:sundays"].trigger.get_next_fire_time(None, datetime(2024, 1, 1, tzinfo=UTC))
        assert sunday == datetime(2024, 1, 7, 12, 0, tzinfo=UTC)  # 2024-01-01 was a Monday
        for job in jobs.values():
            assert (job.max_instances, job.coalesce, job.misfire_grace_time) == (1, True, 600)
        assert jobs["crawl:sundays"].kwargs["source"] == "sundays"
    finally:
        scheduler.shutdown()


def test_sources_gone_from_the_watchlist_lose_their_jobs(tmp_path: Path):
    sources = tmp_path / "sources.toml"
    write_sources(sources, "http://127.0.0.1:9", [("a", "4chan", "30m", True), ("b", "feed", "1h", True)])
    first, _ = build_scheduler(settings_for(tmp_path, {"enrich": 0, "assess": 0, "alerts": 0},
                                            sources_file=sources))
    first.start(paused=True)
    first.add_job(print, "interval", hours=1, id="crawl")  # the single crawl job of older stores
    first.shutdown()
    write_sources(sources, "http://127.0.0.1:9", [("a", "4chan", "45m", True), ("b", "feed", "1h", False)])
    second, config = build_scheduler(settings_for(tmp_path, {"enrich": 0, "assess": 0, "alerts": 0},
                                                  sources_file=sources))
    second.start(paused=True)
    try:
        assert sorted(remove_disabled(second, config)) == ["crawl", "crawl:b"]
        assert [(j.id, j.trigger.interval.total_seconds()) for j in second.get_jobs()] == [("crawl:a", 2700.0)]
    finally:
        second.shutdown()


def test_crawl_off_reads_no_watchlist_and_a_bad_one_is_an_error(tmp_path: Path):
    scheduler, config = build_scheduler(settings_for(tmp_path, {"crawl": 0}))  # no sources file at all
    assert config.job_ids == ["enrich", "assess", "alerts"]
    bad = tmp_path / "sources.toml"
    bad.write_text('[[source]]\nname = "x"\nplatform = "feed"\nurl = "http://a.example/f"\n'
                   'schedule = "61 * * * *"\n')
    with pytest.raises(InputError, match=r"sources.toml:1: source 'x': schedule: '61 \* \* \* \*'"):
        build_scheduler(settings_for(tmp_path, {}, sources_file=bad))
    with pytest.raises(InputError, match="sources file not found"):
        build_scheduler(settings_for(tmp_path, {}))


def test_each_source_is_crawled_on_its_own_schedule(workdir: Path):
    """A real scheduler process crawls a real testbed: one source every 2 s, one on a yearly cron
    (so it runs once, at start), one disabled; each crawl is its own job and its own crawl run."""
    community = generate(seed=31, posts=150, platforms="4chan,feed")
    with serve(community) as base_url:
        sources = write_sources(workdir / "sources.toml", base_url, [
            ("tb-4chan", "4chan", "2s", True),
            ("tb-feed", "feed", "0 0 1 1 *", True),
            ("tb-off", "feed", "2s", False),
        ])
        write_config(workdir, 'crawl = "1h"\nenrich = 0\nassess = 0\nalerts = 0\n')
        config = (workdir / "misusewatch.toml").read_text()
        (workdir / "misusewatch.toml").write_text(f'sources_file = "{sources}"\n' + config)
        scheduler = Scheduler(workdir)
        scheduler.wait_for("scheduled crawl:tb-feed cron 0 0 1 1 *")
        scheduler.wait_for("job crawl:tb-feed finished")
        scheduler.wait_for("job crawl:tb-4chan finished")
        scheduler.wait_for("job crawl:tb-4chan finished")  # again, on its own interval
        assert scheduler.stop() == 0
    rest = "".join(scheduler.log) + "".join(iter_queue(scheduler.lines))
    assert "Traceback" not in rest and "crawl:tb-off" not in rest
    store = open_store(f"sqlite:///{workdir / 'mw.db'}")
    runs = store.list_crawl_runs(limit=100)
    by_source = {name: [r for r in runs if r.source == name] for name in ("tb-4chan", "tb-feed", "tb-off")}
    store_posts = store.count_posts()
    store.close()
    assert len(by_source["tb-4chan"]) >= 2 and len(by_source["tb-feed"]) == 1 and not by_source["tb-off"]
    assert all(r.status == "finished" for r in runs if r.source.startswith("tb-"))
    assert by_source["tb-4chan"][-1].posts_new + by_source["tb-feed"][0].posts_new > 0
    assert store_posts == 5 + 150  # the seeded posts and every testbed post, once

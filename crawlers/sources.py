"""The watchlist: ``sources.toml`` read into Source records, validated with clear errors."""

from __future__ import annotations

import os
import re
import tomllib
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from misusewatch.errors import InputError

# Politeness knobs a source may override, and the Scrapy setting each one sets.
POLITENESS_SETTINGS = {
    "download_delay": ("DOWNLOAD_DELAY", float),
    "concurrency": ("CONCURRENT_REQUESTS_PER_DOMAIN", int),
    "autothrottle": ("AUTOTHROTTLE_ENABLED", bool),
    "autothrottle_target_concurrency": ("AUTOTHROTTLE_TARGET_CONCURRENCY", float),
    "obey_robots": ("ROBOTSTXT_OBEY", bool),
    "retry_times": ("RETRY_TIMES", int),
    "max_retry_after": ("MISUSEWATCH_MAX_RETRY_AFTER", float),
    "user_agent": ("USER_AGENT", str),
    "timeout": ("DOWNLOAD_TIMEOUT", float),
}

# Keys every source may have; platform options are checked by the spider's OPTIONS.
COMMON_KEYS = {
    "name",
    "platform",
    "start_urls",
    "url",
    "site",
    "schedule",
    "tags",
    "politeness",
    "enabled",
    "max_pages",
    "timezone",
    "notes",
}

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_INTERVAL = re.compile(r"^(\d+)\s*(s|m|h|d)$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True, slots=True)
class Shard:
    """Part ``index`` of ``count`` of one source's threads, crawled by one of several processes.

    A thread belongs to the part its cursor key hashes to (CRC-32: the same in every process,
    unlike ``hash``), so the parts never overlap and together make the whole. ``crawl`` names
    the crawl the parts belong to: their run records are one crawl (``merge_shard_runs``).
    """

    index: int
    count: int
    crawl: str

    def owns(self, key: str) -> bool:
        return zlib.crc32(key.encode()) % self.count == self.index

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "count": self.count, "crawl": self.crawl}


@dataclass(slots=True)
class Source:
    """One watched place: where to start, which spider parses it, how politely, how often."""

    name: str
    platform: str
    start_urls: list[str] = field(default_factory=list)
    site: str | None = None
    schedule: str | None = None
    tags: list[str] = field(default_factory=list)
    politeness: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    max_pages: int | None = None
    timezone: str | None = None
    base_dir: Path = Path(".")
    line: int | None = None
    # The table it was read from (environment expanded): how it travels to a crawl process.
    entry: dict[str, Any] = field(default_factory=dict)
    # Set by the crawl plan when several processes share this source's threads (politeness off).
    shard: Shard | None = None

    @property
    def site_name(self) -> str:
        """The ``site`` id component its posts get, as its spider names it: the configured one,
        else the site of the first URL it fetches (an API host such as a.4cdn.org mapped to the
        site, boards.4chan.org), else the platform's own site."""
        from crawlers.spiders import spider_for  # the spiders import this module

        return spider_for(self.platform)(self).site

    @property
    def fetch_host(self) -> str:
        """The host its crawl sends requests to first (politeness is kept per host)."""
        from crawlers.spiders import spider_for

        first = spider_for(self.platform)(self).first_url()
        return (urlsplit(first).hostname or "").lower() if first else self.site_name

    @property
    def interval_s(self) -> int | None:
        """The schedule as seconds between runs when it is an interval (``30m``, ``6h``)."""
        if not self.schedule:
            return None
        match = _INTERVAL.match(self.schedule.strip())
        return int(match.group(1)) * _UNIT_S[match.group(2)] if match else None

    @property
    def cron(self) -> str | None:
        """The schedule when it is a five-field cron expression."""
        if self.schedule and self.interval_s is None:
            return self.schedule.strip()
        return None

    def scrapy_settings(self) -> dict[str, Any]:
        """The Scrapy settings this source's politeness overrides set."""
        return {POLITENESS_SETTINGS[k][0]: v for k, v in self.politeness.items()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "platform": self.platform,
            "start_urls": self.start_urls,
            "site": self.site_name,
            "schedule": self.schedule,
            "tags": self.tags,
            "politeness": self.politeness,
            "options": self.options,
            "enabled": self.enabled,
            "max_pages": self.max_pages,
            "timezone": self.timezone,
        }


def expand_env(value: Any) -> Any:
    """``${VAR}`` and ``${VAR:-default}`` in strings (e.g. the testbed's URL in the demo)."""
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            found = os.environ.get(name)
            if found is None:
                if default is None:
                    raise KeyError(name)
                return default
            return found

        return _ENV.sub(replace, value)
    if isinstance(value, list):
        return [expand_env(v) for v in value]
    if isinstance(value, dict):
        return {k: expand_env(v) for k, v in value.items()}
    return value


def toml_error(exc: tomllib.TOMLDecodeError) -> tuple[str, int | None]:
    """tomllib's message without its "(at line N, column M)" and the line N."""
    match = re.search(r"\s*\(at line (\d+), column \d+\)", str(exc))
    if not match:
        return str(exc), None
    return str(exc)[: match.start()], int(match.group(1))


def _source_lines(text: str) -> list[int]:
    """Line numbers of each ``[[source]]`` header, so errors can say file:line."""
    return [i + 1 for i, line in enumerate(text.splitlines()) if line.strip() == "[[source]]"]


def _read_toml(path: Path) -> tuple[str, dict[str, Any]]:
    """A watchlist's text and its TOML. FileNotFoundError passes (callers differ on a missing
    file); an unreadable file or bad TOML is an InputError naming the file (and line)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=path) from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message, line = toml_error(exc)
        raise InputError(f"not valid TOML: {message}", path=path, line=line) from None


def load_sources(path: str | Path) -> list[Source]:
    """Read and validate a watchlist. Raises InputError naming file:line and the field."""
    path = Path(path)
    try:
        text, data = _read_toml(path)
    except FileNotFoundError:
        raise InputError("sources file not found", path=path) from None
    unknown_top = set(data) - {"source", "defaults"}
    if unknown_top:
        raise InputError(f"unknown top-level key(s) {sorted(unknown_top)}; expected [[source]]", path=path)
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise InputError("[defaults] must be a table", path=path)
    entries = data.get("source", [])
    if not isinstance(entries, list):
        raise InputError("'source' must be an array of tables: write [[source]]", path=path)
    lines = _source_lines(text)
    sources: list[Source] = []
    seen: dict[str, int | None] = {}
    for index, entry in enumerate(entries):
        line = lines[index] if index < len(lines) else None
        merged = _merge(defaults, entry)
        source = parse_source(merged, path=path, line=line, base_dir=path.parent)
        if source.name in seen:
            raise InputError(
                f"source {source.name!r}: duplicate name (first at line {seen[source.name]})",
                path=path,
                line=line,
            )
        seen[source.name] = line
        sources.append(source)
    return sources


def watchlist_states(path: str | Path) -> dict[str, bool] | None:
    """Each source's name -> whether it is enabled, or None when there is no file at ``path``.
    For the source health page and the ``source_silent`` alert, which judge only what is crawled.

    Reads names and ``enabled`` (``[defaults]`` included) without the crawl's full check, so a
    dashboard without the crawl's ``${VAR}``s still reads it. InputError names file (and line)
    when it is unreadable, not TOML, or a name or ``enabled`` is wrong.
    """
    path = Path(path)
    try:
        text, data = _read_toml(path)
    except FileNotFoundError:
        return None
    defaults, entries = data.get("defaults", {}), data.get("source", [])
    if not isinstance(defaults, dict) or not isinstance(entries, list):
        raise InputError("expected [defaults] and [[source]] tables", path=path)
    lines = _source_lines(text)
    states: dict[str, bool] = {}
    for index, entry in enumerate(entries):
        line = lines[index] if index < len(lines) else None
        merged = {**defaults, **entry} if isinstance(entry, dict) else {}
        name, enabled = merged.get("name"), merged.get("enabled", True)
        if not isinstance(name, str) or not _NAME.match(name):
            raise InputError("source: name: required; letters, digits, '-', '_' or '.'", path=path, line=line)
        if not isinstance(enabled, bool):
            raise InputError(f"source {name!r}: enabled: must be true or false", path=path, line=line)
        states[name] = enabled
    return states


def _merge(defaults: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    merged = {**defaults, **entry}
    if isinstance(defaults.get("politeness"), dict) and isinstance(entry.get("politeness"), dict):
        merged["politeness"] = {**defaults["politeness"], **entry["politeness"]}
    return merged


def parse_source(
    entry: dict[str, Any],
    *,
    path: object = "sources.toml",
    line: int | None = None,
    base_dir: Path = Path("."),
) -> Source:
    """One ``[[source]]`` table -> Source, checked field by field."""
    from crawlers.spiders import SPIDERS

    name = entry.get("name")
    label = f"source {name!r}" if name else "source"

    def fail(message: str) -> InputError:
        return InputError(f"{label}: {message}", path=path, line=line)

    if not isinstance(entry, dict):
        raise fail("must be a table")
    if not isinstance(name, str) or not _NAME.match(name):
        raise fail("name: required; letters, digits, '-', '_' or '.'")
    try:
        entry = expand_env(entry)
    except KeyError as exc:
        raise fail(f"environment variable ${{{exc.args[0]}}} is not set and has no default") from None
    platform = entry.get("platform")
    if platform not in SPIDERS:
        raise fail(f"platform: {platform!r} is not one of {', '.join(sorted(SPIDERS))}")
    spider_cls = SPIDERS[platform]
    unknown = set(entry) - COMMON_KEYS - set(spider_cls.OPTIONS)
    if unknown:
        allowed = ", ".join(sorted(COMMON_KEYS | set(spider_cls.OPTIONS)))
        raise fail(f"unknown key(s) {sorted(unknown)} (allowed: {allowed})")

    start_urls = entry.get("start_urls", [])
    if "url" in entry:
        start_urls = [entry["url"], *start_urls]
    if isinstance(start_urls, str):
        start_urls = [start_urls]
    if not isinstance(start_urls, list) or not all(isinstance(u, str) for u in start_urls):
        raise fail("start_urls: must be a list of URLs")
    for url in start_urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise fail(f"start_urls: {url!r} is not an http(s) URL")

    options = {k: entry[k] for k in spider_cls.OPTIONS if k in entry}
    for key, value in options.items():
        expected = spider_cls.OPTIONS[key]
        if not isinstance(value, expected):
            names = expected.__name__ if isinstance(expected, type) else " or ".join(t.__name__ for t in expected)
            raise fail(f"{key}: expected {names}, got {type(value).__name__}")

    site = entry.get("site")
    if site is not None and (not isinstance(site, str) or not site.strip() or ":" in site):
        raise fail("site: must be a host-like name without ':'")
    schedule = entry.get("schedule")
    if schedule is not None:
        _check_schedule(schedule, fail)
    tags = entry.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise fail("tags: must be a list of strings")
    politeness = entry.get("politeness", {})
    if not isinstance(politeness, dict):
        raise fail("politeness: must be a table")
    for key, value in politeness.items():
        if key not in POLITENESS_SETTINGS:
            raise fail(f"politeness.{key}: unknown (allowed: {', '.join(sorted(POLITENESS_SETTINGS))})")
        kind = POLITENESS_SETTINGS[key][1]
        ok = (
            isinstance(value, bool)
            if kind is bool
            else (
                isinstance(value, kind | int) and not isinstance(value, bool)
                if kind is float
                else isinstance(value, kind) and not isinstance(value, bool)
                if kind is int
                else isinstance(value, kind)
            )
        )
        if not ok or (kind in (int, float) and value < 0):
            raise fail(f"politeness.{key}: expected a non-negative {kind.__name__}, got {value!r}")
    max_pages = entry.get("max_pages")
    if max_pages is not None and (not isinstance(max_pages, int) or isinstance(max_pages, bool) or max_pages < 1):
        raise fail("max_pages: must be a positive integer")
    timezone = entry.get("timezone")
    if timezone is not None:
        from crawlers.text import zone
        from misusewatch.records import RecordError

        try:
            zone(timezone)
        except RecordError:
            raise fail(f"timezone: unknown time zone {timezone!r} (use an IANA name like Europe/London)") from None
    enabled = entry.get("enabled", True)
    if not isinstance(enabled, bool):
        raise fail("enabled: must be true or false")

    source = Source(
        name=name,
        platform=platform,
        start_urls=start_urls,
        site=site,
        schedule=schedule,
        tags=tags,
        politeness=politeness,
        options=options,
        enabled=enabled,
        max_pages=max_pages,
        timezone=timezone,
        base_dir=base_dir,
        line=line,
        entry=dict(entry),
    )
    try:
        spider_cls.check_source(source)
    except ValueError as exc:
        raise fail(str(exc)) from None
    return source


def _check_schedule(schedule: Any, fail) -> None:
    if not isinstance(schedule, str):
        raise fail("schedule: must be a string like '30m', '6h' or a cron expression")
    if _INTERVAL.match(schedule.strip()):
        return
    fields = schedule.split()
    if len(fields) != 5 or not all(re.fullmatch(r"[\d*/,\-A-Za-z?]+", f) for f in fields):
        raise fail(
            f"schedule: {schedule!r} is neither an interval ('15m', '2h', '1d') "
            "nor a five-field cron expression ('*/30 * * * *')"
        )
    try:
        cron_trigger(schedule)  # what the scheduler will make of it
    except ValueError as exc:
        raise fail(f"schedule: {schedule!r}: {exc}") from None


_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_ITEM = re.compile(r"^(\*|\d+)(?:-(\d+))?(?:/(\d+))?$")


def cron_trigger(expression: str):
    """APScheduler's trigger for a five-field cron expression, read in UTC, days as crontab has them.

    APScheduler 3 counts numeric days of the week from Monday = 0; crontab from Sunday = 0
    (and 7). Numeric days are rewritten as names, so "0 12 * * 0" is Sunday noon, as in cron.
    Raises ValueError for an expression cron would refuse.
    """
    from apscheduler.triggers.cron import CronTrigger

    minute, hour, day, month, day_of_week = expression.split()
    if any(c.isdigit() for c in day_of_week):
        days: list[str] = []
        for item in day_of_week.lower().split(","):
            if not any(c.isdigit() for c in item.partition("/")[0]):
                days.append(item)  # names ("mon", "mon-fri") mean the same to both
                continue
            match = _DAY_ITEM.match(item)
            if not match:
                raise ValueError(f"day of week {item!r}: use numbers 0-7 or names, not both in one item")
            first, last, step = match.groups()
            low, high = (0, 6) if first == "*" else (int(first), int(last if last is not None else first))
            if last is None and step and first != "*":
                high = 6  # "1/2": from Monday on, every other day
            if not 0 <= low <= high <= 7:
                raise ValueError(f"day of week {item!r}: days run 0-7 (0 and 7 are Sunday)")
            days.extend(_DAY_NAMES[n] for n in range(low, high + 1, int(step or 1)))
        day_of_week = ",".join(dict.fromkeys(days))
    return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week, timezone="UTC")


def select_sources(sources: list[Source], names: list[str] | tuple[str, ...], *, all_: bool) -> list[Source]:
    """The sources a command names, or every enabled one with ``--all``."""
    if all_ or not names:
        return [s for s in sources if s.enabled] if all_ else []
    by_name = {s.name: s for s in sources}
    missing = [n for n in names if n not in by_name]
    if missing:
        known = ", ".join(sorted(by_name)) or "none"
        raise InputError(f"unknown source(s) {', '.join(missing)} (known: {known})")
    return [by_name[n] for n in names]

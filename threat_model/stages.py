"""Release stages: a configurable timeline of model releases and the time windows between them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from misusewatch.config import ConfigError

BASELINE = "pre-release"

# GPT-2's staged release (Solaiman et al., 2019): the report names the models by parameter count.
GPT2_STAGES: tuple[tuple[str, str, str], ...] = (
    ("124M", "2019-02-14", "GPT-2 small (124M, also called 117M) released with the GPT-2 paper"),
    ("355M", "2019-05-03", "GPT-2 medium (355M, also called 345M) released"),
    ("774M", "2019-08-20", "GPT-2 large (774M, also called 762M) released"),
    ("1.5B", "2019-11-05", "GPT-2 XL (1.5B, also called 1542M) released: the full model"),
)


@dataclass(frozen=True, slots=True)
class Stage:
    """One release: the name analysts use, when it happened, what was released."""

    name: str
    released: datetime
    description: str = ""


@dataclass(frozen=True, slots=True)
class StageWindow:
    """The time between one release and the next: ``since`` inclusive, ``until`` exclusive.

    ``None`` bounds are open: the baseline has no start, the latest stage has no end.
    """

    name: str
    since: datetime | None
    until: datetime | None
    description: str = ""
    index: int = 0

    @property
    def is_baseline(self) -> bool:
        return self.index == 0

    def contains(self, moment: datetime) -> bool:
        moment = _as_utc(moment)
        after_start = self.since is None or moment >= self.since
        before_end = self.until is None or moment < self.until
        return after_start and before_end

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "since": _iso(self.since),
            "until": _iso(self.until),
            "description": self.description,
            "index": self.index,
        }


@dataclass(frozen=True, slots=True)
class Timeline:
    """A model family's releases in date order, and the windows they cut time into."""

    family: str
    stages: tuple[Stage, ...]
    baseline_name: str = BASELINE
    start: datetime | None = None
    end: datetime | None = None

    def __post_init__(self) -> None:
        if not self.stages:
            raise ValueError("a timeline needs at least one stage")
        names = [s.name for s in self.stages]
        if len(set(names)) != len(names) or self.baseline_name in names:
            raise ValueError(f"stage names must be unique and differ from {self.baseline_name!r}")
        dates = [s.released for s in self.stages]
        if dates != sorted(dates) or len(set(dates)) != len(dates):
            raise ValueError("stage dates must be strictly increasing")
        if self.start is not None and self.start >= dates[0]:
            raise ValueError("start must come before the first release")
        if self.end is not None and self.end <= dates[-1]:
            raise ValueError("end must come after the last release")

    def windows(self) -> list[StageWindow]:
        """The baseline window before the first release, then one window per release."""
        out = [
            StageWindow(
                self.baseline_name,
                self.start,
                self.stages[0].released,
                f"before {self.family} {self.stages[0].name} was released",
                0,
            )
        ]
        for i, stage in enumerate(self.stages):
            until = self.stages[i + 1].released if i + 1 < len(self.stages) else self.end
            out.append(StageWindow(stage.name, stage.released, until, stage.description, i + 1))
        return out

    def window(self, name: str) -> StageWindow:
        for candidate in self.windows():
            if candidate.name == name:
                return candidate
        known = ", ".join(w.name for w in self.windows())
        raise KeyError(f"unknown stage {name!r} (known: {known})")

    def window_for(self, moment: datetime) -> StageWindow | None:
        """The window a moment falls in; None outside the configured start/end."""
        for candidate in self.windows():
            if candidate.contains(moment):
                return candidate
        return None

    def previous(self, name: str) -> StageWindow | None:
        windows = self.windows()
        index = self.window(name).index
        return windows[index - 1] if index > 0 else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "baseline": self.baseline_name,
            "windows": [w.to_dict() for w in self.windows()],
        }


def default_timeline() -> Timeline:
    """GPT-2's four release stages."""
    return Timeline(
        "GPT-2",
        tuple(Stage(name, _parse_date(when, name), text) for name, when, text in GPT2_STAGES),
    )


def timeline_from_config(section: Mapping[str, Any] | None, where: object = "[stages]") -> Timeline:
    """Build the timeline from the ``[stages]`` table; an empty or missing table means GPT-2.

    ``where`` names the config file in error messages.
    """
    if not section:
        return default_timeline()
    allowed = {"family", "baseline", "start", "end", "releases"}
    unknown = set(section) - allowed
    if unknown:
        raise ConfigError(f"{where}: [stages] unknown key(s) {sorted(unknown)} "
                          f"(allowed: {', '.join(sorted(allowed))})")
    family = str(section.get("family") or "GPT-2")
    releases = section.get("releases")
    if releases is None:
        if family != "GPT-2":
            raise ConfigError(f"{where}: [stages] family {family!r} needs [[stages.releases]]")
        base = default_timeline()
        stages: Sequence[Stage] = base.stages
    else:
        stages = _stages_from_rows(releases, where)
    try:
        return Timeline(
            family,
            tuple(stages),
            baseline_name=str(section.get("baseline") or BASELINE),
            start=_optional_date(section.get("start"), "start", where),
            end=_optional_date(section.get("end"), "end", where),
        )
    except ValueError as exc:
        raise ConfigError(f"{where}: [stages] {exc}") from None


def _stages_from_rows(rows: Any, where: object) -> list[Stage]:
    if not isinstance(rows, list) or not rows:
        raise ConfigError(f"{where}: [stages] releases must be a non-empty list of tables")
    stages = []
    for number, row in enumerate(rows, start=1):
        label = f"{where}: [[stages.releases]] #{number}"
        if not isinstance(row, Mapping):
            raise ConfigError(f"{label} must be a table with name, date, description")
        extra = set(row) - {"name", "date", "description"}
        if extra:
            raise ConfigError(f"{label}: unknown key(s) {sorted(extra)}")
        name = str(row.get("name") or "").strip()
        if not name:
            raise ConfigError(f"{label}: missing name")
        if row.get("date") in (None, ""):
            raise ConfigError(f"{label} ({name}): missing date")
        try:
            released = _parse_date(row["date"], name)
        except ValueError as exc:
            raise ConfigError(f"{label}: {exc}") from None
        stages.append(Stage(name, released, str(row.get("description") or "")))
    return stages


def _optional_date(value: Any, key: str, where: object) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        return _parse_date(value, key)
    except ValueError as exc:
        raise ConfigError(f"{where}: [stages] {exc}") from None


def _parse_date(value: Any, name: str) -> datetime:
    """Midnight UTC of a TOML date, an ISO date/time string or a datetime."""
    if isinstance(value, datetime):
        return _as_utc(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                return _parse_date(date.fromisoformat(text), name)
            return _as_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
        except ValueError:
            pass
    raise ValueError(f"{name}: date {value!r} is not an ISO date like 2019-05-03")


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")

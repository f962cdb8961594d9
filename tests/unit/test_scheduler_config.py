"""[schedule]: intervals, grace, services and the job store path, with one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from misusewatch.config import ConfigError, Settings
from misusewatch.scheduler import DEFAULT_SERVICES, parse_duration, schedule_config


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(90, 90.0), ("90", 90.0), ("90s", 90.0), ("15m", 900.0), ("1h", 3600.0), ("1d", 86400.0),
     ("0.5s", 0.5), (0, 0.0), (False, 0.0), (" 2 m ", 120.0)],
)
def test_parse_duration(value, seconds):
    assert parse_duration(value, "x") == seconds


@pytest.mark.parametrize("value", ["soon", "1w", "-5", "1h30m", ""])
def test_bad_duration(value):
    with pytest.raises(ConfigError, match="is not a duration|must not be negative"):
        parse_duration(value, "mw.toml: [schedule] crawl")


def settings(section: dict) -> Settings:
    return Settings(config_path=Path("mw.toml"), var_dir=Path("/tmp/v"),
                    sections={"schedule": section})


def test_defaults():
    config = schedule_config(settings({}))
    assert config.intervals == {"crawl": 3600, "enrich": 900, "assess": 3600, "alerts": 300}
    assert config.misfire_grace_time == 600
    assert config.jobstore == Path("/tmp/v/scheduler.db")
    assert config.services == DEFAULT_SERVICES
    assert config.enabled == ["crawl", "enrich", "assess", "alerts"]


def test_overrides_and_turning_jobs_off():
    config = schedule_config(settings({
        "crawl": "30m", "alerts": 0, "enrich": False, "misfire_grace_time": "1m",
        "jobstore": "elsewhere/jobs.db", "services": {"assess": "my.module:assess"},
    }))
    assert config.intervals["crawl"] == 1800
    assert config.enabled == ["crawl", "assess"]
    assert config.misfire_grace_time == 60
    assert config.jobstore == Path("elsewhere/jobs.db")
    assert config.services["assess"] == "my.module:assess"


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"crawl": "often"}, "mw.toml: [schedule] crawl: 'often' is not a duration"),
        ({"backup": "1h"}, "mw.toml: [schedule] unknown key(s) ['backup']"),
        ({"services": {"backup": "a:b"}}, "services.backup must name a job"),
        ({"services": {"crawl": "no_colon"}}, "services.crawl must name a job"),
        ({"services": "a:b"}, "services must be a table"),
        ({"max_workers": "many"}, "max_workers must be an integer"),
    ],
)
def test_bad_schedule_config(section, message):
    with pytest.raises(ConfigError) as caught:
        schedule_config(settings(section))
    assert message in str(caught.value)

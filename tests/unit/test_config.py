"""Settings: defaults < file < environment, with errors that say where."""

from __future__ import annotations

from pathlib import Path

import pytest

from misusewatch.config import DEFAULT_STORE, ConfigError, load_settings


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(env={})
    assert settings.store == DEFAULT_STORE
    assert settings.dashboard_host == "127.0.0.1"  # never exposed by default
    assert settings.config_path is None


def test_file_then_environment(tmp_path: Path):
    path = tmp_path / "mw.toml"
    path.write_text('store = "sqlite:///x.db"\ndashboard_port = 9000\n[stages]\nfamily = "gpt2"\n')
    settings = load_settings(path, env={"MISUSEWATCH_STORE": "http://es:9200"})
    assert settings.store == "http://es:9200"
    assert settings.dashboard_port == 9000
    assert settings.section("stages") == {"family": "gpt2"}
    assert settings.section("absent") == {}


def test_errors_name_the_file(tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text("store = \n")
    with pytest.raises(ConfigError, match="bad.toml"):
        load_settings(bad, env={})
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "missing.toml", env={})
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('dashboard_port = "eighty"\n')
    with pytest.raises(ConfigError, match="dashboard_port"):
        load_settings(wrong, env={})


def test_an_unknown_key_or_table_is_an_error_naming_the_file_and_key(tmp_path: Path):
    typo = tmp_path / "typo.toml"
    typo.write_text('stor = "sqlite:///x.db"\n')
    with pytest.raises(ConfigError, match=r"typo\.toml: unknown setting 'stor' \(known: store, "):
        load_settings(typo, env={})
    typo.write_text("[detector.tfidf]\nenabled = false\n")
    with pytest.raises(ConfigError, match=r"unknown setting 'detector'.*\[detectors\]"):
        load_settings(typo, env={})

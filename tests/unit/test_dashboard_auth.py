"""Dashboard accounts: scrypt hashes, the users file, default accounts, pseudonyms."""

from __future__ import annotations

import stat
import tomllib

import pytest

from dashboard.auth import (
    DEMO_PASSWORD,
    UserFile,
    ensure_default_user,
    hash_password,
    pseudonym,
    verify_password,
)
from misusewatch.config import ConfigError
from misusewatch.errors import InputError


def test_hash_is_salted_scrypt_and_verifies():
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first.startswith("scrypt$") and first != second  # a fresh salt each time
    assert "correct horse" not in first
    assert verify_password("correct horse", first) and verify_password("correct horse", second)
    assert not verify_password("correct horsE", first)


@pytest.mark.parametrize("stored", ["", "plain-text", "scrypt$1$2$3", "bcrypt$a$b$c$d$e", "scrypt$x$8$1$00$00"])
def test_malformed_stored_hash_never_verifies(stored):
    assert not verify_password("anything", stored)


def test_users_file_round_trip_is_private_and_holds_no_password(tmp_path):
    path = tmp_path / "sub" / "users.toml"
    users = UserFile(path)
    users.add("alice", "analyst", "alice-password")
    users.add("sam", "stakeholder", "sam-password", stakeholder="example-news")
    users.save()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert "alice-password" not in text and "sam-password" not in text
    tomllib.loads(text)  # valid TOML
    loaded = UserFile.load(path)
    assert loaded.pseudonym_key == users.pseudonym_key and len(loaded.pseudonym_key) == 64
    assert loaded.authenticate("alice", "alice-password").role == "analyst"
    assert loaded.authenticate("sam", "sam-password").stakeholder == "example-news"
    assert loaded.authenticate("alice", "wrong-password") is None
    assert loaded.authenticate("nobody", "alice-password") is None


@pytest.mark.parametrize(("name", "role", "password", "stakeholder", "message"), [
    ("al ice", "analyst", "long-enough", None, "user name"),
    ("alice", "admin", "long-enough", None, "role"),
    ("alice", "analyst", "short", None, "shorter than"),
    ("sam", "stakeholder", "long-enough", None, "--stakeholder"),
])
def test_add_rejects_bad_input_with_one_line(tmp_path, name, role, password, stakeholder, message):
    with pytest.raises(InputError, match=message):
        UserFile(tmp_path / "u.toml").add(name, role, password, stakeholder=stakeholder)


def test_broken_users_file_names_itself(tmp_path):
    path = tmp_path / "users.toml"
    path.write_text('[users.bob]\nrole = "root"\npassword = "x"\n')
    with pytest.raises(ConfigError, match="users.toml"):
        UserFile.load(path)


def test_default_user_created_once(tmp_path):
    path = tmp_path / "users.toml"
    name, password = ensure_default_user(path)
    assert password != DEMO_PASSWORD and UserFile.load(path).authenticate(name, password)
    assert ensure_default_user(path) is None  # never replaced, never printed again


def test_demo_default_user_has_documented_password(tmp_path):
    name, password = ensure_default_user(tmp_path / "users.toml", demo=True)
    assert password == DEMO_PASSWORD
    assert UserFile.load(tmp_path / "users.toml").authenticate(name, DEMO_PASSWORD) is not None


def test_pseudonyms_are_stable_distinct_and_keyed():
    assert pseudonym("actor1", "k") == pseudonym("actor1", "k")
    assert pseudonym("actor1", "k") != pseudonym("actor2", "k")
    assert pseudonym("actor1", "k") != pseudonym("actor1", "other key")
    assert "actor1" not in pseudonym("actor1", "k") and pseudonym("actor1", "k").startswith("actor-")
    assert pseudonym(None, "k") == "-"

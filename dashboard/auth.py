"""Dashboard users: a TOML file of roles and scrypt-hashed passwords, and stable pseudonyms."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from misusewatch.config import ConfigError
from misusewatch.errors import InputError

ROLES = ("analyst", "committee", "stakeholder")
# The documented password of the demo's default account; only used in demo mode.
DEMO_USER = "analyst"
DEMO_PASSWORD = "misusewatch-demo"

# scrypt cost: 2**14 * 8 * 128 bytes = 16 MiB and ~50 ms per check, stdlib only.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P, _DKLEN = 2**14, 8, 1, 32
_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
MIN_PASSWORD_LENGTH = 8


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """``scrypt$N$r$p$<salt hex>$<key hex>``: the only form a password is ever stored in."""
    salt = salt or secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P,
                         dklen=_DKLEN)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${key.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of a password against ``hash_password``'s output."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = bytes.fromhex(key)
        actual = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r),
                                p=int(p), dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


@dataclass(slots=True)
class User:
    """One dashboard account. ``stakeholder`` names the stakeholder whose alerts it may see."""

    name: str
    role: str
    password_hash: str
    stakeholder: str | None = None


@dataclass(slots=True)
class UserFile:
    """``users.toml``: a pseudonym key and ``[users.<name>]`` tables. Written by ``misusewatch users``."""

    path: Path
    users: dict[str, User] = field(default_factory=dict)
    pseudonym_key: str = ""

    @classmethod
    def load(cls, path: str | Path) -> UserFile:
        path = Path(path)
        if not path.exists():
            return cls(path=path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: {exc}") from None
        users = {}
        for name, entry in (data.get("users") or {}).items():
            if not isinstance(entry, dict) or entry.get("role") not in ROLES or not entry.get("password"):
                raise ConfigError(f"{path}: [users.{name}] needs role (one of {', '.join(ROLES)}) and password")
            users[name] = User(name, entry["role"], entry["password"], entry.get("stakeholder"))
        return cls(path=path, users=users, pseudonym_key=str(data.get("pseudonym_key") or ""))

    def save(self) -> None:
        if not self.pseudonym_key:
            self.pseudonym_key = secrets.token_hex(32)
        lines = [
            "# misusewatch dashboard users: written by `misusewatch users add`. Passwords are scrypt",
            "# hashes; pseudonym_key makes the stable aliases committee members see instead of handles.",
            f"pseudonym_key = {json.dumps(self.pseudonym_key)}",
        ]
        for user in self.users.values():
            lines += ["", f"[users.{json.dumps(user.name)}]", f"role = {json.dumps(user.role)}",
                      f"password = {json.dumps(user.password_hash)}"]
            if user.stakeholder:
                lines.append(f"stakeholder = {json.dumps(user.stakeholder)}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        # Owner-only from the first byte: the hashes are still worth guarding.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        os.replace(tmp, self.path)

    def add(self, name: str, role: str, password: str, *, stakeholder: str | None = None) -> User:
        if not _NAME.match(name):
            raise InputError(f"user name {name!r}: use 1-64 letters, digits, '_', '.', '@' or '-'")
        if role not in ROLES:
            raise InputError(f"role {role!r} is not one of {', '.join(ROLES)}")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise InputError(f"password for {name!r} is shorter than {MIN_PASSWORD_LENGTH} characters")
        if role == "stakeholder" and not stakeholder:
            raise InputError(f"user {name!r}: a stakeholder account needs --stakeholder NAME")
        user = User(name, role, hash_password(password), stakeholder if role == "stakeholder" else None)
        self.users[name] = user
        return user

    def authenticate(self, name: str, password: str) -> User | None:
        user = self.users.get(name)
        if user is None:
            # Same work for unknown names, so timing does not reveal which accounts exist.
            verify_password(password, _DUMMY_HASH)
            return None
        return user if verify_password(password, user.password_hash) else None


_DUMMY_HASH = hash_password("not-a-real-password", salt=b"\x00" * 16)


def ensure_default_user(path: str | Path, *, demo: bool = False) -> tuple[str, str] | None:
    """Create the first analyst account when the file has none; return (name, password) once.

    In demo mode the password is the documented ``DEMO_PASSWORD``; otherwise it is random and
    the caller prints it once (it is stored only as a hash).
    """
    users = UserFile.load(path)
    if users.users:
        return None
    password = DEMO_PASSWORD if demo else secrets.token_urlsafe(12)
    users.add(DEMO_USER, "analyst", password)
    users.save()
    return DEMO_USER, password


def pseudonym(handle: str | None, key: str) -> str:
    """A stable alias for an author handle: same handle and key, same alias; not reversible."""
    if not handle:
        return "-"
    digest = hmac.new(key.encode(), handle.encode(), hashlib.sha256).digest()
    return "actor-" + base64.b32encode(digest[:5]).decode().lower()

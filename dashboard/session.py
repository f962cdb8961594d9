"""Who is logged in, what their role may see, and the login form."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

import streamlit as st

from dashboard import data
from dashboard.auth import DEMO_PASSWORD, DEMO_USER, UserFile, pseudonym

# Failed logins per user name before that name is refused for LOCKOUT_S (per server process).
MAX_FAILURES = 5
LOCKOUT_S = 300


@dataclass(frozen=True, slots=True)
class CurrentUser:
    name: str
    role: str
    stakeholder: str | None = None

    @property
    def is_analyst(self) -> bool:
        return self.role == "analyst"


def current_user() -> CurrentUser | None:
    value = st.session_state.get("user")
    if isinstance(value, CurrentUser):
        return value
    if isinstance(value, dict) and value.get("name") and value.get("role"):
        return CurrentUser(value["name"], value["role"], value.get("stakeholder"))
    return None


def require_role(*roles: str) -> CurrentUser:
    """Stop the page unless someone with one of ``roles`` is logged in (defence beyond the menu)."""
    user = current_user()
    if user is None or user.role not in roles:
        st.error("You do not have access to this page.")
        st.stop()
    return user


@st.cache_resource(show_spinner=False)
def _failures() -> tuple[threading.Lock, dict[str, list[float]]]:
    return threading.Lock(), {}


def _locked_out(name: str) -> bool:
    lock, failures = _failures()
    with lock:
        recent = [t for t in failures.get(name, []) if time.monotonic() - t < LOCKOUT_S]
        failures[name] = recent
        return len(recent) >= MAX_FAILURES


def _record_failure(name: str) -> None:
    lock, failures = _failures()
    with lock:
        failures.setdefault(name, []).append(time.monotonic())


def login_form() -> CurrentUser | None:
    """The login form; returns the user once their password checks out."""
    st.title("misusewatch")
    st.caption("Misuse monitoring for staged language-model releases. Sign in to continue.")
    if os.environ.get("MISUSEWATCH_DASHBOARD_DEMO"):
        st.info(f"Demo mode: sign in as `{DEMO_USER}` with password `{DEMO_PASSWORD}`.")
    with st.form("login"):
        name = st.text_input("User name", key="login_name")
        password = st.text_input("Password", type="password", key="login_password")
        submitted = st.form_submit_button("Sign in")
    if not submitted:
        return None
    if _locked_out(name):
        st.error(f"Too many failed sign-ins for this name; try again in {LOCKOUT_S // 60} minutes.")
        return None
    account = UserFile.load(data.users_file()).authenticate(name, password)
    if account is None:
        _record_failure(name)
        st.error("Wrong user name or password.")
        return None
    user = CurrentUser(account.name, account.role, account.stakeholder)
    st.session_state["user"] = user
    return user


def logout() -> None:
    st.session_state.pop("user", None)


def author_label(handle: str | None, actor_id: str | None = None) -> str:
    """The author as this user may see it: the handle for analysts, a stable alias otherwise."""
    user = current_user()
    if user is not None and user.is_analyst:
        return handle or "-"
    return pseudonym(actor_id or handle, data.pseudonym_key())

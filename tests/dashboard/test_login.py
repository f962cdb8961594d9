"""Sign-in and roles: the form, wrong passwords, and which pages each role can open."""

from __future__ import annotations

import pytest

from tests.dashboard.conftest import PASSWORDS, no_exceptions


def sign_in(at, name, password):
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(password)
    return at.button[0].click().run()


def test_signed_out_sees_only_the_form(seeded, app_for):
    at = app_for(seeded, role=None).run()
    no_exceptions(at)
    assert at.title[0].value == "misusewatch"
    assert not any(t.value == "Overview" for t in at.title)
    assert "user" not in at.session_state


def test_wrong_password_is_refused(seeded, app_for):
    at = sign_in(app_for(seeded, role=None).run(), "alice", "not-her-password")
    assert [e.value for e in at.error] == ["Wrong user name or password."]
    assert "user" not in at.session_state


def test_right_password_opens_the_overview(seeded, app_for):
    at = sign_in(app_for(seeded, role=None).run(), "alice", PASSWORDS["alice"])
    no_exceptions(at)
    assert at.session_state["user"].role == "analyst"
    assert [t.value for t in at.title] == ["Overview"]


def test_repeated_failures_lock_the_name(seeded, app_for):
    at = app_for(seeded, role=None).run()
    for _ in range(5):
        at = sign_in(at, "carol", "guess-guess")
    at = sign_in(at, "carol", PASSWORDS["carol"])  # right, but too late
    assert "Too many failed sign-ins" in at.error[0].value and "user" not in at.session_state


def test_sign_out(seeded, app_for):
    at = app_for(seeded).run()
    at.button(key="sign_out").click().run()
    assert "user" not in at.session_state and at.title[0].value == "misusewatch"


@pytest.mark.parametrize(("role", "allowed", "refused"), [
    ("committee", ["overview", "committee"], ["triage", "post", "actors", "alerts", "sources"]),
    ("stakeholder", ["alerts"], ["overview", "triage", "post", "actors", "committee", "sources"]),
])
def test_roles_see_only_their_pages(seeded, app_for, role, allowed, refused):
    at = app_for(seeded, role=role).run()
    no_exceptions(at)
    for page in allowed:
        at.switch_page(f"views/{page}.py").run()
        no_exceptions(at)
    for page in refused:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"views/{page}.py")

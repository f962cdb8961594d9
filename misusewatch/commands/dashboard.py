"""Dashboard verbs: ``dashboard`` serves the Streamlit app; ``users`` manages its accounts."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from misusewatch.errors import InputError

PASSWORD_ENV = "MISUSEWATCH_USER_PASSWORD"


def _users_file(app, users_file: str | None) -> Path:
    from dashboard.config import users_file_for

    return Path(users_file) if users_file else users_file_for(app.settings)


_users_file_option = click.option(
    "--users-file", type=click.Path(dir_okay=False),
    help="Accounts file (default $MISUSEWATCH_USERS_FILE, [dashboard] users_file, or var/users.toml).")


@click.command("dashboard")
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1: this machine only).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port (default 8501).")
@_users_file_option
@click.pass_obj
def dashboard_cmd(app, host: str | None, port: int | None, users_file: str | None) -> None:
    """Serve the analyst / committee dashboard until Ctrl-C."""
    from dashboard.config import dashboard_section
    from dashboard.launch import run_dashboard

    settings = app.settings
    dashboard_section(settings)  # a typo in [dashboard] fails here, in one line, not in the browser
    status = run_dashboard(
        settings.store, users_file=_users_file(app, users_file),
        host=host or settings.dashboard_host, port=port or settings.dashboard_port,
        config_path=settings.config_path, sources_file=settings.sources_file,
        echo=lambda line: click.echo(line, err=True),
    )
    sys.exit(status)


@click.group("users")
def users_group() -> None:
    """Dashboard accounts: roles analyst, committee, stakeholder; passwords stored as scrypt hashes."""


@users_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["analyst", "committee", "stakeholder"]), required=True)
@click.option("--stakeholder",
              help="For role stakeholder: the stakeholder name (stakeholders.toml) whose alerts it sees.")
@_users_file_option
@click.pass_obj
def users_add(app, name: str, role: str, stakeholder: str | None, users_file: str | None) -> None:
    """Add or replace user NAME. The password is prompted for, or read from $MISUSEWATCH_USER_PASSWORD."""
    from dashboard.auth import UserFile

    password = os.environ.get(PASSWORD_ENV)
    if not password:
        if not sys.stdin.isatty():
            raise InputError(f"no password: set ${PASSWORD_ENV} or run in a terminal to be prompted")
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    path = _users_file(app, users_file)
    users = UserFile.load(path)
    replaced = name in users.users
    users.add(name, role, password, stakeholder=stakeholder)
    users.save()
    click.echo(f"{'replaced' if replaced else 'added'} {role} {name!r} in {path}")


@users_group.command("list")
@_users_file_option
@click.pass_obj
def users_list(app, users_file: str | None) -> None:
    """List accounts and roles (never passwords)."""
    from dashboard.auth import UserFile

    path = _users_file(app, users_file)
    for user in UserFile.load(path).users.values():
        extra = f"  stakeholder={user.stakeholder}" if user.stakeholder else ""
        click.echo(f"{user.name}\t{user.role}{extra}")


@users_group.command("remove")
@click.argument("name")
@_users_file_option
@click.pass_obj
def users_remove(app, name: str, users_file: str | None) -> None:
    """Remove user NAME."""
    from dashboard.auth import UserFile

    path = _users_file(app, users_file)
    users = UserFile.load(path)
    if users.users.pop(name, None) is None:
        raise InputError(f"no user {name!r}", path=path)
    users.save()
    click.echo(f"removed {name!r} from {path}")


COMMANDS = [dashboard_cmd, users_group]

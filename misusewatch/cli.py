"""``misusewatch ...``: one subcommand per verb. Thin: parse flags, call a service, print."""

from __future__ import annotations

import sys
from importlib import import_module

import click

from misusewatch.config import ConfigError
from misusewatch.errors import InputError
from misusewatch.records import RecordError
from misusewatch.registry import UnknownNameError
from misusewatch.store import StoreError, StoreURLError

# Each module defines click commands/groups in COMMANDS; adding a verb is one file + one line.
COMMAND_MODULES = (
    "misusewatch.commands.store_cmds",
    "misusewatch.commands.demo",
    "misusewatch.commands.alerts",
    "misusewatch.commands.enrich",
    "misusewatch.commands.dashboard",
    "misusewatch.commands.assess",
    "misusewatch.commands.schedule",
    "misusewatch.commands.detect",
    "misusewatch.commands.testbed",
    "misusewatch.commands.crawl",
)

# Errors a user can cause: one line on stderr, exit 2, no traceback.
USER_ERRORS = (InputError, RecordError, ConfigError, StoreURLError, StoreError, FileNotFoundError, UnknownNameError)


class MisusewatchGroup(click.Group):
    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except USER_ERRORS as exc:
            click.echo(f"misusewatch: error: {exc}", err=True)
            ctx.exit(2)


@click.group(cls=MisusewatchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--store",
    envvar="MISUSEWATCH_STORE",
    default=None,
    metavar="URL",
    help="sqlite:///var/misusewatch.db (default) or http://host:9200 (Elasticsearch).",
)
@click.option(
    "--config",
    envvar="MISUSEWATCH_CONFIG",
    default=None,
    type=click.Path(dir_okay=False),
    help="Settings file (default ./misusewatch.toml if present).",
)
@click.pass_context
def cli(ctx: click.Context, store: str | None, config: str | None) -> None:
    """misusewatch: misuse monitoring for staged language-model releases."""
    from misusewatch.bootstrap import App

    ctx.obj = App(config_path=config, store_url=store)
    ctx.call_on_close(ctx.obj.close)


for _name in COMMAND_MODULES:
    for _command in import_module(_name).COMMANDS:
        cli.add_command(_command)


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="misusewatch")


if __name__ == "__main__":
    main(sys.argv[1:])

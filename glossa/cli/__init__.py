"""The ``glossa`` command: a thin shell over the ``Termbase`` (sqlite-utils style:
library first). One module per group of commands; ``shell`` holds what they share.

Every command has ``--help``; every user error ends in one clear line on stderr
and a non-zero exit, never a traceback.

Why commands load lazily: ``glossa search`` should answer at once, and building
every command's options (and importing the write path, the server, QA) costs a
search more than its ranking. ``main`` imports only the group that defines the
command asked for (click's "lazily loading subcommands"); ``glossa --help``, an
unknown command and ``from glossa.cli import app`` load every group.
"""

from __future__ import annotations

import importlib
import os
import sys

# the groups, in the order ``glossa --help`` lists their commands
GROUPS = ("reading", "building", "versions", "text", "serving", "termbases")
# which group defines each command (a test keeps this in step with the groups)
COMMANDS = {
    **dict.fromkeys(("search", "equivalents", "concept"), "reading"),
    **dict.fromkeys(("index", "add", "update", "delete", "rebuild", "review"), "building"),
    **dict.fromkeys(("export", "info", "restore", "optimize", "publish", "check"), "versions"),
    **dict.fromkeys(("recognize", "qa", "lint"), "text"),
    **dict.fromkeys(("serve", "mcp", "eval"), "serving"),
    **dict.fromkeys(("termbase", "token"), "termbases"),
}


def load(command: str | None = None):
    """The typer app with the group that defines ``command`` registered, or every
    group when ``command`` is None or not a command."""
    group = COMMANDS.get(command or "")
    for name in (group,) if group else GROUPS:
        importlib.import_module(f"glossa.cli.{name}")
    from glossa.cli.shell import app

    return app


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else None
    if COMMANDS.get(command or "") != "serving":
        # Glossa uses no pydantic plugin; looking for them reads every installed
        # distribution's entry points, a tenth of a search's start-up. A server
        # (long-lived: the scan costs it nothing) keeps the user's plugins, and
        # a value the user set is kept.
        os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    load(command)()


def __getattr__(name: str):
    if name == "app":  # every command, as tools that read the whole CLI expect
        return load()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["COMMANDS", "GROUPS", "app", "load", "main"]

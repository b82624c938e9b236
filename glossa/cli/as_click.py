"""The ``glossa`` program as a click command, for tools that read click (the docs'
CLI reference, ``docs/gen_reference.py``). Kept apart so the CLI itself never
builds it."""

from __future__ import annotations

import typer

from glossa.cli import app

command = typer.main.get_command(app)

"""Commands for a team's termbases and who may use them: ``glossa termbase ...``
(the termbases a server serves beside its default one) and ``glossa token ...``
(tokens with roles). A running server sees both changes on its next request."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from glossa.cli.shell import (
    EncodingOption,
    GlossaryFiles,
    LayoutOption,
    SkipBadOption,
    StrictOption,
    TitleOption,
    app,
    embedding_progress,
    err,
    fail,
    load_settings,
    notify,
    out,
    report_skipped,
    shown,
    skipped_exit,
)

termbase_app = typer.Typer(no_args_is_help=True, help="The termbases a server serves by name "
                           "(created ones live in GLOSSA_TERMBASES_DIR).")  # fmt: skip
token_app = typer.Typer(no_args_is_help=True, help="Tokens with a role (read, edit, review, "
                        "admin) on one termbase or all (GLOSSA_ACCESS_FILE).")  # fmt: skip
app.add_typer(termbase_app, name="termbase")
app.add_typer(token_app, name="token")

Name = Annotated[str, typer.Argument(help="The termbase's name (lowercase letters, digits, - _).")]


def _shelf():
    from glossa.shelf import Shelf

    return Shelf(load_settings())


def _access():
    from glossa.access import Access

    return Access.load(load_settings().access_file)


def _change(change):
    """Change the access file under its lock (a server may be changing it too)."""
    from glossa.access import change_access

    return change_access(load_settings().access_file, change)


@termbase_app.command("list")
def list_termbases() -> None:
    """Every termbase a server would serve: the default index first, then the created ones."""
    access = _access()
    table = Table()
    for column in ("name", "title", "entries", "languages", "read", "path"):
        table.add_column(column, justify="right" if column == "entries" else "left",
                         overflow="fold")  # a path is read whole, never cut with "…"  # fmt: skip
    for shelved in _shelf().all():
        languages = ", ".join(f"{k} {v}" for k, v in sorted(shelved.languages.items()))
        table.add_row(shelved.name, shown(shelved.title), str(shelved.entries), languages,
                      "open" if access.is_open(shelved.name) else "closed",
                      shown(str(shelved.path)))  # fmt: skip
    out.print(table)


@termbase_app.command("create")
def create_termbase(
    name: Name,
    paths: GlossaryFiles,
    title: Annotated[str | None, typer.Option("--title", help="What people read (default: "
                                              "the glossaries' own titles).")] = None,  # fmt: skip
    description: Annotated[str | None, typer.Option(help="A sentence about it.")] = None,
    closed: Annotated[bool, typer.Option("--closed", help="Reads need a token.")] = False,
    glossary_title: TitleOption = None,
    layout: LayoutOption = None,
    strict: StrictOption = False,
    skip_bad: SkipBadOption = False,
    encoding: EncodingOption = None,
) -> None:
    """Create a termbase from glossary files (any format `glossa index` reads)."""
    from glossa.runtime import build, make_encoder

    settings = load_settings()
    shelf = _shelf()
    encoder = make_encoder(settings, notify)
    imported = None

    def make(path):
        nonlocal imported
        with embedding_progress() as (progress, store_progress):
            _, imported = build(settings, encoder, path, paths, layout, progress=progress,
                                strict=strict, encoding=encoding, store_progress=store_progress,
                                title=glossary_title)  # fmt: skip

    shelved = shelf.create(name, make, title=title, description=description)
    # a new termbase of a name used before starts with none of its tokens or marks
    _change(lambda access: access.without_termbase(name).reading(name, open_=not closed))
    if imported is not None:
        report_skipped(imported)
    out.print(f"Created termbase {shelved.name} ({shelved.entries} entries): {shelved.path}",
              soft_wrap=True)  # fmt: skip
    if imported is not None:
        skipped_exit(imported, skip_bad)


@termbase_app.command("describe")
def describe_termbase(
    name: Name,
    title: Annotated[str | None, typer.Option(help='What people read ("": its own).')] = None,
    description: Annotated[str | None, typer.Option(help='A sentence about it ("": none).')] = None,
) -> None:
    """Set a termbase's title or description."""
    shelved = _shelf().describe(name, title=title, description=description)
    out.print(f"{shelved.name}: {shelved.title}", soft_wrap=True)


@termbase_app.command("close")
def close_termbase(name: Name) -> None:
    """Reads of the termbase need a token (a read role or more) from now on."""
    _shelf().path(name)
    _change(lambda access: access.reading(name, open_=False))
    out.print(f"{name}: reads need a token")


@termbase_app.command("open")
def open_termbase_reads(name: Name) -> None:
    """Anyone who can reach the server may read the termbase (the default)."""
    _shelf().path(name)
    _change(lambda access: access.reading(name, open_=True))
    out.print(f"{name}: reads open")


@termbase_app.command("remove")
def remove_termbase(
    name: Name,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False,
) -> None:
    """Delete a created termbase, its folder and its tokens (a server stops serving it)."""
    shelf = _shelf()
    shelved = shelf.get(name)
    if not shelved.created:
        raise fail(f"{name} is not a created termbase ({shelved.path} is yours to delete); "
                   "a server serves it only while given --termbase")  # fmt: skip
    if not yes and not typer.confirm(f"Delete termbase {name} ({shelved.entries} entries)?"):
        raise typer.Exit(1)
    shelf.remove(name)
    _change(lambda access: access.without_termbase(name))
    out.print(f"Removed termbase {name}")


@token_app.command("create")
def create_token(
    termbase: Annotated[str, typer.Option("--termbase", "-t", help="A termbase's name, or * "
                                          "for every termbase.")],  # fmt: skip
    role: Annotated[str, typer.Option(help="read | edit | review | admin (each includes "
                                      "the ones before it).")] = "read",  # fmt: skip
    label: Annotated[str, typer.Option(help="Who or what it is for.")] = "",
) -> None:
    """Make a token; it is printed once (only its hash is kept)."""
    from glossa.access import EVERY, Role

    if termbase != EVERY:
        _shelf().path(termbase)
    made: list[str] = []
    wanted = Role.named(role)

    def add(access):
        changed, token = access.with_token(termbase, wanted, label)
        made.append(token)
        return changed

    access = _change(add)
    token = made[0]
    record = access.tokens[-1]
    err.print(f"token {record.id}: {record.role.label} on {termbase}; shown once, keep it safe:")
    out.print(token)


@token_app.command("list")
def list_tokens() -> None:
    """Every token's id, termbase, role and label (never the token)."""
    table = Table()
    for column in ("id", "termbase", "role", "label"):
        table.add_column(column)
    for record in _access().tokens:
        table.add_row(record.id, record.termbase, record.role.label, shown(record.label))
    out.print(table)


@token_app.command("revoke")
def revoke_token(token_id: Annotated[str, typer.Argument(help="The id `glossa token list` shows.")]) -> None:
    """Revoke a token: requests with it are refused from the next one on."""
    _change(lambda access: access.without_token(token_id))
    err.print(f"revoked token {token_id}")

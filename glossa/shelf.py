"""The termbases one server (or one MCP session) serves, by name.

Why a shelf and not a list of paths: a team keeps several termbases (per client,
product or domain) and wants them created, described and removed while the
server runs. Two kinds sit on it:

- *given* ones: ``settings.termbases`` (``glossa serve --termbase NAME=PATH``),
  or the settings' index as ``default`` when none is given. Removing one only
  stops serving it; its files are the user's.
- *created* ones: folders of ``settings.termbases_dir``, made by ``glossa
  termbase create`` or ``POST /termbases``. Removing one deletes its folder.

Titles and descriptions set by a person live in ``catalogue.json`` beside the
created termbases; unset, they come from the termbase's own source metadata
(its glossaries' titles). The first termbase is the one the unprefixed API
routes serve.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glossa.access import write_json_atomically
from glossa.errors import ErrorKind, GlossaError
from glossa.indexer.store.index_dir import MANIFEST, read_manifest
from glossa.settings import Settings

NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"
DEFAULT = "default"
CATALOGUE = "catalogue.json"
MAX_TITLE = 200
MAX_DESCRIPTION = 2000


class ShelfError(GlossaError):
    kind = ErrorKind.INVALID


def checked_name(name: str) -> str:
    if not re.fullmatch(NAME_PATTERN, name):
        raise ShelfError(f"termbase name {name[:80]!r}: use 1-63 lowercase letters, digits, "
                         "'-' or '_', starting with a letter or digit", parameter="name")  # fmt: skip
    return name


def parse_named_paths(values: Sequence[str]) -> dict[str, Path]:
    """``NAME=PATH`` options, checked (a name given twice is an error, not a choice)."""
    named: dict[str, Path] = {}
    for value in values:
        name, sep, path = value.partition("=")
        if not sep or not path:
            raise ShelfError(f"--termbase {value!r}: write NAME=PATH", parameter="termbase")
        if checked_name(name.strip()) in named:
            raise ShelfError(f"--termbase: the name {name!r} is given twice", parameter="termbase")
        named[name.strip()] = Path(path).expanduser()
    return named


@dataclass(frozen=True, slots=True)
class Shelved:
    """One termbase on the shelf: its name, where it lives, and what people read."""

    name: str
    path: Path
    created: bool  # made on this shelf: removing it deletes its folder
    title: str
    description: str
    languages: dict[str, int]
    entries: int

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "description": self.description,
                "languages": self.languages, "entries": self.entries}  # fmt: skip


def described(name: str, path: Path, about: Mapping[str, str]) -> tuple[str, str, dict, int]:
    """Title, description, languages and entry count: the person's words first,
    else the termbase's own glossary titles."""
    try:
        manifest = read_manifest(path.resolve())
    except Exception:  # not built yet, or published: described by name until it loads
        return about.get("title") or name, about.get("description", ""), {}, 0
    titles = [info.get("title", source) for source, info in sorted(manifest.source_titles.items())]
    titles = titles or sorted(manifest.sources)
    title = about.get("title") or (titles[0] if len(titles) == 1 else name)
    description = about.get("description") or (
        f"{len(titles)} glossaries: {'; '.join(titles)}" if len(titles) > 1 else ""
    )
    return title, description, dict(manifest.languages), manifest.count


class Shelf:
    """The named termbases of one server; thread-safe, changed by admins."""

    def __init__(self, settings: Settings, given: Mapping[str, Path] | None = None) -> None:
        self.settings = settings
        given = dict(given if given is not None else settings.termbases)
        self._given = {checked_name(n): p for n, p in given.items()} or {DEFAULT: settings.index_dir}
        self.root = settings.termbases_dir
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ reading

    def _catalogue(self) -> dict[str, dict[str, str]]:
        path = self.root / CATALOGUE
        if not path.is_file():
            return {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return {str(k): dict(v) for k, v in data.items()}
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            raise ShelfError(f"{path}: not a termbase catalogue ({exc})",
                             kind=ErrorKind.DAMAGED) from exc  # fmt: skip

    def _created(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir()
                      if re.fullmatch(NAME_PATTERN, p.name) and (p / MANIFEST).is_file())  # fmt: skip

    def names(self) -> list[str]:
        """Every termbase's name, the given ones first (the first is the default)."""
        with self._lock:
            return [*self._given, *(n for n in self._created() if n not in self._given)]

    def path(self, name: str) -> Path:
        with self._lock:
            if name in self._given:
                return self._given[name]
            if re.fullmatch(NAME_PATTERN, name) and (self.root / name / MANIFEST).is_file():
                return self.root / name  # one stat: asked on every request
        raise ShelfError(f"no termbase named {name[:80]!r}; see GET /termbases",
                         kind=ErrorKind.NOT_FOUND, parameter="termbase")  # fmt: skip

    def get(self, name: str) -> Shelved:
        path = self.path(name)
        title, description, languages, entries = described(
            name, path, self._catalogue().get(name, {})
        )
        return Shelved(name, path, name not in self._given, title, description, languages, entries)

    def all(self) -> list[Shelved]:
        return [self.get(name) for name in self.names()]

    # ------------------------------------------------------------------ changing

    def create(
        self,
        name: str,
        make: Callable[[Path], None],
        *,
        title: str | None = None,
        description: str | None = None,
    ) -> Shelved:
        """A new termbase in ``termbases_dir``: ``make(path)`` builds its index
        in a scratch folder, which is renamed into place only once it is whole
        (a failed build leaves no half termbase behind)."""
        checked_name(name)
        scratch = self.root / f".{name}.new"
        with self._lock:  # the name is reserved by a lock; the build runs unlocked
            if name in self.names():
                raise ShelfError(f"a termbase named {name!r} exists already",
                                 kind=ErrorKind.CONFLICT, parameter="name")  # fmt: skip
            self.root.mkdir(parents=True, exist_ok=True)
            reserved = self._reserve(name)
        try:
            shutil.rmtree(scratch, ignore_errors=True)  # a crashed earlier try's
            make(scratch)
            with self._lock:
                scratch.rename(self.root / name)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
            (self.root / f"..{name}.new.lock").unlink(missing_ok=True)  # the build's lock file
            reserved.close()
            # a racer that still locks the old file fails at the rename (the name exists)
            (self.root / f".{name}.creating").unlink(missing_ok=True)
        if title or description:
            self.describe(name, title=title, description=description)
        return self.get(name)

    def _reserve(self, name: str):
        """The name held for one creation, across processes: an ``flock`` on
        ``.NAME.creating``, which the kernel drops if the creator dies (kill -9
        never leaves a name that can no longer be created). Returns the open file;
        closing it frees the name."""
        import fcntl

        held = open(self.root / f".{name}.creating", "a")  # noqa: SIM115 (held until closed)
        try:
            fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            held.close()
            raise ShelfError(f"a termbase named {name!r} is being created",
                             kind=ErrorKind.CONFLICT, parameter="name") from None  # fmt: skip
        return held

    def describe(self, name: str, *, title: str | None = None,
                 description: str | None = None) -> Shelved:  # fmt: skip
        """Set what people read about a termbase (None: keep; "": back to its own)."""
        self.path(name)
        if title is not None and len(title) > MAX_TITLE:
            raise ShelfError(f"title: at most {MAX_TITLE} characters", parameter="title")
        if description is not None and len(description) > MAX_DESCRIPTION:
            raise ShelfError(f"description: at most {MAX_DESCRIPTION} characters",
                             parameter="description")  # fmt: skip
        with self._lock:
            catalogue = self._catalogue()
            about = catalogue.setdefault(name, {})
            for key, value in (("title", title), ("description", description)):
                if value is not None:
                    about[key] = " ".join(value.split()) if key == "title" else value.strip()
                    if not about[key]:
                        del about[key]
            write_json_atomically(self.root / CATALOGUE, catalogue)
        return self.get(name)

    def remove(self, name: str) -> Shelved:
        """Stop serving ``name``; a created termbase's folder is deleted (after it
        is renamed away, so nothing reads half a folder)."""
        with self._lock:
            gone = self.get(name)
            if gone.created:
                trash = self.root / f".{name}.removed"
                shutil.rmtree(trash, ignore_errors=True)
                gone.path.rename(trash)
                shutil.rmtree(trash, ignore_errors=True)
                for lock in self.root.glob(f".{name}.lock"):
                    lock.unlink(missing_ok=True)
            else:
                del self._given[name]
            catalogue = self._catalogue()
            if catalogue.pop(name, None) is not None:
                write_json_atomically(self.root / CATALOGUE, catalogue)
        return gone


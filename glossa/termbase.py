"""``Termbase``: the one object that owns a termbase, whatever entry point opens it.

Why one object (txtai's ``Application``, sqlite-utils' ``Database``): the CLI,
the API, the page and any later entry point (an MCP server) open a termbase the
same way, ``open_termbase(path, settings)``, and ask it for what they need:
search, concepts, equivalents, recognition, QA, export, writes, reviews,
rebuild, restore and versions. Whether the index is local segments or published
into Milvus is decided here, once: ``LocalTermbase`` and ``PublishedTermbase``.
A capability the published engine lacks is refused by ``Termbase.require``, in
one place and with one message; no caller tests which kind it has.

Versions (Lucene's commit points and reopening readers): every read goes through
``current()``, which stats the commit file and, when any writer (this process,
``glossa add`` in another, ``glossa restore``) committed since, opens the new
version before answering. So no request is answered from a version older than
one committed before it arrived. A ``Version`` is what one committed state
needs to be read: its ``Searcher`` and, built at most once (a herd of first
callers waits for one build), its ``Recognizer``.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from glossa.corpus.entry import Entry
from glossa.errors import ErrorKind, GlossaError
from glossa.indexer.encoders.encoder import Progress, TextEncoder
from glossa.indexer.engine.directory import is_engine_dir, load_engine_dir
from glossa.indexer.store.index_dir import (
    MANIFEST,
    IndexLoadError,
    Manifest,
    index_exists,
    read_manifest,
)
from glossa.indexer.store.reader import LoadedIndex, load_index_dir
from glossa.indexer.store.vectors import StoreConfig
from glossa.search.local_reader import LocalReader
from glossa.search.searcher import Searcher
from glossa.settings import Settings

if TYPE_CHECKING:  # recognition and the write path are imported when first used: a search needs neither
    from glossa.indexer.rebuild import RebuildReport
    from glossa.indexer.writes import ChangeReport, EntriesSnapshot
    from glossa.recognition import Recognizer
    from glossa.recognition.termbase_qa import TermbaseReport

Notify = Callable[[str], None]
# failures to open a version that retrying can cure (another writer, Milvus away)
TRANSIENT = (ErrorKind.BUSY, ErrorKind.UNAVAILABLE, ErrorKind.NOT_READY)
log = logging.getLogger("glossa.termbase")


class Unsupported(GlossaError):
    """What this kind of termbase cannot do; the message says where it can be done."""

    kind = ErrorKind.UNSUPPORTED


class Version:
    """One committed version of a termbase, read by any number of callers at
    once: nothing in it changes after it is made. ``signature``: what identifies
    the commit on disk (the manifest's inode, time and size)."""

    def __init__(self, searcher: Searcher, signature: Any,
                 recognition_modes: dict[str, str] | None = None,
                 previous: Version | None = None) -> None:  # fmt: skip
        self.searcher, self.signature = searcher, signature
        self._modes = recognition_modes
        self._recognizer: Recognizer | None = None
        # automata of segments both versions share are handed on
        self._previous_recognizer = previous._recognizer if previous is not None else None
        self._lock = threading.Lock()

    @property
    def generation(self) -> int:
        return self.searcher.index.manifest.generation

    def recognizer(self) -> Recognizer:
        """This version's recognizer, built once: concurrent first callers wait
        for the one build instead of each building their own."""
        if self._recognizer is None:
            with self._lock:
                if self._recognizer is None:
                    from glossa.recognition import Recognizer

                    previous = self._previous_recognizer
                    self._recognizer = (
                        Recognizer(self.searcher, modes=self._modes) if previous is None
                        else Recognizer(self.searcher, previous=previous)
                    )  # fmt: skip
                    self._previous_recognizer = None
        return self._recognizer


class Termbase:
    """A termbase, local or published. Reads follow every commit (``current``);
    writes commit a new version and make it current. Every method a kind cannot
    serve is refused here, by ``require``."""

    def __init__(self, path: Path, settings: Settings, encoder: TextEncoder | None = None) -> None:
        self.path, self.settings = path, settings
        self._encoder = encoder
        self._encoder_lock = threading.Lock()
        self.notify: Notify | None = None  # told what takes time (a model's first load)
        # a server's: what the encoder prepares on first use is prepared in the
        # background while it answers (runtime.make_encoder)
        self.serving = False
        self._version: Version | None = None
        self._version_lock = threading.Lock()
        # the signature of a commit that could not be opened, and until when not to retry
        self._failed: tuple[Any, float] = (object(), 0.0)
        self.last_error: str | None = None
        # 0 pins the version a server loaded (its own writes still move it on)
        self.follow = settings.reload_interval > 0
        self.reloads = 0  # versions opened after the first: commits followed (for /metrics)

    # ------------------------------------------------------------------ what it holds

    @property
    def encoder(self) -> TextEncoder:
        """The query encoder, made on first need (a delete needs none)."""
        if self._encoder is None:
            with self._encoder_lock:
                if self._encoder is None:
                    from glossa.runtime import make_encoder

                    self._encoder = make_encoder(self.settings, self.notify,
                                                 background=self.serving)  # fmt: skip
        return self._encoder

    @property
    def held(self) -> Version | None:
        """The version held now, unchecked (None before the first is opened): for
        what may lag a commit, such as the served API schema."""
        return self._version

    def held_if_current(self) -> Version | None:
        """The held version when no newer commit needs opening: one ``stat``, no
        lock, no waiting (what a server's event loop may call); None otherwise."""
        held = self._version
        if held is not None and (not self.follow or self._settled(held, self._signature())):
            return held
        return None

    def _settled(self, held: Version, signature: Any) -> bool:
        """Whether ``signature`` is the held version's, or a commit whose opening
        failed and is not to be tried again yet."""
        failed, until = self._failed
        return signature == held.signature or (signature == failed and time.monotonic() < until)

    def current(self) -> Version:
        """The newest committed version: one ``stat`` when nothing changed, the
        new version opened (reusing what it shares with the held one) when a
        writer committed since the last call. A version that cannot be opened is
        reported in the log and ``last_error`` and the held one keeps answering:
        damage is not retried until the next commit, a busy or unreachable store
        a second later."""
        found = self.held_if_current()
        if found is not None:
            return found
        with self._version_lock:
            held = self._version
            signature = self._signature()
            if held is None or not self._settled(held, signature):
                try:
                    self._version = self._open_version(held, signature)
                    self.reloads += held is not None
                    self.last_error = None
                except Exception as exc:
                    if held is None:
                        raise
                    damaged = isinstance(exc, GlossaError) and exc.kind not in TRANSIENT
                    self._failed = (signature, math.inf if damaged else time.monotonic() + 1)
                    self.last_error = f"{type(exc).__name__}: {exc}"
                    log.warning("%s: the new version could not be opened, still answering "
                                "from generation %s: %s", self.path, held.generation, exc)  # fmt: skip
            assert self._version is not None
            return self._version

    def warm(self) -> None:
        """Open the current version and pay every first-use cost now (the model's
        first call, analysers, the concept links) rather than in a request."""
        self.current().searcher.warm()

    @property
    def searcher(self) -> Searcher:
        return self.current().searcher

    def recognizer(self) -> Recognizer:
        """The current version's recognizer (built once per version)."""
        self._recognition_check()
        return self.current().recognizer()

    def _signature(self) -> Any:
        raise NotImplementedError

    def _open_version(self, held: Version | None, signature: Any) -> Version:
        raise NotImplementedError

    # ------------------------------------------------------------------ reads

    def get(self, entry_id: str) -> Entry | None:
        return self.searcher.get(entry_id)

    def check_termbase(self, limit: int) -> TermbaseReport:
        """Termbase QA over the current version's entries."""
        self.require("termbase QA (`glossa lint`, /qa/termbase)")
        from glossa.recognition.termbase_qa import check_termbase

        return check_termbase(self.searcher, limit=limit)

    def _recognition_check(self) -> None:
        """Recognition reads the segments' names; a published index has none here."""
        self.require("recognition and translation QA (`glossa recognize`, `glossa qa`)")

    def export(self, *, lang: Sequence[str] | None = None, source: Sequence[str] | None = None,
               equivalents: bool = False) -> list[Entry]:  # fmt: skip
        self.require("export")
        raise AssertionError  # pragma: no cover

    def salvage(self, *, lang: Sequence[str] | None = None,
                source: Sequence[str] | None = None) -> tuple[list[Entry], EntriesSnapshot]:  # fmt: skip
        self.require("export --salvage")
        raise AssertionError  # pragma: no cover

    def info(self) -> dict[str, Any]:
        """The committed manifest as data (no checksum verified)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ writes

    def change(self, *, add: Sequence[Entry] = (), update: Sequence[Entry] = (),
               delete: Sequence[str] = (), upsert: bool = False,
               source_titles: dict[str, dict[str, str]] | None = None,
               encoder: TextEncoder | None = None) -> ChangeReport:  # fmt: skip
        """Apply one change set and make its version current. ``encoder``: what
        embeds the new texts (default: the query encoder; the server passes one
        that runs on its encoder thread)."""
        raise NotImplementedError

    def review(self, a: str, b: str, decision: str) -> tuple[int, bool]:
        """Record a reviewer's decision on a pair; returns (generation, changed)."""
        raise NotImplementedError

    def rebuild(self, encoder: TextEncoder | None = None, progress: Progress | None = None,
                *, strict: bool = False) -> RebuildReport:  # fmt: skip
        self.require("rebuild")
        raise AssertionError  # pragma: no cover

    def restore(self, generation: int | None = None) -> Manifest:
        self.require("restore")
        raise AssertionError  # pragma: no cover

    def versions(self) -> list:
        self.require("restore --list")
        raise AssertionError  # pragma: no cover

    def optimize(self) -> tuple[Manifest, Manifest]:
        self.require("optimize")
        raise AssertionError  # pragma: no cover

    def check(self, repair: bool = False) -> tuple[Manifest, list[str], list[Path]]:
        self.require("check")
        raise AssertionError  # pragma: no cover

    def publish(self, to: Path, progress: Progress | None = None):
        self.require("publish")
        raise AssertionError  # pragma: no cover

    def require(self, what: str) -> None:
        """The one place a capability is refused (a local termbase has them all)."""


class LocalTermbase(Termbase):
    """An index directory on this machine: segments, deletes, kept versions."""

    def __init__(self, path: Path, settings: Settings, encoder: TextEncoder | None = None,
                 searcher: Searcher | None = None) -> None:  # fmt: skip
        super().__init__(path, settings, encoder)
        self.store: StoreConfig = settings.store_config()
        if searcher is not None:
            self._version = Version(searcher, self._signature(), settings.recognition_modes)

    def _signature(self) -> Any:
        try:
            st = os.stat(self.path / MANIFEST)
        except OSError:
            return None
        return st.st_ino, st.st_mtime_ns, st.st_size

    def _open_version(self, held: Version | None, signature: Any) -> Version:
        encoder = self.encoder
        if held is None:
            searcher = Searcher.open(self.path, encoder, doc_text=self.settings.doc_text,
                                     store=self.store, options=self.settings.ranking_options())  # fmt: skip
            return Version(searcher, signature, self.settings.recognition_modes)
        loaded = load_index_dir(self.path, expected_model=encoder.model_name,
                                expected_dimension=encoder.dimension, store=self.store,
                                reuse=held.searcher.index)  # fmt: skip
        return self._next_version(held, loaded, signature)

    def _next_version(self, held: Version, loaded: LoadedIndex, signature: Any) -> Version:
        """The version after ``held``, over ``loaded``: what both versions share
        (segments, postings, calibration, the graph, the automata) carried over."""
        old = held.searcher
        searcher = old.with_reader(old.reader.next_version(loaded))  # type: ignore[attr-defined]
        searcher.wait_for_graph = old.wait_for_graph
        return Version(searcher, signature, self.settings.recognition_modes, held)

    def info(self) -> dict[str, Any]:
        return read_manifest(self.path.resolve()).model_dump()

    def get(self, entry_id: str) -> Entry | None:
        """One entry as committed; without an open version, read without the model."""
        if self._version is not None:
            return self.current().searcher.get(entry_id)
        return load_index_dir(self.path, store=self.store).get(entry_id)

    def export(self, *, lang=None, source=None, equivalents: bool = False) -> list[Entry]:
        from glossa.runtime import export_entries

        return export_entries(self.path, lang=lang, source=source, equivalents=equivalents,
                              store=self.store)  # fmt: skip

    def salvage(self, *, lang=None, source=None) -> tuple[list[Entry], EntriesSnapshot]:
        from glossa.runtime import salvage_entries

        return salvage_entries(self.path, lang=lang, source=source)

    def change(self, *, add=(), update=(), delete=(), upsert=False, source_titles=None,
               encoder=None) -> ChangeReport:  # fmt: skip
        from glossa.indexer.writes import apply_changes

        if encoder is None and (add or update):
            encoder = self.encoder
        held = self._version
        loaded, report = apply_changes(
            self.path, encoder, add=add, update=update, delete=delete, upsert=upsert,
            store=self.store, source_titles=source_titles,
            current=held.searcher.index if held is not None else None,
        )  # fmt: skip
        self._follow_own_commit(loaded)
        return report

    def review(self, a: str, b: str, decision: str) -> tuple[int, bool]:
        from glossa.indexer.writes import record_review

        held = self._version
        loaded, changed = record_review(self.path, a, b, decision, store=self.store,
                                        current=held.searcher.index if held else None)  # fmt: skip
        self._follow_own_commit(loaded)
        return loaded.manifest.generation, changed

    def _follow_own_commit(self, loaded: LoadedIndex | None = None) -> None:
        """A write by this process: the version it committed becomes current now
        (only when a version is held: a one-shot command opens none). ``loaded``:
        the committed version as the write loaded it, taken as it is when the
        commit file on disk is still that version's (nothing is read again)."""
        if self._version is None:
            return
        if loaded is not None:
            with self._version_lock:
                held = self._version
                signature = self._signature()
                if held.generation == loaded.manifest.generation:
                    return  # a reader opened it already
                if self._is_commit_of(loaded, signature):
                    self._version = self._next_version(held, loaded, signature)
                    self.reloads += 1
                    return
        follow, self.follow = self.follow, True
        try:
            self.current()
        finally:
            self.follow = follow

    def _is_commit_of(self, loaded: LoadedIndex, signature: Any) -> bool:
        """Whether the commit file with ``signature`` is ``loaded``'s (no writer
        committed after it): its generation, read between two equal stats."""
        try:
            generation = read_manifest(self.path.resolve()).generation
        except IndexLoadError:
            return False
        return generation == loaded.manifest.generation and self._signature() == signature

    def rebuild(self, encoder=None, progress=None, *, strict: bool = False) -> RebuildReport:
        """Embed every readable entry again, carrying writes committed meanwhile;
        texts among the known vectors (the bundled glossaries') are read, not
        embedded. Document text and index kind: the settings' where they were set
        (``GLOSSA_DOC_TEXT``, ``GLOSSA_INDEX_KIND``: what a rebuild is for), else
        the index's own, so a rebuild changes nothing it was not asked to."""
        from glossa.indexer.rebuild import rebuild_index
        from glossa.runtime import known_first

        try:
            manifest: Manifest | None = read_manifest(self.path.resolve())
        except IndexLoadError:
            manifest = None  # a lost manifest: rebuild_index recovers from the files

        def chosen(name: str) -> str:
            if name in self.settings.model_fields_set or manifest is None:
                return getattr(self.settings, name)
            return getattr(manifest, name)

        report = rebuild_index(
            self.path, encoder or known_first(self.settings, self.encoder),
            doc_text=chosen("doc_text"), index_kind=chosen("index_kind"),
            store=self.store, progress=progress, strict=strict,
        )  # fmt: skip
        self._follow_own_commit()
        return report

    def restore(self, generation: int | None = None) -> Manifest:
        from glossa.indexer.store.versions import restore_version

        manifest = restore_version(self.path, generation, self.store)
        self._follow_own_commit()
        return manifest

    def versions(self) -> list:
        from glossa.indexer.store.versions import versions

        kept = versions(self.path, self.store.keep_versions)
        if not kept:
            raise IndexLoadError(f"no index at {self.path}", kind=ErrorKind.NOT_FOUND)
        return kept

    def optimize(self) -> tuple[Manifest, Manifest]:
        """Merge every segment into one; (the manifest before, the one after)."""
        from glossa.indexer.writes import optimize

        before = read_manifest(self.path.resolve())
        loaded = optimize(self.path, store=self.store)
        self._follow_own_commit(loaded)
        return before, loaded.manifest

    def check(self, repair: bool = False) -> tuple[Manifest, list[str], list[Path]]:
        """Every file against its checksum and every entry record: (the manifest,
        the damaged entry lines, the files no kept version names, after ``repair``
        removed them)."""
        from glossa.indexer.store.index_dir import collect_garbage, orphans
        from glossa.indexer.store.locking import index_lock
        from glossa.indexer.writes import recover_index_entries

        path = self.path.resolve()
        loaded = load_index_dir(path, store=self.store)
        _, lost = recover_index_entries(path)
        left = orphans(path, loaded.manifest)
        if repair and left:
            with index_lock(path, exclusive=True):
                collect_garbage(path, read_manifest(path), self.store)
        return loaded.manifest, lost, left

    def publish(self, to: Path, progress: Progress | None = None):
        from glossa.indexer.engine.publish import publish

        return publish(self.path, to, self.settings.engine_store(), source_store=self.store,
                       progress=progress)  # fmt: skip


class PublishedTermbase(Termbase):
    """An index published into Milvus (``glossa publish``): the directory holds
    its manifest, Milvus holds every entry. It searches, links and takes writes
    by id; what needs the segments is done on the index it was published from."""

    def __init__(self, path: Path, settings: Settings, encoder: TextEncoder | None = None,
                 searcher: Searcher | None = None) -> None:  # fmt: skip
        super().__init__(path, settings, encoder)
        if searcher is not None:
            self._reader = searcher.reader
            self._version = Version(searcher, None)

    @property
    def store(self) -> StoreConfig:
        """The Milvus it was published to, unless ``GLOSSA_MILVUS_URI`` names another."""
        try:
            published_to = load_engine_dir(self.path)[0].milvus_uri
        except IndexLoadError:
            published_to = None
        return self.settings.engine_store(published_to)

    def _signature(self) -> Any:
        return None  # the published reader stats its own manifest on every call

    def _open_version(self, held: Version | None, signature: Any) -> Version:
        from glossa.search.published_reader import PublishedReader

        reader = PublishedReader(self.path, self.store)
        return Version(Searcher(reader, self.encoder, self.settings.ranking_options()), None)

    def require(self, what: str) -> None:
        origin = load_engine_dir(self.path)[0].published_from
        raise Unsupported(
            f"{self.path} is an index published into Milvus; {what} works on a local index: "
            f"run it on the one it was published from ({origin}), then publish that again "
            f"(glossa publish --index {origin} --to {self.path})"
        )

    def info(self) -> dict[str, Any]:
        return load_engine_dir(self.path)[0].model_dump()

    def get(self, entry_id: str) -> Entry | None:
        from glossa.indexer.engine.collection import EngineCollection

        if self._version is not None:
            return self._version.searcher.get(entry_id)
        manifest = load_engine_dir(self.path)[0]
        return EngineCollection.of(self.store, manifest).entries([entry_id]).get(entry_id)

    def change(self, *, add=(), update=(), delete=(), upsert=False, source_titles=None,
               encoder=None) -> ChangeReport:  # fmt: skip
        from glossa.indexer.engine.changes import engine_changes

        if encoder is None and (add or update):
            encoder = self.encoder
        report = engine_changes(self.path, encoder, self.store, add=add, update=update,
                                delete=delete, upsert=upsert)  # fmt: skip
        self._refresh()
        return report

    def review(self, a: str, b: str, decision: str) -> tuple[int, bool]:
        from glossa.indexer.engine.changes import engine_review

        found = engine_review(self.path, self.store, a, b, decision)
        self._refresh()
        return found

    def _refresh(self) -> None:
        if self._version is not None:
            self._version.searcher.reader.refresh()  # type: ignore[attr-defined]


def open_termbase(
    path: Path | None,
    settings: Settings,
    *,
    encoder: TextEncoder | None = None,
    searcher: Searcher | None = None,
    build_if_missing: bool = False,
    notify: Notify | None = None,
    progress: Progress | None = None,
    store_progress: Progress | None = None,
    serving: bool = False,
) -> Termbase:
    """The termbase at ``path`` (default: the settings' index). ``build_if_missing``:
    index the bundled glossaries first when nothing is there. ``searcher``: a
    version already open (tests, benchmarks), wrapped as it is. ``serving``: a
    server's (``Termbase.serving``)."""
    termbase: Termbase
    if searcher is not None:
        path = Path(searcher.index.path)
        kind = LocalTermbase if isinstance(searcher.reader, LocalReader) else PublishedTermbase
        termbase = kind(path, settings, encoder or searcher.encoder, searcher=searcher)
    else:
        path = path or settings.index_dir
        if is_engine_dir(path):
            termbase = PublishedTermbase(path, settings, encoder)
        else:
            if build_if_missing and not index_exists(path):
                from glossa.runtime import build, make_encoder

                builder = encoder or make_encoder(settings, notify)
                if notify:
                    notify(f"No index at {path}; indexing the bundled glossaries (once)...")
                build(settings, builder, path, progress=progress, store_progress=store_progress)
                # a command searches with the encoder that built; a server makes its own
                # (its queries go to the int8 graph once prepared: runtime.make_encoder)
                encoder = encoder if serving else builder
            termbase = LocalTermbase(path, settings, encoder)
    termbase.notify = notify
    termbase.serving = serving
    return termbase


__all__ = ["LocalTermbase", "PublishedTermbase", "Termbase", "Unsupported",
           "Version", "open_termbase"]  # fmt: skip

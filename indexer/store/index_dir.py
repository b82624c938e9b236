"""The index directory: ``manifest.json``, ``vectors.faiss``, ``entries.jsonl``,
``doc_stats.npy`` (per-entry score statistics used to correct hubness) and
``names.npy`` (each entry's names embedded as a query, for cross-lingual equivalents).

Written atomically: everything goes into a temporary sibling directory, is
fsynced, and is renamed into place; an interrupted build leaves the previous
index untouched. Writers hold the directory's exclusive lock
(``indexer.locking``), loaders a shared one. ``failpoint`` calls mark the steps
the crash tests kill a writer at. Loading checks the manifest against the files and against what
the caller expects (model, dimension), and refuses a mismatch with a message that
says what differs and how to rebuild.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from glossa.corpus.entry import Entry
from glossa.corpus.reviews import Review
from glossa.indexer.store.factory import discard_index, load_index
from glossa.indexer.store.files import failpoint, fsync_dir, fsync_file, sha256_file
from glossa.indexer.store.locking import index_lock
from glossa.indexer.store.vectors import FAISS_STORE, StoreConfig, VectorIndex
from pydantic import BaseModel, ConfigDict, ValidationError

FORMAT_VERSION = 2
MANIFEST = "manifest.json"
VECTORS = "vectors.faiss"
ENTRIES = "entries.jsonl"
DOC_STATS = "doc_stats.npy"
NAMES = "names.npy"
REVIEWS = "reviews.jsonl"  # reviewers' decisions on equivalents, carried into every version


class IndexLoadError(RuntimeError):
    """The index directory is missing, damaged, or does not fit the settings."""


class Manifest(BaseModel):
    model_config = ConfigDict(frozen=True, protected_namespaces=())

    format_version: int
    model: str
    dimension: int
    count: int
    index_kind: str
    doc_text: str
    corpus_checksum: str
    vectors_sha256: str
    entries_sha256: str
    doc_stats_sha256: str
    names_sha256: str
    built_at: str
    build_seconds: float
    sources: dict[str, int]
    languages: dict[str, int]
    glossa_version: str
    generation: int = 0  # +1 per write: readers tell "changed on disk" from "same"
    backend: str = "faiss"  # where the vectors live: this directory, or a Milvus collection
    collection: str | None = None  # the Milvus collection holding this version's vectors
    vectors_file: str = VECTORS  # vectors.faiss, or vectors.milvus.json (a pointer)
    reviews_sha256: str | None = None  # reviews.jsonl, once a reviewer has decided anything
    # source id -> {"title", "publisher"?, "url"?}: what people read instead of file names
    source_titles: dict[str, dict[str, str]] = {}


@dataclass(frozen=True)
class LoadedIndex:
    path: Path
    manifest: Manifest
    entries: tuple[Entry, ...]
    vectors: VectorIndex
    doc_stats: np.ndarray  # (count, 2): mean and std of each entry's pseudo-query scores
    name_vectors: np.ndarray  # (count, dimension): names embedded as queries
    reviews: tuple[Review, ...] = ()  # accepted / rejected equivalents


def rebuild_hint(path: Path) -> str:
    """For an index whose entries are intact but whose vectors do not fit: re-embed
    the index's own entries (never re-index the bundled corpus over them)."""
    return f"re-embed its own entries with: glossa rebuild --index {path}"


def missing_index_hint(path: Path) -> str:
    if (path / ENTRIES).is_file():
        return (
            f"its entries are still there: recover every readable one with: "
            f"glossa rebuild --index {path}"
        )
    return (
        f"build it from your glossaries with: glossa index GLOSSARY... --out {path} "
        f"(with no GLOSSARY this indexes the bundled CX glossaries)"
    )


def reembed_hint(path: Path) -> str:
    """For damaged derived files: the entries are intact and can be embedded again."""
    return (
        f"its entries are intact: re-embed them with: glossa rebuild --index {path} "
        f"(or rebuild from the source glossaries: glossa index GLOSSARY... --out {path})"
    )


def sources_hint(path: Path) -> str:
    """For damaged entries: only the source glossaries (or an export) can restore them."""
    return f"rebuild from the source glossaries or an export: glossa index GLOSSARY... --out {path}"


def counts(entries: Sequence[Entry]) -> tuple[dict[str, int], dict[str, int]]:
    return (
        dict(sorted(Counter(e.source for e in entries).items())),
        dict(sorted(Counter(e.lang for e in entries).items())),
    )


def write_index_dir(
    out: Path,
    manifest_fields: dict,
    entries: Sequence[Entry],
    vectors: VectorIndex,
    doc_stats: np.ndarray,
    name_vectors: np.ndarray,
    *,
    locked: bool = False,
    reviews: Sequence[Review] | None = None,
) -> Manifest:
    """Write the directory atomically and return its manifest. ``locked``: the
    caller already holds the exclusive lock (a read-modify-write). ``reviews``:
    the equivalents decisions to keep; None carries over the current version's."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not locked:
        with index_lock(out, exclusive=True):
            return write_index_dir(
                out, manifest_fields, entries, vectors, doc_stats, name_vectors,
                locked=True, reviews=reviews,
            )  # fmt: skip
    for stale in out.parent.glob(f".{out.name}.building-*"):  # left by a killed writer
        shutil.rmtree(stale, ignore_errors=True)
    if "generation" not in manifest_fields:
        manifest_fields = {**manifest_fields, "generation": next_generation(out)}
    manifest_fields = {**manifest_fields, "source_titles": _titles(out, manifest_fields)}
    manifest_fields = {
        **manifest_fields,
        "vectors_file": vectors.file_name,
        "backend": "milvus" if vectors.kind == "milvus" else "faiss",
        "collection": getattr(vectors, "collection", None),
    }
    vectors_file = vectors.file_name
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
    try:
        vectors.save(tmp / vectors_file)
        failpoint("write:vectors")
        np.save(tmp / DOC_STATS, np.ascontiguousarray(doc_stats, dtype=np.float32))
        np.save(tmp / NAMES, np.ascontiguousarray(name_vectors, dtype=np.float32))
        with (tmp / ENTRIES).open("w", encoding="utf-8") as f:
            for entry in entries:
                f.write(entry.to_json() + "\n")
        failpoint("write:entries")
        if reviews is None:
            reviews = _read_reviews(out / REVIEWS) if (out / REVIEWS).is_file() else ()
        files = [vectors_file, ENTRIES, DOC_STATS, NAMES, MANIFEST]
        if reviews:
            (tmp / REVIEWS).write_text(
                "".join(r.to_json() + "\n" for r in reviews), encoding="utf-8"
            )
            manifest_fields = {**manifest_fields, "reviews_sha256": sha256_file(tmp / REVIEWS)}
            files.append(REVIEWS)
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            vectors_sha256=sha256_file(tmp / vectors_file),
            entries_sha256=sha256_file(tmp / ENTRIES),
            doc_stats_sha256=sha256_file(tmp / DOC_STATS),
            names_sha256=sha256_file(tmp / NAMES),
            **manifest_fields,
        )
        (tmp / MANIFEST).write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
        failpoint("write:manifest")
        for name in files:
            fsync_file(tmp / name)
        fsync_dir(tmp)
        failpoint("write:synced")
        _swap_into_place(tmp, out, getattr(vectors, "store", FAISS_STORE))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def _titles(out: Path, fields: dict) -> dict[str, dict[str, str]]:
    """Titles of the sources this version holds: the ones given with this write,
    else the ones the current version had (titles outlive live changes)."""
    try:
        titles = dict(read_manifest(out).source_titles) if (out / MANIFEST).is_file() else {}
    except IndexLoadError:
        titles = {}
    titles.update(fields.get("source_titles") or {})
    return {s: titles[s] for s in fields.get("sources", {}) if s in titles}


def _swap_into_place(new: Path, out: Path, store: StoreConfig) -> None:
    """Replace ``out`` by ``new``. The old directory is renamed aside first; if we die
    between the two renames, ``load_index_dir`` restores it from the aside copy.
    Once the new version is in place, what the old one held outside its directory
    (a Milvus collection) is released."""
    aside = out.with_name(f".{out.name}.previous")
    if aside.exists():
        shutil.rmtree(aside)
    if out.exists():
        os.replace(out, aside)
        failpoint("swap:aside")
    os.replace(new, out)
    fsync_dir(out.parent)
    failpoint("swap:renamed")
    if aside.exists() and store.backend == "faiss":
        # keep the version just replaced, whole, so `glossa restore` can bring it
        # back (entries added or deleted by mistake over the API, a bad import)
        backup = backup_path(out)
        if backup.exists():
            shutil.rmtree(backup)
        os.replace(aside, backup)
        fsync_dir(out.parent)
        return
    _release(aside, out, store)
    shutil.rmtree(aside, ignore_errors=True)


def backup_path(out: Path) -> Path:
    """Where the previous version of the index at ``out`` is kept (FAISS only: a
    Milvus version's collection is dropped once the next one is in place)."""
    return out.with_name(f".{out.name}.backup")


def restore_backup(out: Path) -> Manifest:
    """Make the previous version current again, under the exclusive lock; the
    version it replaces becomes the backup, so a restore can itself be undone.
    The backup is verified (checksums) before anything moves."""
    out = out.resolve()
    backup = backup_path(out)
    with index_lock(out, exclusive=True):
        if not (backup / MANIFEST).is_file():
            raise IndexLoadError(f"no previous version of {out} is kept (nothing to restore)")
        restored = load_index_dir(backup, locked=True)
        current = next_generation(out)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
        try:
            shutil.copytree(backup, tmp, dirs_exist_ok=True)
            manifest = restored.manifest.model_copy(update={"generation": current})
            (tmp / MANIFEST).write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
            for name in os.listdir(tmp):
                fsync_file(tmp / name)
            fsync_dir(tmp)
            _swap_into_place(tmp, out, FAISS_STORE)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return manifest


def _release(old_dir: Path, new_dir: Path, store: StoreConfig) -> None:
    try:
        old = Manifest.model_validate_json((old_dir / MANIFEST).read_text(encoding="utf-8"))
        new = Manifest.model_validate_json((new_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if old.collection and old.collection != new.collection:
        with contextlib.suppress(Exception):  # an orphan collection is waste, not damage
            discard_index(old.index_kind, old_dir / old.vectors_file, store)


def next_generation(out: Path) -> int:
    try:
        return read_manifest(out).generation + 1
    except IndexLoadError:
        return 1


def index_exists(path: Path) -> bool:
    return (path / MANIFEST).is_file() or (
        path.with_name(f".{path.name}.previous") / MANIFEST
    ).is_file()


def read_manifest(path: Path) -> Manifest:
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        aside = path.with_name(f".{path.name}.previous")
        if (aside / MANIFEST).is_file() and not path.exists():
            # a swap was interrupted: the previous index is whole (another loader
            # may have restored it first)
            with contextlib.suppress(FileNotFoundError):
                os.replace(aside, path)
        if not manifest_path.is_file():
            raise IndexLoadError(f"no index at {path} (no {MANIFEST}); {missing_index_hint(path)}")
    try:
        manifest = Manifest.model_validate_json(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValidationError, ValueError) as exc:
        raise IndexLoadError(
            f"{manifest_path} is damaged or truncated; {missing_index_hint(path)}"
        ) from exc
    if manifest.format_version != FORMAT_VERSION:
        raise IndexLoadError(
            f"index at {path} has format version {manifest.format_version}, this Glossa reads "
            f"version {FORMAT_VERSION}; {rebuild_hint(path)}"
        )
    return manifest


def load_index_dir(
    path: Path,
    *,
    expected_model: str | None = None,
    expected_dimension: int | None = None,
    expected_doc_text: str | None = None,
    locked: bool = False,
    store: StoreConfig | None = None,
) -> LoadedIndex:
    """Load and verify an index directory (under a shared lock unless the caller
    holds the exclusive one). With ``store``, the index must live in that backend."""
    path = path.resolve()
    if not locked:
        with index_lock(path, exclusive=False):
            return load_index_dir(
                path,
                expected_model=expected_model,
                expected_dimension=expected_dimension,
                expected_doc_text=expected_doc_text,
                locked=True,
                store=store,
            )
    manifest = read_manifest(path)
    if store is not None and manifest.backend != store.backend:
        raise IndexLoadError(
            f"index at {path} keeps its vectors in {manifest.backend}"
            + (f" (collection {manifest.collection})" if manifest.collection else "")
            + f" but the settings select GLOSSA_BACKEND={store.backend}; set "
            f"GLOSSA_BACKEND={manifest.backend}, or re-index into {store.backend} with: "
            f"GLOSSA_BACKEND={store.backend} glossa rebuild --index {path}"
        )
    if expected_model is not None and manifest.model != expected_model:
        raise IndexLoadError(
            f"index at {path} was built with model {manifest.model!r} but the settings select "
            f"{expected_model!r}; set GLOSSA_MODEL={manifest.model} or {rebuild_hint(path)}"
        )
    if expected_dimension is not None and manifest.dimension != expected_dimension:
        raise IndexLoadError(
            f"index at {path} holds {manifest.dimension}-dimensional vectors but the model makes "
            f"{expected_dimension}-dimensional ones; {rebuild_hint(path)}"
        )
    if expected_doc_text is not None and manifest.doc_text != expected_doc_text:
        raise IndexLoadError(
            f"index at {path} embeds {manifest.doc_text!r} but the settings select "
            f"{expected_doc_text!r}; {rebuild_hint(path)}"
        )
    checked = [
        (manifest.vectors_file, manifest.vectors_sha256),
        (ENTRIES, manifest.entries_sha256),
        (DOC_STATS, manifest.doc_stats_sha256),
        (NAMES, manifest.names_sha256),
    ]
    if manifest.reviews_sha256:
        checked.append((REVIEWS, manifest.reviews_sha256))
    for name, digest in checked:
        file = path / name
        hint = sources_hint(path) if name == ENTRIES else reembed_hint(path)
        if not file.is_file():
            raise IndexLoadError(f"{file} is missing; {hint}")
        if sha256_file(file) != digest:
            raise IndexLoadError(
                f"{file} is damaged or truncated (its checksum differs from the one in "
                f"{MANIFEST}); {hint}"
            )
    vectors_path = path / manifest.vectors_file
    try:
        vectors = load_index(manifest.index_kind, vectors_path, store or FAISS_STORE)
    except (RuntimeError, ValueError) as exc:
        raise IndexLoadError(f"cannot read {vectors_path}: {exc}; {reembed_hint(path)}") from exc
    entries = tuple(_read_entries(path / ENTRIES))
    if vectors.dimension != manifest.dimension:
        raise IndexLoadError(
            f"{vectors_path} has dimension {vectors.dimension}, manifest says "
            f"{manifest.dimension}; {rebuild_hint(path)}"
        )
    if not (len(entries) == len(vectors) == manifest.count):
        raise IndexLoadError(
            f"index at {path} is inconsistent: manifest count {manifest.count}, "
            f"{len(entries)} entries, {len(vectors)} vectors; {rebuild_hint(path)}"
        )
    doc_stats = np.load(path / DOC_STATS)
    if doc_stats.shape != (manifest.count, 2):
        raise IndexLoadError(
            f"{path / DOC_STATS} has shape {doc_stats.shape}; {rebuild_hint(path)}"
        )
    name_vectors = np.load(path / NAMES)
    if name_vectors.shape != (manifest.count, manifest.dimension):
        raise IndexLoadError(f"{path / NAMES} has shape {name_vectors.shape}; {rebuild_hint(path)}")
    return LoadedIndex(
        path=path,
        manifest=manifest,
        entries=entries,
        vectors=vectors,
        doc_stats=doc_stats,
        name_vectors=name_vectors,
        reviews=tuple(_read_reviews(path / REVIEWS)) if manifest.reviews_sha256 else (),
    )


def _read_reviews(path: Path) -> list[Review]:
    reviews = []
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            try:
                reviews.append(Review.from_json(line))
            except (ValueError, KeyError, TypeError) as exc:
                raise IndexLoadError(f"{path}:{number}: damaged review record ({exc})") from exc
    return reviews


def _read_entries(path: Path) -> list[Entry]:
    entries = []
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            try:
                entries.append(Entry.from_dict(json.loads(line)))
            except (ValueError, KeyError, TypeError) as exc:
                raise IndexLoadError(f"{path}:{number}: damaged entry record ({exc})") from exc
    return entries

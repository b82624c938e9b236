"""Live changes to an index: add, update and delete entries without a rebuild.

A write of k entries costs what it changes (Lucene's model, ``store.segments``):

1. plan the change against the current version (ids found through each
   segment's id map, O(k));
2. embed only entries whose embedded text changed; an update that leaves the
   text alone reuses its stored vectors;
3. write the new and updated entries as one new segment (vectors, names,
   statistics against the stored pseudo-query sample, lexical postings);
4. write a new deletes file for each segment that lost rows (deleted entries
   and the old versions of updated ones);
5. merge: when four segments have the same size class (powers of four), they
   are rewritten as one, so the number of segments stays logarithmic and every
   entry is rewritten O(log n) times over its life;
6. commit: rename a new manifest into place, then remove what no version needs.

All of it happens under the directory's exclusive lock; the rename is the
commit, so readers (and a crash at any step) see the whole old or the whole
new version; two writers (the API and ``glossa add``) queue. Given the version
the caller already holds (``current``), nothing unchanged is read again.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from glossa.corpus.entry import Entry, updated_checksum
from glossa.corpus.reviews import DECISIONS, Review, content_digest, with_review
from glossa.indexer.build import now, pseudo_query_stats
from glossa.indexer.document_text import document_text
from glossa.indexer.encoders.encoder import TextEncoder
from glossa.indexer.store.change_error import ChangeError
from glossa.indexer.store.files import failpoint
from glossa.indexer.store.index_dir import (
    WRITE,
    IndexLoadError,
    cleaned_on_failure,
    read_manifest,
    sources_hint,
    write_manifest,
    write_reviews,
)
from glossa.indexer.store.locking import index_lock
from glossa.indexer.store.reader import LoadedIndex, load_index_dir
from glossa.indexer.store.recovery import lineage, salvage
from glossa.indexer.store.segments import (
    Segment,
    SegmentInfo,
    segment_name,
    write_deletes,
    write_segment,
)
from glossa.indexer.store.vectors import FAISS_STORE, MILVUS, StoreConfig, choose_kind

from glossa.errors import ErrorKind

MERGE_BASE = 4  # size classes are powers of this; this many segments of one class merge


@dataclass(frozen=True)
class ChangeReport:
    added: tuple[str, ...]
    updated: tuple[str, ...]
    deleted: tuple[str, ...]
    unchanged: tuple[str, ...]  # re-sent identical entries: a retry is harmless
    embedded: int  # texts sent to the encoder (documents + names)
    count: int
    generation: int
    merged: int = 0  # segments merged by this write


def _names(entries: Iterable[str], limit: int = 5) -> str:
    items = list(entries)
    shown = ", ".join(repr(i) for i in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def plan(
    index: LoadedIndex,
    add: Sequence[Entry] = (),
    update: Sequence[Entry] = (),
    delete: Sequence[str] = (),
    *,
    upsert: bool = False,
) -> tuple[list[Entry], list[int], ChangeReport]:
    """What a change does: the entries to write (new ones and new versions), the
    rows that go, and the report. Costs O(k) id lookups, whatever the index size.

    Adding an existing id is a conflict unless the entry is identical (then it is
    "unchanged") or ``upsert`` is set; updating or deleting a missing id is "not found";
    a change that would leave no entry is refused.
    """
    touched = [e.id for e in add] + [e.id for e in update] + list(delete)
    seen: set[str] = set()
    repeated = sorted({i for i in touched if i in seen or seen.add(i)})
    if repeated:
        raise ChangeError(f"ids named more than once in one change: {_names(repeated)}", ErrorKind.CONFLICT)
    rows = {i: index.row_of(i) for i in touched}
    missing = [i for i in [e.id for e in update] + list(delete) if rows[i] is None]
    if missing:
        raise ChangeError(f"no entry with id {_names(missing)}", ErrorKind.NOT_FOUND, missing)
    replace: dict[str, Entry] = {e.id: e for e in update}
    added, unchanged, conflicts = [], [], []
    for entry in add:
        row = rows[entry.id]
        if row is None:
            added.append(entry)
        elif index.entry(row) == entry:
            unchanged.append(entry.id)
        elif upsert:
            replace[entry.id] = entry
        else:
            conflicts.append(entry.id)
    if conflicts:
        raise ChangeError(
            f"entries already exist with id {_names(conflicts)}; update them instead "
            "(glossa update / PUT /entries/{id}, or glossa add --upsert)",
            ErrorKind.CONFLICT,
            conflicts,
        )
    updated = [e for i, e in replace.items() if index.entry(rows[i]) != e]
    unchanged += [i for i, e in replace.items() if index.entry(rows[i]) == e]
    gone = [rows[i] for i in delete] + [rows[e.id] for e in updated]
    report = ChangeReport(
        added=tuple(e.id for e in added),
        updated=tuple(e.id for e in updated),
        deleted=tuple(delete),
        unchanged=tuple(unchanged),
        embedded=0,
        count=index.manifest.count + len(added) - len(delete),
        generation=0,
    )
    if report.count == 0:
        raise ChangeError("this change would leave the index empty; an index needs entries", ErrorKind.UNPROCESSABLE)
    return updated + added, gone, report


@dataclass(frozen=True)
class _Ahead:
    """What a write embedded before it took the exclusive lock: the version it
    planned against, and each written entry with its document and name vectors."""

    base: LoadedIndex
    vectors: dict[str, tuple[Entry, np.ndarray, np.ndarray]]
    embedded: int


def _embedded_ahead(
    path: Path,
    encoder: TextEncoder | None,
    add: Sequence[Entry],
    update: Sequence[Entry],
    delete: Sequence[str],
    upsert: bool,
    store: StoreConfig,
    current: LoadedIndex | None,
) -> _Ahead | None:
    """Embed what a change set writes before taking the index's exclusive lock.

    Why: embedding a large write takes minutes, and under the exclusive lock
    every other writer and every ``glossa check`` would wait that long (issue
    28). Vectors depend only on an entry's text and the model, so they stay
    right whatever commits meanwhile; under the lock the write plans again
    against the version it commits onto and embeds only what it did not
    embed here. Any refusal is left to that locked pass, which reports it."""
    if encoder is None or not (add or update):
        return None
    try:
        base = load_index_dir(path, expected_model=encoder.model_name,
                              expected_dimension=encoder.dimension, store=store,
                              reuse=current)  # fmt: skip
        written, _, _ = plan(base, add, update, delete, upsert=upsert)
    except (ChangeError, IndexLoadError):
        return None
    docs, names, embedded = _vectors_for(written, base, encoder)
    vectors = {e.id: (e, d, n) for e, d, n in zip(written, docs, names, strict=True)}
    return _Ahead(base, vectors, embedded)


def _vectors_for(
    entries: Sequence[Entry],
    old: LoadedIndex,
    encoder: TextEncoder | None,
    ahead: _Ahead | None = None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Document and name vectors of ``entries``, embedding only changed texts
    (and nothing ``ahead`` embedded already for the same recipe)."""
    recipe = old.manifest.doc_text
    docs = np.zeros((len(entries), old.manifest.dimension), np.float32)
    names = np.zeros_like(docs)
    doc_todo: list[int] = []
    name_todo: list[int] = []
    done = ahead.vectors if ahead and ahead.base.manifest.doc_text == recipe else {}
    for i, entry in enumerate(entries):
        held = done.get(entry.id)
        if held is not None and held[0] == entry:
            docs[i], names[i] = held[1], held[2]
            continue
        row = old.row_of(entry.id)
        previous = None if row is None else old.entry(row)
        if previous is not None:
            s, local = old.split(row)
        if previous is not None and document_text(previous, recipe) == document_text(entry, recipe):
            docs[i] = old.segments[s].doc_vectors(np.array([local]))[0]
        else:
            doc_todo.append(i)
        if previous is not None and document_text(previous, "names") == document_text(
            entry, "names"
        ):
            names[i] = old.segments[s].names[local]
        else:
            name_todo.append(i)
    if (doc_todo or name_todo) and encoder is None:
        raise ValueError("entries to embed but no encoder given")
    if doc_todo:
        docs[doc_todo] = encoder.encode_documents(
            [document_text(entries[r], recipe) for r in doc_todo]
        )
    if name_todo:
        names[name_todo] = encoder.encode_queries(
            [document_text(entries[r], "names") for r in name_todo]
        )
    return docs, names, len(doc_todo) + len(name_todo) + (ahead.embedded if done else 0)


def apply_changes(
    path: Path,
    encoder: TextEncoder | None,
    *,
    add: Sequence[Entry] = (),
    update: Sequence[Entry] = (),
    delete: Sequence[str] = (),
    upsert: bool = False,
    store: StoreConfig = FAISS_STORE,
    source_titles: dict[str, dict[str, str]] | None = None,
    current: LoadedIndex | None = None,
) -> tuple[LoadedIndex, ChangeReport]:
    """Apply one change set to the index at ``path``; returns the new version and
    a report. Nothing is written when nothing changes (a retried request stays a
    no-op). ``encoder`` may be None for pure deletions (no model needs loading).
    ``current``: the version the caller holds, reused where it is still current."""
    path = path.resolve()
    started = time.perf_counter()
    ahead = _embedded_ahead(path, encoder, add, update, delete, upsert, store, current)
    with index_lock(path, exclusive=True), cleaned_on_failure(path, store):
        old = load_index_dir(
            path,
            expected_model=encoder.model_name if encoder else None,
            expected_dimension=encoder.dimension if encoder else None,
            locked=True,
            store=store,
            reuse=ahead.base if ahead else current,
        )
        written, gone, report = plan(old, add, update, delete, upsert=upsert)
        if not (report.added or report.updated or report.deleted):
            return old, _with(report, generation=old.manifest.generation)
        docs, names, embedded = _vectors_for(written, old, encoder, ahead)
        failpoint("update:embedded")
        generation = old.manifest.generation + 1
        segments = list(old.segments)
        infos = list(old.manifest.segments)
        dead = list(old.dead)
        next_number = old.manifest.next_segment
        if written:
            segment = write_segment(
                path, segment_name(next_number), written, docs, names,
                pseudo_query_stats(docs, old.pseudo),
                kind=MILVUS if store.backend == "milvus" else choose_kind(len(written)),
                analyzer=old.manifest.analyzer, store=store, generation=generation,
            )  # fmt: skip
            next_number += 1
            segments.append(segment)
            infos.append(segment.info)
            dead.append(np.zeros(len(written), dtype=bool))
        for s in sorted({old.split(r)[0] for r in gone}):
            mask = old.dead[s].copy()
            mask[[old.split(r)[1] for r in gone if old.split(r)[0] == s]] = True
            dead[s] = mask
            infos[s] = write_deletes(path, infos[s], mask, generation)
        failpoint("update:deletes")
        removed = [old.entry(r) for r in gone]
        segments, infos, dead, merged, next_number = merge_segments(
            path, segments, infos, dead, next_number, store, old.manifest.analyzer, generation
        )
        failpoint("update:merged")
        sources = _counted(old.manifest.sources, [e.source for e in written],
                           [e.source for e in removed])  # fmt: skip
        languages = _counted(old.manifest.languages, [e.lang for e in written],
                             [e.lang for e in removed])  # fmt: skip
        titles = {**old.manifest.source_titles, **(source_titles or {})}
        manifest = old.manifest.model_copy(
            update={
                "count": report.count,
                "corpus_checksum": updated_checksum(old.manifest.corpus_checksum, written, removed),
                "built_at": now(),
                "build_seconds": round(time.perf_counter() - started, 3),
                "sources": sources,
                "languages": languages,
                "segments": tuple(infos),
                "next_segment": next_number,
                "generation": generation,
                "source_titles": {s: t for s, t in titles.items() if s in sources},
                "made_by": WRITE,
            }
        )
        write_manifest(path, manifest, store)
    loaded = LoadedIndex(path, manifest, tuple(segments), tuple(dead), old.pseudo, old.reviews)
    return loaded, _with(report, embedded=embedded, generation=generation, merged=merged)


def _counted(before: dict[str, int], plus: list[str], minus: list[str]) -> dict[str, int]:
    out = dict(before)
    for key in plus:
        out[key] = out.get(key, 0) + 1
    for key in minus:
        out[key] -= 1
    return dict(sorted((k, v) for k, v in out.items() if v > 0))


def size_class(live: int) -> int:
    level, size = 0, MERGE_BASE
    while live >= size:
        level, size = level + 1, size * MERGE_BASE
    return level


def merge_plan(dead: Sequence[np.ndarray]) -> list[int]:
    """Which segments to merge now: the first size class holding ``MERGE_BASE``
    segments (sizes counted in live entries; a segment that lost more than half
    its rows counts by what it still holds, so it gets merged away)."""
    classes: dict[int, list[int]] = {}
    for s, mask in enumerate(dead):
        classes.setdefault(size_class(int((~mask).sum())), []).append(s)
    for level in sorted(classes):
        if len(classes[level]) >= MERGE_BASE:
            return classes[level]
    return []


def merge_segments(
    path: Path,
    segments: list[Segment],
    infos: list[SegmentInfo],
    dead: list[np.ndarray],
    next_number: int,
    store: StoreConfig,
    analyzer: str,
    generation: int,
    *,
    everything: bool = False,
) -> tuple[list[Segment], list[SegmentInfo], list[np.ndarray], int, int]:
    """Rewrite segments as one while the merge policy (or ``everything``) asks
    for it; returns the new lists, how many segments were merged, and the next
    segment number. The merged segments' files stay until no manifest names them."""
    merged = 0
    while True:
        chosen = list(range(len(segments))) if everything else merge_plan(dead)
        if len(chosen) < 2 and not (everything and chosen and infos[chosen[0]].deleted):
            return segments, infos, dead, merged, next_number
        keep = [(segments[s], np.flatnonzero(~dead[s])) for s in chosen]
        entries = [segment.entries[r] for segment, rows in keep for r in rows.tolist()]
        docs = np.concatenate([segment.doc_vectors(rows) for segment, rows in keep])
        names = np.concatenate([np.asarray(segment.names[rows]) for segment, rows in keep])
        stats = np.concatenate([segment.doc_stats[rows] for segment, rows in keep])
        kind = MILVUS if store.backend == "milvus" else choose_kind(len(entries))
        segment = write_segment(
            path, segment_name(next_number), entries, docs, names, stats, kind=kind,
            analyzer=analyzer, store=store, generation=generation,
        )  # fmt: skip
        next_number += 1
        merged += len(chosen)
        rest = [s for s in range(len(segments)) if s not in chosen]
        segments = [segments[s] for s in rest] + [segment]
        infos = [infos[s] for s in rest] + [segment.info]
        dead = [dead[s] for s in rest] + [np.zeros(len(entries), dtype=bool)]
        if everything:
            return segments, infos, dead, merged, next_number


def optimize(path: Path, *, store: StoreConfig = FAISS_STORE) -> LoadedIndex:
    """Merge every segment into one, dropping deleted rows (``glossa optimize``):
    the index as a fresh build would lay it out, without embedding anything. An
    index already laid out so is returned as it is: a commit that changes nothing
    would only use up the version ``glossa restore`` goes back to."""
    path = path.resolve()
    with index_lock(path, exclusive=True), cleaned_on_failure(path, store):
        old = load_index_dir(path, locked=True, store=store)
        if len(old.segments) <= 1 and not any(d.any() for d in old.dead):
            return old  # already one segment without deletes: nothing to commit, undo kept
        generation = old.manifest.generation + 1
        segments, infos, dead, _, next_number = merge_segments(
            path, list(old.segments), list(old.manifest.segments), list(old.dead),
            old.manifest.next_segment, store, old.manifest.analyzer, generation, everything=True,
        )  # fmt: skip
        manifest = old.manifest.model_copy(
            update={
                "segments": tuple(infos),
                "next_segment": next_number,
                "generation": generation,
                "built_at": now(),
                "made_by": WRITE,
            }  # fmt: skip
        )
        write_manifest(path, manifest, store)
    return LoadedIndex(path, manifest, tuple(segments), tuple(dead), old.pseudo, old.reviews)


def check_decision(decision: str) -> None:
    if decision not in DECISIONS:
        raise ChangeError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}", ErrorKind.UNPROCESSABLE)


def reviewed(
    reviews: Sequence[Review], found: dict[str, Entry | None], a: str, b: str, decision: str
) -> tuple[Review, ...] | None:
    """The reviews with the decision on (a, b) in place, or None when it is already
    recorded. ``found``: the two entries as the index holds them (None if absent).
    Shared by local indexes and indexes published into Milvus. A pair that its
    source declares one concept is refused a rejection (409, with what to do):
    the termbase's concept ids are its authors' word, and a rejection Glossa kept
    but could not apply would say one thing and do another."""
    for entry_id, entry in found.items():
        if entry is None:
            raise ChangeError(f"unknown entry id {entry_id!r}", ErrorKind.NOT_FOUND)
    lang_a, lang_b = found[a].lang, found[b].lang  # type: ignore[union-attr]
    if lang_a == lang_b:
        raise ChangeError(f"{a} and {b} are both {lang_a!r}: equivalents link different languages",
                          ErrorKind.UNPROCESSABLE)  # fmt: skip
    concept = found[a].concept  # type: ignore[union-attr]
    if concept and concept == found[b].concept:  # type: ignore[union-attr]
        if decision == "accepted":
            return None  # already one concept: nothing to record
        raise ChangeError(
            f"{a} and {b} are one concept their source declares ({concept!r}): a review cannot "
            "split it; change the concept id in the source glossary and import it again",
            ErrorKind.CONFLICT,
        )  # fmt: skip
    review = Review(a, b, decision, content_digest(found[a]), content_digest(found[b]))  # type: ignore[arg-type]
    mirrored = Review(b, a, decision, review.b_content, review.a_content)
    if review in reviews or mirrored in reviews:
        return None
    return with_review(tuple(reviews), review)


def record_review(
    path: Path, a: str, b: str, decision: str, *, store: StoreConfig = FAISS_STORE,
    current: LoadedIndex | None = None,
) -> tuple[LoadedIndex, bool]:  # fmt: skip
    """Record a reviewer's decision on the pair (a, b): ``accepted`` confirms the
    link, ``rejected`` removes it and keeps it from being proposed again. Returns
    the index and whether anything changed (a repeated decision writes nothing).
    Nothing is embedded and no segment is touched: a new reviews file and manifest."""
    check_decision(decision)
    path = path.resolve()
    with index_lock(path, exclusive=True), cleaned_on_failure(path, store):
        old = load_index_dir(path, locked=True, store=store, reuse=current)
        reviews = reviewed(old.reviews, {i: old.get(i) for i in (a, b)}, a, b, decision)
        if reviews is None:
            return old, False
        generation = old.manifest.generation + 1
        name, digest = write_reviews(path, reviews, generation)
        manifest = old.manifest.model_copy(
            update={"reviews": name, "reviews_sha256": digest, "generation": generation,
                    "made_by": WRITE}  # fmt: skip
        )
        write_manifest(path, manifest, store)
    return dataclasses.replace(old, manifest=manifest, reviews=tuple(reviews)), True


def _with(report: ChangeReport, **changes) -> ChangeReport:
    return ChangeReport(**{**report.__dict__, **changes})


def read_index_entries(path: Path) -> list[Entry]:
    """The entries stored in an index directory, checked against the manifest's
    checksums (the API's background rebuild: it must not proceed on damage)."""
    snapshot = entries_snapshot(path)
    refuse_damaged(path, snapshot.lost)
    return snapshot.entries


def refuse_damaged(path: Path, lost: Sequence[str]) -> None:
    """Refuse an index whose entries could not all be read, naming the first few."""
    if lost:
        raise IndexLoadError(f"entries of {path} are damaged ({'; '.join(lost[:5])}); "
                             f"{sources_hint(path)}")  # fmt: skip


def recover_index_entries(path: Path) -> tuple[list[Entry], list[str]]:
    """Every readable live entry of an index directory, and what could not be
    read (``recovery.salvage``: nothing readable is dropped, nothing deleted
    comes back, every lost live entry is named by id)."""
    snapshot = entries_snapshot(path)
    return snapshot.entries, snapshot.lost


@dataclass(frozen=True)
class EntriesSnapshot:
    """The readable live entries of one committed version, what could not be
    read (``file:line: reason``, the first ``recovery.KEPT_PROBLEMS``; the ids
    of the live entries lost, and how many had no id on record), and the
    generation it continues (``recovery.lineage``): what a rebuild embeds, and
    what it compares the version it commits onto against."""

    entries: list[Entry]
    lost: list[str]
    generation: int
    lost_ids: list[str] = dataclasses.field(default_factory=list)
    unnamed: int = 0


def current_generation(path: Path, *, locked: bool = False) -> int:
    """The generation of the committed version (without a usable manifest: the
    highest its files name)."""
    path = path.resolve()
    with nullcontext() if locked else index_lock(path, exclusive=False):
        return lineage(path).generation


def entries_snapshot(path: Path, *, locked: bool = False) -> EntriesSnapshot:
    """``recover_index_entries`` with the generation read; ``locked``: the caller
    holds the index's lock already."""
    path = path.resolve()
    with nullcontext() if locked else index_lock(path, exclusive=False):
        try:
            manifest = read_manifest(path)
        except IndexLoadError:
            manifest = None
        found = salvage(path, manifest)
        generation = manifest.generation if manifest else lineage(path).generation
        lost = list(found.problems)
        if found.problem_count > len(lost):
            lost.append(f"… and {found.problem_count - len(lost)} more")
        return EntriesSnapshot(found.entries, lost, generation, found.lost_ids, found.unnamed)

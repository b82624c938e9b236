"""What a damaged index directory still holds, read so that nothing readable is
lost and everything lost is named.

Why a module of its own: loading (``index_dir``) refuses any file whose
checksum differs, because a search must never run on damage; recovery is the
opposite reader, for ``glossa rebuild`` and ``glossa export --salvage``: it
keeps every row it can read and names each one it cannot.

- A damaged or truncated ``entries.jsonl`` is read row by row at the byte
  offsets the segment's lookup recorded, so each readable row keeps its place
  (the segment's deletes still apply: nothing deleted comes back) and each
  unreadable live row is named by the id the lookup holds for it.
- A lost or damaged ``manifest.json`` is pieced together from what the other
  files say: the newest kept version (``manifest.previous.json``, ``history/``)
  names the live segments, segments written after it are added, each
  segment's newest deletes file applies, and the newest segment that holds an
  id decides whether it is live (a merged or updated entry's older copies stay
  behind it). Reviews come from the newest reviews file, and the generation and
  segment numbers go on from the highest any file names, so a server holding
  the old version never sees a generation or segment name used twice.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from glossa.corpus.entry import Entry
from glossa.corpus.importers import jsonl_entries
from glossa.corpus.reviews import Review
from glossa.corpus.sources import collect
from glossa.indexer.store.files import sha256_file
from glossa.indexer.store.index_dir import (
    ENTRIES,
    HISTORY,
    MANIFEST,
    IndexLoadError,
    Manifest,
    current_manifest,
    kept_versions,
)
from glossa.indexer.store.segments import DELETES, LOOKUP, SEGMENTS, Lookup, SegmentInfo

KEPT_PROBLEMS = 100  # problems kept word for word; all are counted
_GENERATION = re.compile(r"\.g(\d+)\.")
_SEGMENT = re.compile(r"^s(\d+)$")


@dataclass
class Salvage:
    """Every readable live entry, every live entry that could not be read (by
    id), and what went wrong (``file:line: reason``, the first ``KEPT_PROBLEMS``)."""

    entries: list[Entry] = field(default_factory=list)
    lost_ids: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0
    unnamed: int = 0  # unreadable rows whose id nothing recorded

    def problem(self, text: str) -> None:
        self.problem_count += 1
        if len(self.problems) < KEPT_PROBLEMS:
            self.problems.append(text)


@dataclass(frozen=True)
class Lineage:
    """What a new version of the directory continues from: the generation and
    segment number to go on after, the reviews and source titles to carry."""

    generation: int
    next_segment: int
    reviews: Path | None
    source_titles: dict[str, dict[str, str]]


@dataclass(frozen=True)
class _Row:
    id: str | None
    entry: Entry | None
    dead: bool


def lineage(path: Path) -> Lineage:
    """The current manifest's lineage, or (without a usable one) the one its
    files imply; an empty lineage for a directory holding no index."""
    manifest = current_manifest(path)
    if manifest is not None:
        reviews = path / manifest.reviews if manifest.reviews else None
        return Lineage(manifest.generation, manifest.next_segment, reviews, manifest.source_titles)
    base = newest_kept_version(path)
    generations = [base.generation if base else 0]
    for folder, pattern in ((path / DELETES, "*.npy"), (path, "reviews.g*.jsonl"),
                            (path, "pseudo.g*.npy"), (path / HISTORY, "manifest.g*.json")):  # fmt: skip
        generations += [_generation_of(f) for f in folder.glob(pattern)] if folder.is_dir() else []
    numbers = [base.next_segment - 1 if base else 0] + [n for n, _ in _segment_dirs(path)]
    return Lineage(max(generations), max(numbers) + 1, _newest_reviews(path),
                   base.source_titles if base else {})  # fmt: skip


def newest_kept_version(path: Path) -> Manifest | None:
    """The newest readable replaced version (``manifest.previous.json`` or ``history/``)."""
    return max(kept_versions(path), key=lambda m: m.generation, default=None)


def salvage(path: Path, manifest: Manifest | None) -> Salvage:
    """Every readable live entry of the index at ``path`` as of ``manifest``
    (None: the manifest is lost, piece the version together from the files)."""
    if manifest is not None:
        found = Salvage()
        for info in manifest.segments:
            before = found.problem_count
            rows = _segment_rows(path, info.name, info.count, _deletes(path, info, found), found)
            _keep(found, rows)
            file = path / SEGMENTS / info.name / ENTRIES
            if (
                found.problem_count == before
                and file.is_file()
                and sha256_file(file) != info.sha256.get(ENTRIES)
            ):
                found.problem(f"{file}: differs from the checksum in {MANIFEST} (edited by hand?)")
        return found
    return _salvage_without_manifest(path)


def _salvage_without_manifest(path: Path) -> Salvage:
    found = Salvage()
    on_disk = dict((name, number) for number, name in _segment_dirs(path))
    if not on_disk:
        if (path / ENTRIES).is_file():  # a format-2 index: one entries file, no segments
            result = collect(jsonl_entries(path / ENTRIES))
            found.entries = list({e.id: e for e in result.entries}.values())
            _problems(found, result)
            return found
        raise IndexLoadError(f"{path} holds no entries to recover ({MANIFEST} and {SEGMENTS}/ "
                             "are missing)")  # fmt: skip
    base = newest_kept_version(path)
    infos = {i.name: i for i in base.segments} if base else {}
    after = base.next_segment if base else 0
    names = [n for n in infos if n in on_disk] + sorted(
        (n for n, number in on_disk.items() if number >= after and n not in infos),
        key=on_disk.__getitem__,
    )
    if base is not None:
        for name in (n for n in infos if n not in on_disk):
            found.problem(f"{path / SEGMENTS / name}: missing (named by version "
                          f"{base.generation}); its entries are lost")  # fmt: skip
    state: dict[object, _Row] = {}
    for name in names:
        info = infos.get(name)
        count = info.count if info else None
        for row in _segment_rows(path, name, count, _newest_deletes(path, name, found), found):
            state[row.id if row.id is not None else object()] = row  # the newest segment decides
    _keep(found, state.values())
    return found


def _keep(found: Salvage, rows) -> None:
    for row in rows:
        if row.dead:
            continue
        if row.entry is not None:
            found.entries.append(row.entry)
        elif row.id is not None:
            found.lost_ids.append(row.id)
        else:
            found.unnamed += 1


def _segment_rows(
    path: Path, name: str, count: int | None, dead: np.ndarray | None, found: Salvage
) -> list[_Row]:
    """Each row of a segment: its id (from the lookup), its entry if a line of
    the entries file holds it readable, and whether it is deleted. Lines are
    matched to rows by id, not position, so a line cut short or edited in the
    middle costs that line only."""
    folder = path / SEGMENTS / name
    file = folder / ENTRIES
    try:
        lookup = Lookup.load(folder / LOOKUP)
    except Exception:  # noqa: BLE001 - any damage: the lines alone must do
        lookup = None
    if lookup is None or (count is not None and len(lookup.offsets) - 1 != count):
        return _rows_by_line(file, count, dead, found)
    ids: list[str] = [""] * (len(lookup.offsets) - 1)
    for at, row in enumerate(lookup.id_rows.tolist()):
        ids[row] = lookup.ids[at].decode("utf-8")
    dead = _fitted(dead, len(ids), folder, found)
    read: dict[str, Entry] = {}
    if file.is_file():
        result = collect(jsonl_entries(file))
        _problems(found, result)
        read = {e.id: e for e in result.entries}
    else:
        found.problem(f"{file}: missing")
    rows = [_Row(i, read.pop(i, None), gone) for i, gone in zip(ids, dead.tolist(), strict=True)]
    return rows + [_Row(e.id, e, False) for e in read.values()]  # lines the lookup never knew


def _problems(found: Salvage, result) -> None:
    for problem in result.problems:
        found.problem(str(problem))
    found.problem_count += result.problem_count - len(result.problems)


def _rows_by_line(
    file: Path, count: int | None, dead: np.ndarray | None, found: Salvage
) -> list[_Row]:
    """Without a usable lookup: the lines that parse, in order. Deletes apply
    only when every row read (otherwise rows cannot be told apart)."""
    if not file.is_file():
        found.problem(f"{file}: missing, and its lookup is damaged: its entries are lost unnamed")
        found.unnamed += count or 0
        return []
    result = collect(jsonl_entries(file))
    _problems(found, result)
    entries = result.entries
    whole = count is None or len(entries) == count
    if not whole:
        found.unnamed += count - len(entries)
        found.problem(f"{file}: {count - len(entries)} row(s) unreadable and its lookup is "
                      "damaged: they cannot be named, and its deletes cannot apply")  # fmt: skip
    marks = _fitted(dead, len(entries), file.parent, found).tolist() if whole else None
    return [_Row(e.id, e, bool(marks[i]) if marks else False) for i, e in enumerate(entries)]


def _fitted(dead: np.ndarray | None, rows: int, folder: Path, found: Salvage) -> np.ndarray:
    """A dead-row mask of ``rows`` rows (a newest deletes file read without its
    segment's count ends at its last deleted row)."""
    if dead is None:
        return np.zeros(rows, bool)
    if len(dead) > rows:
        found.problem(f"{folder}: its deletes name rows it does not have; none are applied")
        return np.zeros(rows, bool)
    return np.concatenate([dead, np.zeros(rows - len(dead), bool)])


def _deletes(path: Path, info: SegmentInfo, found: Salvage) -> np.ndarray | None:
    if info.deletes is None:
        return np.zeros(info.count, bool)
    dead = _read_deletes(path / DELETES / info.deletes, info.count)
    if dead is None:
        found.problem(f"{path / DELETES / info.deletes}: unreadable; the entries it deleted "
                      "are kept")  # fmt: skip
    return dead


def _newest_deletes(path: Path, name: str, found: Salvage) -> np.ndarray | None:
    """The segment's newest readable deletes file (they are cumulative)."""
    for file in sorted((path / DELETES).glob(f"{name}.g*.npy"), key=_generation_of, reverse=True):
        dead = _read_deletes(file, None)
        if dead is not None:
            return dead
        found.problem(f"{file}: unreadable; an older deletes file is used")
    return None


def _read_deletes(file: Path, count: int | None) -> np.ndarray | None:
    try:
        rows = np.load(file, allow_pickle=False)
    except (OSError, ValueError):
        return None
    if rows.ndim != 1 or (len(rows) and rows.min() < 0):
        return None
    size = count if count is not None else (int(rows.max()) + 1 if len(rows) else 0)
    if len(rows) and rows.max() >= size:
        return None
    dead = np.zeros(size, bool)
    dead[rows] = True
    return dead


def readable_reviews(file: Path) -> list[Review]:
    """Every review decision of a reviews file that parses (a damaged line
    loses that one decision, not the others)."""
    out = []
    with file.open(encoding="utf-8", errors="replace") as f:
        for line in f:
            with contextlib.suppress(ValueError, KeyError, TypeError):
                out.append(Review.from_json(line))
    return out


def _newest_reviews(path: Path) -> Path | None:
    for file in sorted(path.glob("reviews.g*.jsonl"), key=_generation_of, reverse=True):
        try:
            with file.open(encoding="utf-8") as f:
                for line in f:
                    Review.from_json(line)
        except (OSError, ValueError, KeyError, TypeError):
            continue
        return file
    return None


def _segment_dirs(path: Path) -> list[tuple[int, str]]:
    folder = path / SEGMENTS
    found = [(int(m.group(1)), d.name) for d in folder.iterdir()
             if d.is_dir() and (m := _SEGMENT.match(d.name))] if folder.is_dir() else []  # fmt: skip
    return sorted(found)


def _generation_of(file: Path) -> int:
    match = _GENERATION.search(file.name)
    return int(match.group(1)) if match else 0

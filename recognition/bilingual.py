"""Bilingual files, read as a stream: the segments of an XLIFF (1.2, 2.x), TMX
or PO file, one at a time, whatever the file's size.

Why a stream: translate-toolkit reads a whole file into one tree (a large
XLIFF took tens of times its own size in memory before one segment was checked). The XML formats are read
with lxml's ``iterparse`` (each unit is freed once it is read: memory stays
that of one unit); a PO file is cut at the blank lines between its entries
and each run of entries is parsed by translate-toolkit's own PO parser (the
maintained one of the Pootle/Weblate family), so PO's quoting rules are never
hand-written here.

Entity declarations are refused before parsing (as for TBX and RDF/XML);
broken markup is one error naming the file and the line; segments without a
translation are counted, not checked. ``progress`` is told the bytes read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from glossa.corpus.errors import CorpusError
from glossa.corpus.skos import refuse_entity_declarations
from glossa.recognition.recognizer import RecognitionError

MAX_BILINGUAL_BYTES = 64 * 2**20
SUFFIXES = (".xlf", ".xliff", ".po", ".pot", ".tmx")
MAX_ID_CHARS = 80  # a PO unit's id is its whole msgid
PO_CHUNK_ENTRIES = 2000  # PO entries parsed at once
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True, slots=True)
class Segment:
    id: str
    source: str
    target: str  # "" when the unit has no translation
    where: str  # file:line, or file, unit N where the format has no lines


@dataclass(frozen=True, slots=True)
class Languages:
    source: str | None
    target: str | None


class BilingualFile:
    """A bilingual file's languages (read from its start) and its segments (read
    as a stream, once). ``untranslated`` counts the units without a target seen
    so far; ``segments``' progress callback is told how far the stream is."""

    def __init__(self, path: Path, max_bytes: int = MAX_BILINGUAL_BYTES) -> None:
        if path.suffix.lower() not in SUFFIXES:
            raise RecognitionError(
                f"{path}: not a bilingual file Glossa reads ({', '.join(SUFFIXES)})", "file"
            )
        self.path = path
        self.size = path.stat().st_size
        if self.size > max_bytes:
            raise RecognitionError(f"{path}: {self.size} bytes, over the limit of {max_bytes}",
                                   "file")  # fmt: skip
        self.kind = _kind(path)
        if self.kind != "po":
            try:
                refuse_entity_declarations(path)
            except CorpusError as exc:
                raise RecognitionError(str(exc), "file") from exc
        self.languages = self._languages()
        self.untranslated = 0

    @property
    def source_lang(self) -> str | None:
        return self.languages.source

    @property
    def target_lang(self) -> str | None:
        return self.languages.target

    def _languages(self) -> Languages:
        """The languages the file names, from its header (read up to the first unit)."""
        if self.kind == "po":
            return _po_languages(self.path)
        with self.path.open("rb") as raw:
            for found in _xml_units(self.path, self.kind, raw, header_only=True):
                if isinstance(found, Languages):
                    return found
        return Languages(None, None)

    def segments(self, progress: Callable[[int, int], None] | None = None) -> Iterator[Segment]:
        """The translated segments, in file order (untranslated ones are counted);
        ``progress(bytes read, file size)`` after each."""
        with self.path.open("rb") as raw:
            stream = Counting(raw)
            reader = _po_units(self.path, stream) if self.kind == "po" else _xml_units(
                self.path, self.kind, stream)  # fmt: skip
            for found in reader:
                if isinstance(found, Languages):
                    continue
                if progress is not None:
                    progress(stream.consumed, self.size)
                if not found.target.strip():
                    self.untranslated += 1
                    continue
                yield found


class Counting:
    """A binary file that counts what has been read from it (for progress)."""

    def __init__(self, raw) -> None:
        self.raw, self.consumed = raw, 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.consumed += len(data)
        return data

    def __iter__(self) -> Iterator[bytes]:
        for line in self.raw:
            self.consumed += len(line)
            yield line


def read_bilingual(path: Path, max_bytes: int = MAX_BILINGUAL_BYTES) -> tuple[BilingualFile, list[Segment]]:
    """The whole file at once (small files, tests): the file and its segments."""
    found = BilingualFile(path, max_bytes)
    return found, list(found.segments())


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".po", ".pot"):
        return "po"
    if suffix == ".tmx":
        return "tmx"
    with path.open("rb") as f:
        head = f.read(4096)
    if b'version="2.' in head or b"urn:oasis:names:tc:xliff:document:2" in head:
        return "xliff2"
    return "xliff1"


def _lang(value: str | None) -> str | None:
    return value.replace("_", "-").lower() if value else None


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(element) -> str:
    """An element's text with its inline markup's text (XLIFF <g>, <ph>...)."""
    return "".join(element.itertext())


def _xml_units(path: Path, kind: str, stream, header_only: bool = False) -> Iterator[Segment | Languages]:
    """The units of an XLIFF or TMX file; first, once known, its ``Languages``."""
    from lxml import etree

    source = target = None
    told = False
    units = 0
    try:
        events = etree.iterparse(stream, events=("start", "end"), resolve_entities=False,
                                 no_network=True, huge_tree=False, load_dtd=False)  # fmt: skip
        for event, element in events:
            name = _local(element.tag)
            if event == "start":
                if kind == "xliff1" and name == "file":
                    source = source or _lang(element.get("source-language"))
                    target = target or _lang(element.get("target-language"))
                elif kind == "xliff2" and name == "xliff":
                    source, target = _lang(element.get("srcLang")), _lang(element.get("trgLang"))
                elif kind == "tmx" and name == "header":
                    source = _lang(element.get("srclang"))
                continue
            if name not in ("trans-unit", "unit", "tu"):
                continue
            units += 1
            segment, other = _unit(path, kind, element, units, source)
            target = target or other
            if not told:
                told = True
                yield Languages(source, target)
                if header_only:
                    return
            _free(element)
            yield segment
    except etree.XMLSyntaxError as exc:
        line = exc.lineno
        where = f"{path}:{line}" if line else str(path)
        raise RecognitionError(f"{where}: broken {path.suffix[1:]} file: {exc}", "file") from exc
    if not told:
        yield Languages(source, target)


def _unit(path: Path, kind: str, element, number: int, source_lang: str | None):
    """(the unit's Segment, the target language it shows) of one unit element."""
    where = f"{path}:{element.sourceline}" if element.sourceline else f"{path}, unit {number}"
    unit_id = str(element.get("id") or element.get("tuid") or number)[:MAX_ID_CHARS]
    if kind == "tmx":
        texts: dict[str, str] = {}
        for tuv in element:
            if _local(tuv.tag) == "tuv":
                seg = next((c for c in tuv if _local(c.tag) == "seg"), None)
                lang = _lang(tuv.get(XML_LANG) or tuv.get("lang"))
                if lang and seg is not None:
                    texts[lang] = _text(seg)
        src = source_lang if source_lang in texts else next(iter(texts), None)
        other = next((lang for lang in texts if lang != src), None)
        return Segment(unit_id, texts.get(src, ""), texts.get(other, "") if other else "", where), other
    sources, targets = [], []
    for child in element.iter():
        name = _local(child.tag)
        if name == "source":
            sources.append(_text(child))
        elif name == "target":
            targets.append(_text(child))
    # XLIFF 1.2 keeps one <source>/<target> (its <seg-source> mrk's are inside); 2.x one
    # per <segment>: the unit's segments are read as one text
    return Segment(unit_id, " ".join(sources), " ".join(targets), where), None


def _free(element) -> None:
    """Drop a read unit and the siblings before it (lxml keeps them otherwise)."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _po_header(path: Path) -> bytes:
    """The PO file's header entry (its first, whose msgid is empty), as bytes."""
    lines = []
    with path.open("rb") as f:
        for line in f:
            if not line.strip() and lines:
                break
            lines.append(line)
            if len(lines) > 200:
                break
    head = b"".join(lines)
    return head if b'msgid ""' in head else b""


def _po_languages(path: Path) -> Languages:
    from translate.storage.po import pofile

    try:
        header = pofile(_po_header(path))
    except Exception:
        return Languages(None, None)
    return Languages(_po_language(header, "getsourcelanguage"),
                     _po_language(header, "gettargetlanguage"))  # fmt: skip


def _po_language(parsed, getter: str) -> str | None:
    try:
        value = getattr(parsed, getter)()
    except Exception:  # a header without the notion answers with an error
        return None
    return _lang(str(value)) if value else None


def _po_units(path: Path, stream) -> Iterator[Segment]:
    """A PO file's entries, parsed a run of ``PO_CHUNK_ENTRIES`` at a time by
    translate-toolkit (each run with the file's header, for its charset)."""
    from translate.storage.po import pofile

    header = _po_header(path)
    number = 0

    def parse(chunk: list[bytes], first_line: int) -> Iterator[Segment]:
        nonlocal number
        try:
            parsed = pofile(header + b"\n" + b"".join(chunk) if header else b"".join(chunk))
        except Exception as exc:
            raise RecognitionError(f"{path}:{first_line}: broken po file: {exc}", "file") from exc
        for unit in parsed.units:
            if unit.isheader() or not unit.source:
                continue
            number += 1
            unit_id = str(unit.getid() or number).split("\x04")[-1]  # context \x04 id
            yield Segment(unit_id[:MAX_ID_CHARS], str(unit.source), str(unit.target or ""),
                          f"{path}, unit {number}")  # fmt: skip

    chunk: list[bytes] = []
    entries, line_number, chunk_start = 0, 0, 1
    for line in stream:
        line_number += 1
        if not line.strip():
            entries += 1
            if entries >= PO_CHUNK_ENTRIES:
                yield from parse(chunk, chunk_start)
                chunk, entries, chunk_start = [], 0, line_number + 1
                continue
        chunk.append(line)
    if any(line.strip() for line in chunk):
        yield from parse(chunk, chunk_start)

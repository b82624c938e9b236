"""Bilingual files: the segments of an XLIFF (1.2, 2.x), PO or TMX file, read
with translate-toolkit (the maintained parsers of the Pootle/Weblate family).

A file is bounded before it is parsed (translate-toolkit reads a whole file
into one tree); broken markup is one error naming the file and, where the
parser knows it, the line; segments without a translation are counted, not
checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from glossa.recognition.recognizer import RecognitionError

MAX_BILINGUAL_BYTES = 64 * 2**20
SUFFIXES = (".xlf", ".xliff", ".po", ".pot", ".tmx")
MAX_ID_CHARS = 80  # a PO unit's id is its whole msgid


@dataclass(frozen=True, slots=True)
class Segment:
    id: str
    source: str
    target: str
    where: str  # file:line, or file#id where the format has no lines


@dataclass
class BilingualFile:
    path: Path
    source_lang: str | None
    target_lang: str | None
    segments: list[Segment] = field(default_factory=list)
    untranslated: int = 0


def _store(path: Path):
    suffix = path.suffix.lower()
    if suffix in (".po", ".pot"):
        from translate.storage.po import pofile as store
    elif suffix == ".tmx":
        from translate.storage.tmx import tmxfile as store
    else:
        head = path.read_bytes()[:4096]
        if b'version="2.' in head or b"urn:oasis:names:tc:xliff:document:2" in head:
            from translate.storage.xliff2 import Xliff2File as store
        else:
            from translate.storage.xliff import xlifffile as store
    return store


def read_bilingual(path: Path, max_bytes: int = MAX_BILINGUAL_BYTES) -> BilingualFile:
    """The translated segments of ``path`` and its languages (where it says them)."""
    if path.suffix.lower() not in SUFFIXES:
        raise RecognitionError(
            f"{path}: not a bilingual file Glossa reads ({', '.join(SUFFIXES)})", "file"
        )
    size = path.stat().st_size
    if size > max_bytes:
        raise RecognitionError(f"{path}: {size} bytes, over the limit of {max_bytes}", "file")
    store = _store(path)
    try:
        with path.open("rb") as stream:
            parsed = store(stream) if store.__name__ != "Xliff2File" else store.parsestring(
                stream.read())  # fmt: skip
    except Exception as exc:  # lxml's XMLSyntaxError, the PO parser's ValueError...
        line = getattr(exc, "lineno", None)
        where = f"{path}:{line}" if line else str(path)
        raise RecognitionError(f"{where}: broken {path.suffix[1:]} file: {exc}", "file") from exc
    source_lang = _language(parsed, "getsourcelanguage")
    target_lang = _language(parsed, "gettargetlanguage")
    out = BilingualFile(path, source_lang, target_lang)
    for number, unit in enumerate(parsed.units, start=1):
        if getattr(unit, "isheader", lambda: False)() or not unit.source:
            continue
        source, target = str(unit.source), str(unit.target or "")
        if not target.strip():
            out.untranslated += 1
            continue
        line = _line(unit)
        where = f"{path}:{line}" if line else f"{path}, unit {number}"
        unit_id = str(unit.getid() or number).split("\x04")[-1]  # file or context \x04 id
        out.segments.append(Segment(unit_id[:MAX_ID_CHARS], source, target, where))
    return out


def _language(parsed, getter: str) -> str | None:
    try:
        value = getattr(parsed, getter)()
    except Exception:  # a format without the notion answers with an error
        return None
    return str(value).replace("_", "-").lower() if value else None


def _line(unit) -> int | None:
    """The unit's line in an XML file (PO units do not keep theirs)."""
    element = getattr(unit, "xmlelement", None)
    return getattr(element, "sourceline", None) if element is not None else None

"""Human titles of glossaries: what a person reads instead of ``002_f62ddd5e23a5bbc8.txt``.

The source id (a file name, or the ``source`` field of a record) stays the
stable key that filters and entry ids use; the title, and the publisher and
address where the glossary names them, are for display. Titles come from the
glossary itself (the bundled pages' headings, a TBX header's ``title``), from
``--title`` on import, or fall back to the source id.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class GlossaryInfo:
    title: str
    publisher: str | None = None
    url: str | None = None

    def to_dict(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v}

    @classmethod
    def from_dict(cls, data: dict) -> GlossaryInfo:
        return cls(str(data["title"]), data.get("publisher"), data.get("url"))


# The five scraped pages, titled as each page titles itself; 003 and 004 carry no
# heading, so their titles describe them (marked "untitled page").
BUNDLED: dict[str, GlossaryInfo] = {
    "000_56f73cb24ade583f.txt": GlossaryInfo(
        "Słownik terminologii CX i obsługi klienta", "CCNEWS.pl"
    ),
    "001_7895df923257d023.txt": GlossaryInfo("Słownik pojęć customer service"),
    "002_f62ddd5e23a5bbc8.txt": GlossaryInfo("واژه نامه آنلاین تجربه مشتری", "داناپرداز"),
    "003_ca5edb6b570cf714.txt": GlossaryInfo("Słownik obsługi klienta A–Z (untitled page)"),
    "004_4c7066f51d2a5c3e.txt": GlossaryInfo("客户服务术语 (untitled page)"),
}


def tbx_title(path: Path) -> str | None:
    """The ``tbxHeader/fileDesc/titleStmt/title`` of a TBX file (read as a stream,
    stopping at the body), or None."""
    from lxml import etree

    try:
        for _event, element in etree.iterparse(
            str(path), events=("end",), resolve_entities=False, no_network=True, huge_tree=False
        ):
            name = etree.QName(element).localname if isinstance(element.tag, str) else ""
            if name == "title" and (element.text or "").strip():
                return " ".join(element.text.split())
            if name in ("text", "body", "conceptEntry", "termEntry"):
                return None
    except (etree.XMLSyntaxError, OSError):
        return None
    return None


def title_of(path: Path, given: str | None = None) -> GlossaryInfo:
    """The title of the glossary in ``path``: ``given`` (``--title``) first, then
    what the file says, then its file name."""
    if given:
        return GlossaryInfo(given)
    if path.name in BUNDLED and path.parent.name == "glossaries":
        return BUNDLED[path.name]
    if path.suffix.lower() in (".tbx", ".xml"):
        found = tbx_title(path)
        if found:
            return GlossaryInfo(found)
    return GlossaryInfo(path.name)


def titles_for(sources, recorded: dict[str, dict[str, str]]) -> dict[str, GlossaryInfo]:
    """Display info for each source id: what the index recorded, else the bundled
    table (indexes built by library calls record none), else the id itself."""
    out = {}
    for source in sources:
        if source in recorded:
            out[source] = GlossaryInfo.from_dict(recorded[source])
        else:
            out[source] = BUNDLED.get(source) or GlossaryInfo(source)
    return out

"""``glossa index --validate``: is a TBX file what its dialect says it is?

Import is lenient on purpose (a termbase that bends a rule should still get in);
validation says exactly where a file departs from its declared dialect, so a
terminologist can fix it at the source. Three layers, each reported with lines:

1. **Core structure** (ISO 30042): the nesting every TBX v3 file shares (header
   text in ``<p>``, ``<term>`` first and alone in its ``termSec``, one fact per
   ``descripGrp``, typed ``admin``/``descrip``/``termNote``, ids and languages).
2. **Dialect rules** for TBX-Core, TBX-Min and TBX-Basic (DCA and DCT): which data
   categories are allowed at which level, their picklist values, and the style
   the file declares (no DCA ``type=`` elements in a DCT file and vice versa).
3. **The schemas the file declares** (``<?xml-model href=...?>`` RELAX NG, or a
   DOCTYPE DTD for TBX v2), when a copy is at hand: next to the file, or in one of
   ``schema_dirs`` (``GLOSSA_SCHEMA_DIR``). Nothing is fetched: a schema that is
   only on the web is named, with where to put it.

Layers 1 and 2 are written here from the published TBX-Basic / TBX-Min
definitions rather than run from LTAC's own files: those files carry no licence
to redistribute, and their Schematron needs XSLT 2, which lxml does not run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from glossa.corpus.tbx import (
    CONCEPT_TAGS,
    GROUPS,
    LANG_TAGS,
    TBX_NAMESPACES,
    TBX_STYLES,
    TERM_TAGS,
    XML_LANG,
    category_of,
    split_tag,
)  # fmt: skip
from lxml import etree

MAX_FINDINGS = 200  # a broken file lists its first findings, then counts the rest
RELAX_NG = "http://relaxng.org/ns/structure/1.0"

# Data categories of the dialects (lower-cased), with the levels they may appear at.
MIN_CATEGORIES = {
    "subjectfield": {"concept"}, "partofspeech": {"term"}, "administrativestatus": {"term"},
    "usagestatus": {"term"}, "customersubset": {"concept", "lang", "term"},
    "externalcrossreference": {"concept", "lang", "term"}, "note": {"concept", "lang", "term"},
}  # fmt: skip
BASIC_CATEGORIES = MIN_CATEGORIES | {
    "definition": {"concept", "lang"}, "context": {"term"}, "source": {"group", "term"},
    "termtype": {"term"}, "grammaticalgender": {"term"}, "geographicalusage": {"term"},
    "termlocation": {"term"}, "projectsubset": {"concept", "lang", "term"},
    "xgraphic": {"concept"}, "crossreference": {"concept", "lang", "term"},
    "transactiontype": {"transaction"}, "responsibility": {"transaction"},
}  # fmt: skip
PICKLISTS = {
    "partofspeech": {"noun", "verb", "adjective", "adverb", "properNoun", "other"},
    "administrativestatus": {
        "preferredTerm-admn-sts", "admittedTerm-admn-sts", "deprecatedTerm-admn-sts",
        "supersededTerm-admn-sts",
    },
    # TBX-Min's definition lists notRecommended/obsolete; LTAC's own valid test files use deprecated
    "usagestatus": {"preferred", "admitted", "deprecated", "notRecommended", "obsolete"},
    "termtype": {"fullForm", "acronym", "abbreviation", "shortForm", "variant", "phrase"},
    "grammaticalgender": {"masculine", "feminine", "neuter", "other"},
    "transactiontype": {"origination", "modification", "creation"},
}  # fmt: skip
DIALECTS = {"TBX-Core": {}, "TBX-Min": MIN_CATEGORIES, "TBX-Basic": BASIC_CATEGORIES}
FACT_GROUPS = GROUPS - {"termGrp", "transacGrp"}  # groups that hold one fact and its source
_MODEL_HREF = re.compile(r'href\s*=\s*"([^"]+)"')
_MODEL_TYPE = re.compile(r'schematypens\s*=\s*"([^"]+)"')


@dataclass(frozen=True, slots=True)
class Finding:
    line: int
    message: str


@dataclass
class ValidationReport:
    """What ``validate_tbx`` found in one file."""

    path: Path
    dialect: str = "?"
    style: str = "?"
    version: str = "?"
    schemas: list[str] = field(default_factory=list)  # how each declared schema was handled
    findings: list[Finding] = field(default_factory=list)
    count: int = 0

    @property
    def valid(self) -> bool:
        return self.count == 0

    def add(self, line: int | None, message: str) -> None:
        self.count += 1
        if len(self.findings) < MAX_FINDINGS:
            self.findings.append(Finding(line or 0, message))

    def lines(self) -> Iterator[str]:
        yield f"{self.path}: {self.version} {self.dialect} ({self.style.upper()} style)"
        yield from (f"  schema: {s}" for s in self.schemas)
        for f in self.findings:
            yield f"  {self.path}:{f.line}: {f.message}"
        if self.count > len(self.findings):
            yield f"  ... and {self.count - len(self.findings)} more"
        yield f"  {'valid' if self.valid else f'{self.count} problem(s)'}"


def validate_tbx(path: Path, schema_dirs: Iterable[Path] = ()) -> ValidationReport:
    report = ValidationReport(path)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False)  # fmt: skip
    try:
        tree = etree.parse(str(path), parser)
    except OSError as exc:
        report.add(0, f"cannot read file: {exc}")
        return report
    except etree.XMLSyntaxError as exc:
        report.add(exc.lineno, f"not well-formed XML: {exc.msg}")
        return report
    root = tree.getroot()
    namespace, local = split_tag(root)
    if local == "martif":
        report.version, report.dialect, report.style = "TBX v2", root.get("type") or "?", "dca"
    elif local == "tbx":
        report.version = "TBX v3"
        report.dialect, report.style = root.get("type") or "?", (root.get("style") or "?").lower()
        _core_structure(root, report)
        _dialect_rules(root, report)
    else:
        report.add(root.sourceline, f"root element is <{local}>, not <tbx> or <martif>")
        return report
    _declared_schemas(tree, path, [Path(d) for d in schema_dirs], report)
    return report


def _core_structure(root: etree._Element, report: ValidationReport) -> None:
    if not root.get(XML_LANG):
        report.add(root.sourceline, "<tbx> needs xml:lang")
    if root.get("style", "").lower() not in TBX_STYLES:
        report.add(root.sourceline, '<tbx> needs style="dca" or style="dct"')
    for element in root.iter():
        namespace, local = split_tag(element)
        if namespace not in TBX_NAMESPACES:
            continue
        line = element.sourceline
        parent = element.getparent()
        parent_local = split_tag(parent)[1] if parent is not None else ""
        if local in ("fileDesc", "sourceDesc", "titleStmt", "publicationStmt", "encodingDesc",
                     "revisionDesc") and (element.text or "").strip():  # fmt: skip
            report.add(line, f"text directly in <{local}>: header text goes in <p>")
        if parent_local == "text" and local not in ("body", "back"):
            report.add(line, f"<{local}> may not be a direct child of <text>")
        if local in ("admin", "descrip", "termNote", "transac", "transacNote") and not element.get(
            "type"
        ):
            report.add(line, f"<{local}> needs a type attribute (its data category)")
        if local in CONCEPT_TAGS and not element.get("id"):
            report.add(line, f"<{local}> needs an id")
        if local in LANG_TAGS and not element.get(XML_LANG):
            report.add(line, f"<{local}> needs xml:lang")
        if local in TERM_TAGS:
            terms = [c for c in element if split_tag(c)[1] == "term"]
            first = next((c for c in element if isinstance(c.tag, str)), None)
            if not terms:
                report.add(line, f"<{local}> has no <term>")
            elif len(terms) > 1:
                report.add(terms[1].sourceline, f"only one <term> per <{local}>")
            if terms and first is not terms[0]:
                report.add(line, f"<term> must come first in <{local}>")
        if local == "descripGrp":
            facts = [c for c in element if split_tag(c)[1] == "descrip" or (
                split_tag(c)[0] not in TBX_NAMESPACES and split_tag(c)[1] != "source")]  # fmt: skip
            if len(facts) > 1:
                report.add(facts[1].sourceline, "only one description per <descripGrp>")


def _level(element: etree._Element) -> str:
    """concept / lang / term / group / transaction: where a fact sits."""
    parent = element.getparent()
    if category_of(element) == "source" and split_tag(parent)[1] in FACT_GROUPS:
        return "group"  # a source inside a descripGrp documents the description next to it
    for ancestor in element.iterancestors():
        local = split_tag(ancestor)[1]
        if local == "transacGrp":
            return "transaction"
        if local in TERM_TAGS:
            return "term"
        if local in LANG_TAGS:
            return "lang"
        if local in CONCEPT_TAGS:
            return "concept"
    return "header"


def _dialect_rules(root: etree._Element, report: ValidationReport) -> None:
    allowed = DIALECTS.get(report.dialect)
    style = report.style
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        namespace, local = split_tag(element)
        category = category_of(element)
        in_back = any(split_tag(a)[1] in ("back", "tbxHeader") for a in element.iterancestors())
        if in_back or category is None or (local == "note" and namespace in TBX_NAMESPACES):
            continue
        line = element.sourceline
        is_dct = namespace not in TBX_NAMESPACES
        if style == "dct" and not is_dct and local != "date":
            report.add(line, f'DCA-style <{local} type="{element.get("type")}"> in a DCT file')
        if style == "dca" and is_dct:
            report.add(line, f"DCT-style <{local}> in a DCA file")
        if allowed is None:
            continue  # a dialect Glossa does not know: core structure only
        if category not in allowed:
            report.add(line, f"data category {category!r} is not part of {report.dialect}")
            continue
        level = _level(element)
        if level not in allowed[category]:
            report.add(line, f"{category!r} is not allowed at {level} level in {report.dialect}")
        if local == "termNote" and split_tag(element.getparent())[1] not in (*TERM_TAGS,
                                                                           "termNoteGrp", "termGrp"):  # fmt: skip
            report.add(line, "a termNote is only allowed in a termSec")
        values = PICKLISTS.get(category)
        text = "".join(element.itertext()).strip()
        if values and text not in values:
            report.add(
                line, f"{category!r} value {text!r} is not one of {', '.join(sorted(values))}"
            )


def _declared_schemas(
    tree: etree._ElementTree, path: Path, schema_dirs: list[Path], report: ValidationReport
) -> None:
    declared = []
    for node in tree.getroot().itersiblings(preceding=True):
        if isinstance(node, etree._ProcessingInstruction) and node.target == "xml-model":
            href = _MODEL_HREF.search(node.text or "")
            kind = _MODEL_TYPE.search(node.text or "")
            if href:
                declared.append((href.group(1), kind.group(1) if kind else ""))
    system_url = tree.docinfo.system_url
    if system_url:
        declared.append((system_url, "dtd"))
    if not declared:
        report.schemas.append("none declared; checked the core structure and dialect rules")
    for href, kind in declared:
        name = href.rsplit("/", 1)[-1]
        local = _local_copy(href, name, path, schema_dirs)
        if kind == RELAX_NG or href.endswith(".rng") or kind == "dtd":
            _check_against(tree, name, local, "DTD" if kind == "dtd" else "RELAX NG", report)
        elif name.endswith(".nvdl"):
            report.schemas.append(
                f"{name} (NVDL): lxml does not run NVDL; Glossa's {report.dialect} rules were checked"
            )
        else:
            report.schemas.append(
                f"{name} (Schematron): its rules need XSLT 2, which lxml does not run; "
                f"Glossa's {report.dialect} rules were checked instead"
            )


def _check_against(
    tree: etree._ElementTree, name: str, local: Path | None, kind: str, report: ValidationReport
) -> None:
    """Validate against a declared RELAX NG schema or DTD found locally."""
    if local is None:
        report.schemas.append(f"{name} ({kind}): no local copy (put it beside the file or in "
                              "GLOSSA_SCHEMA_DIR); not checked against it")  # fmt: skip
        return
    try:
        schema = etree.DTD(str(local)) if kind == "DTD" else etree.RelaxNG(etree.parse(str(local)))
    except (etree.XMLSyntaxError, etree.RelaxNGParseError, etree.DTDParseError, OSError) as exc:
        report.schemas.append(f"{name}: unusable {kind} ({exc})")
        return
    before = report.count
    if not schema.validate(tree):
        for error in schema.error_log:
            report.add(error.line, f"{name}: {error.message}")
    report.schemas.append(f"{name} ({local}): {report.count - before} problem(s)")


def _local_copy(href: str, name: str, path: Path, schema_dirs: list[Path]) -> Path | None:
    candidates = []
    if "://" not in href:
        candidates.append(path.parent / href)
    candidates += [path.parent / name, *(d / name for d in schema_dirs)]
    return next((c for c in candidates if c.is_file()), None)

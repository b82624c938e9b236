"""Termbase QA: the integrity checks a terminologist runs over a termbase, in
the spirit of qSKOS's quality issues and VocBench's integrity constraints,
over Glossa's concepts (declared, accepted and automatic links alike).

Every check has a count over the whole termbase and lists its first findings
(``limit`` of them), so the report stays bounded whatever the termbase's size.
Problems (a termbase that contradicts itself) are told apart from notes (what
is simply incomplete): a CI run fails on problems only.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from confusable_homoglyphs import confusables
from glossa.analysis.folding import fold
from glossa.analysis.names import entry_names
from glossa.analysis.segmentation import words
from glossa.concepts.linking import AUTOMATIC
from glossa.corpus.entry import DISCOURAGED, Entry
from glossa.corpus.lookalikes import misplaced_joiner
from glossa.search.searcher import Searcher

WEAK_LINK = 0.7  # an automatic link below this probability is worth a look
SAME_MEANING = 0.5  # word overlap of two definitions that say the same (duplicates, not homonyms)
LIMIT = 50

CHECKS = {
    # name: (problem?, what it means)
    "duplicate_concepts": (True, "the same term in one language in two concepts whose "
                           "definitions say the same (or one has none): one concept twice"),
    "homonyms": (False, "the same term in one language in two concepts with different "
                 "definitions: two meanings, kept apart"),
    "several_preferred": (True, "a concept with more than one preferred term in one language"),
    "deprecated_preferred_elsewhere": (True, "a name deprecated or superseded in one entry "
                                       "and preferred in another of the same language"),
    "linked_into_two_concepts": (True, "entries the links join although the termbase declares "
                                 "them in different concepts"),
    "weak_links": (False, f"automatic links with a probability below {WEAK_LINK}"),
    "missing_language": (False, "concepts with no entry in some of the termbase's languages"),
    "no_definition": (False, "entries with no definition of their own or borrowed"),
    "confusable_names": (True, "names that render like another name: a word mixing scripts "
                         "(a Cyrillic Р in NPS), a joiner (ZWNJ/ZWJ) where no script joins, or "
                         "two concepts' names in one language that differ only by look-alike "
                         "letters (Unicode TR39 confusables)"),
}  # fmt: skip


@dataclass
class Check:
    name: str
    problem: bool
    description: str
    count: int = 0
    items: list[dict[str, Any]] = field(default_factory=list)

    def add(self, item: dict[str, Any], limit: int) -> None:
        self.count += 1
        if len(self.items) < limit:
            self.items.append(item)


@dataclass
class TermbaseReport:
    entries: int
    concepts: int
    languages: list[str]
    checks: dict[str, Check]

    @property
    def problems(self) -> int:
        return sum(c.count for c in self.checks.values() if c.problem)

    def to_dict(self) -> dict[str, Any]:
        return {"entries": self.entries, "concepts": self.concepts, "languages": self.languages,
                "problems": self.problems,
                "checks": [{"name": c.name, "problem": c.problem, "description": c.description,
                            "count": c.count, "items": c.items} for c in self.checks.values()]}  # fmt: skip


def _similar(a: str, b: str) -> bool:
    wa, wb = set(words(a)), set(words(b))
    if not wa or not wb:
        return True  # a definition missing says nothing against one concept
    return len(wa & wb) / len(wa | wb) >= SAME_MEANING


def _brief(entry: Entry) -> dict[str, Any]:
    return {"id": entry.id, "term": entry.term, "lang": entry.lang}


def check_termbase(
    searcher: Searcher, limit: int = LIMIT, weak_link: float = WEAK_LINK
) -> TermbaseReport:
    """Every check over the live entries of ``searcher``'s index version."""
    checks = {name: Check(name, problem, text) for name, (problem, text) in CHECKS.items()}
    entries = searcher.entries
    languages = searcher.languages
    concept_of: dict[str, str] = {}
    concepts: dict[str, list[Entry]] = {}
    for entry in entries:
        if entry.id in concept_of:
            continue
        record = searcher.concept(entry.id)
        members = [searcher.get(m.hit.id) for m in record.members]
        concepts[record.id] = [m for m in members if m is not None]
        for member in record.members:
            concept_of.setdefault(member.hit.id, record.id)
            if member.joined == AUTOMATIC and (member.probability or 0.0) < weak_link:
                checks["weak_links"].add({"concept": record.id, "a": record.anchor, "b": member.hit.id,
                                          "probability": round(member.probability or 0.0, 4)},
                                         limit)  # fmt: skip
    _names(entries, concept_of, checks, limit)
    _confusables(entries, concept_of, checks["confusable_names"], limit)
    for concept, members in concepts.items():
        _concept(concept, members, languages, checks, limit)
    for entry in entries:
        if not entry.definition.strip():
            checks["no_definition"].add(_brief(entry), limit)
    return TermbaseReport(len(entries), len(concepts), languages, checks)


def _names(entries: Iterable[Entry], concept_of: dict[str, str], checks, limit: int) -> None:
    by_name: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    statuses: dict[tuple[str, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for entry in entries:
        by_name[(entry.lang, fold(entry.term))].append(entry)
        for info in entry.term_info:
            if info.status:
                statuses[(entry.lang, fold(info.term))][info.status].append(entry.id)
    for (lang, _name), found in by_name.items():
        apart: dict[str, Entry] = {}
        for entry in found:
            apart.setdefault(concept_of.get(entry.id, entry.id), entry)
        if len(apart) < 2:
            continue
        first, *others = apart.items()
        for concept, entry in others:
            same = _similar(first[1].definition, entry.definition)
            checks["duplicate_concepts" if same else "homonyms"].add(
                {"lang": lang, "term": entry.term, "concepts": [first[0], concept],
                 "entries": [first[1].id, entry.id]}, limit)  # fmt: skip
    for (lang, name), by_status in statuses.items():
        discouraged = [i for s in DISCOURAGED for i in by_status.get(s, [])]
        if discouraged and by_status.get("preferred"):
            checks["deprecated_preferred_elsewhere"].add(
                {"lang": lang, "name": name, "discouraged_in": sorted(discouraged),
                 "preferred_in": sorted(by_status["preferred"])}, limit)  # fmt: skip


_WORD = re.compile(r"\w+")


@lru_cache(maxsize=65536)
def _looks_like(char: str) -> str:
    """The Latin (or common) letter ``char`` is confusable with, else itself."""
    found = confusables.is_confusable(char, preferred_aliases=["latin", "common"])
    return found[0]["homoglyphs"][0]["c"] if found else char


def skeleton(name: str) -> str:
    """``name`` with every look-alike letter replaced by the one it looks like,
    folded: two names with one skeleton render alike (after TR39's skeleton)."""
    return fold("".join(_looks_like(c) for c in name))


def _confusables(entries: Iterable[Entry], concept_of: dict[str, str], check, limit: int) -> None:
    seen: dict[tuple[str, str], tuple[str, Entry]] = {}
    for entry in entries:
        for name in dict.fromkeys(entry_names(entry)):
            mixed = [w for w in _WORD.findall(name) if confusables.is_dangerous(w)]
            if mixed:
                check.add({**_brief(entry), "name": name, "mixed_script": mixed}, limit)
            joiner = misplaced_joiner(name)
            if joiner:  # renders as nothing where no script joins
                check.add({**_brief(entry), "name": name, "invisible": joiner}, limit)
            key = (entry.lang, skeleton(name))
            first = seen.setdefault(key, (name, entry))
            if fold(first[0]) != fold(name) and concept_of.get(first[1].id, first[1].id) != (
                    concept_of.get(entry.id, entry.id)):  # fmt: skip
                check.add({"lang": entry.lang, "names": [first[0], name],
                           "entries": [first[1].id, entry.id],
                           "terms": [first[1].term, entry.term]}, limit)  # fmt: skip


def _concept(concept: str, members: list[Entry], languages: list[str], checks, limit: int) -> None:
    declared = sorted({m.concept for m in members if m.concept})
    if len(declared) > 1:
        checks["linked_into_two_concepts"].add(
            {"concept": concept, "declared": declared, "entries": [m.id for m in members]}, limit
        )
    missing = sorted(set(languages) - {m.lang for m in members})
    if missing:
        checks["missing_language"].add({"concept": concept, "missing": missing,
                                        "entries": [m.id for m in members]}, limit)  # fmt: skip
    preferred: dict[str, set[str]] = defaultdict(set)
    for member in members:
        for info in member.term_info:
            if info.status == "preferred":
                preferred[member.lang].add(fold(info.term))
    for lang, names in sorted(preferred.items()):
        if len(names) > 1:
            checks["several_preferred"].add({"concept": concept, "lang": lang, "names": sorted(names)},
                                            limit)  # fmt: skip

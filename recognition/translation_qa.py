"""Translation QA: is the termbase's word used where its source term is?

For one segment (a source text and its translation) the source's terms are
recognised, each with its approved equivalents in the target language (not
deprecated or superseded); the translation is recognised too, every
occurrence, so an equivalent found in any of its forms counts. Reported, per
segment: each source term and whether an approved equivalent is used, the
discouraged target terms used, and the target terms whose concept is in no
source term (a term the source did not ask for, often a mistranslation).
What the CAT tools (memoQ, Trados, Xbench) call a terminology check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from glossa.corpus.entry import DISCOURAGED
from glossa.recognition.recognizer import Recognizer
from glossa.recognition.results import Equivalent, TermMatch

NO_EQUIVALENT, USED, MISSING = "no equivalent", "used", "missing"


@dataclass(frozen=True, slots=True)
class TermCheck:
    """One source term: its approved target equivalents and whether one is used."""

    source: TermMatch
    approved: tuple[Equivalent, ...]
    verdict: str  # USED, MISSING or NO_EQUIVALENT
    found: str | None  # the target text that uses it

    def to_dict(self) -> dict[str, Any]:
        return {"term": self.source.to_dict(), "verdict": self.verdict, "found": self.found,
                "approved": [{"id": e.id, "term": e.term, "status": e.status}
                             for e in self.approved]}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SegmentCheck:
    id: str
    where: str | None
    terms: tuple[TermCheck, ...]
    discouraged: tuple[TermMatch, ...]  # deprecated or superseded target terms used
    unasked: tuple[TermMatch, ...]  # target terms whose concept no source term has

    @property
    def problems(self) -> int:
        return sum(t.verdict == MISSING for t in self.terms) + len(self.discouraged)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "where": self.where, "problems": self.problems,
                "terms": [t.to_dict() for t in self.terms],
                "discouraged": [m.to_dict() for m in self.discouraged],
                "unasked": [m.to_dict() for m in self.unasked]}  # fmt: skip


def _approved(recognizer: Recognizer, equivalents) -> tuple[Equivalent, ...]:
    """The names of the equivalents a translator may use: every name of each
    equivalent entry (its term, its aliases) that the termbase does not mark
    deprecated or superseded; an entry whose term is deprecated may still have a
    preferred alias."""
    out = []
    for e in equivalents:
        entry = recognizer.index.get(e.id)
        if entry is None:
            continue
        for name in (entry.term, *entry.aliases):
            info = entry.info(name)
            status = info.status if info else None
            if status not in DISCOURAGED:
                out.append(Equivalent(e.id, name, e.lang, status, e.joined))
    return tuple(out)


def check_segment(
    recognizer: Recognizer,
    source: str,
    target: str,
    source_lang: str,
    target_lang: str,
    segment_id: str = "1",
    where: str | None = None,
) -> SegmentCheck:
    source_lang = recognizer.language_of(source_lang, "source_lang")
    target_lang = recognizer.language_of(target_lang, "target_lang")
    asked = recognizer.recognize(source, source_lang, target=[target_lang]).matches
    every_found, shown_found = recognizer.every_and_longest(target, target_lang)
    every, shown = every_found.matches, shown_found.matches
    by_id = {m.id: m for m in every if not m.discouraged}
    concepts = {m.concept for m in every if not m.discouraged and m.concept}
    terms = []
    for m in asked:
        approved = _approved(recognizer, m.equivalents or ())
        used = next((by_id[e.id].text for e in approved if e.id in by_id), None)
        if used is None and m.concept in concepts:  # another entry of the concept
            used = next(t.text for t in every if t.concept == m.concept and not t.discouraged)
        verdict = NO_EQUIVALENT if not approved else USED if used is not None else MISSING
        terms.append(TermCheck(m, approved, verdict, used))
    source_concepts = {m.concept or m.id for m in asked}
    return SegmentCheck(
        segment_id, where, tuple(terms),
        tuple(m for m in shown if m.discouraged),
        tuple(m for m in shown if (m.concept or m.id) not in source_concepts and not m.discouraged),
    )  # fmt: skip

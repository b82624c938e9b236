"""Recognition: the termbase's terms in a text, with their equivalents.

The text is cut into words once (``analysis.spans``), keyed under the match mode
(``forms``) and under its words as written (for acronyms), and each segment's
automata for the text's language report every name that occurs. Occurrences are
then chosen longest first ("customer satisfaction score" wins over "customer
satisfaction" inside it; CAT tools do the same), never overlapping unless all
are asked for. Entries of one concept found at one place are one match; two
concepts at one place (homonyms) are two. Each match carries the other
languages' entries of its concept (the concept links the searcher keeps).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial

from glossa.analysis.folding import fold
from glossa.analysis.names import entry_names
from glossa.analysis.spans import word_spans
from glossa.corpus.entry import DISCOURAGED, Entry
from glossa.recognition.automaton import TermAutomaton
from glossa.recognition.forms import CASED, MODES, default_mode, word_keys, words_of
from glossa.recognition.language import base, detect_language
from glossa.recognition.results import Equivalent, Recognition, TermMatch
from glossa.recognition.semantic import DEFAULT_THRESHOLD, MAX_SEMANTIC_WORDS, best_phrases, phrases
from glossa.search.searcher import BLANK, GraphNotReady, QueryError, Searcher

from glossa.errors import ErrorKind

MAX_TEXT_CHARS = 200_000  # about 30,000 words: a long document, bounded work
# Matches one request may return, and occurrences it may weigh before choosing
# the longest: a 200 KB text against 40 nested terms had 1.3 M overlapping
# matches (a 756 MB answer, 111 s). A long document with a term in every
# sentence has a few thousand; the caps leave room for ten times that.
MAX_MATCHES = 20_000
MAX_OCCURRENCES = 100_000
CACHED_ENTRIES = 65_536
MAX_REMEMBERED = 65_536  # folded names kept per recognizer
CACHED_CONCEPTS = 50_000  # (entry, targets) concept answers a recognizer keeps
ENGLISH = "en"
_KIND_ORDER = {"exact": 0, "inflected": 1, "fuzzy": 2}
_STATUS_ORDER = {"preferred": 0, None: 1, "admitted": 1}


class RecognitionError(QueryError):
    """A text, language or option recognition cannot take (the parameter named)."""


class TooManyMatches(RecognitionError):
    """A text with more term matches than one request may return."""

    kind = ErrorKind.TOO_LARGE


def _too_many(what: str, limit: int) -> TooManyMatches:
    return TooManyMatches(
        f"the text has more than {limit} term {what}, the limit of one request; send it "
        "in parts" + (", or without overlapping" if what == "occurrences" else ""), "text")


@dataclass(frozen=True, slots=True)
class _Found:
    first: int  # word numbers, inclusive
    last: int
    row: int  # global row
    name: int
    kind: str


def _names(entries: Sequence[Entry], lang: str) -> Iterator[tuple[int, int, str, str]]:
    """(local row, name index, name, name's language) of every name a text in
    ``lang`` can contain: the names of entries in ``lang`` (their English name
    as English), and in English text every entry's English name."""
    english_text = base(lang) == ENGLISH
    for row, entry in enumerate(entries):
        names = entry_names(entry)
        own = entry.lang == lang
        for index, name in enumerate(names):
            is_english = bool(entry.english) and index == len(names) - 1
            if is_english and (own or english_text):
                yield row, index, name, ENGLISH
            elif own and not is_english:
                yield row, index, name, lang


class Recognizer:
    """Recognition over one version of the index (``searcher``). ``previous``:
    the recognizer of an earlier version, whose automata of segments both share
    are reused."""

    def __init__(
        self,
        searcher: Searcher,
        previous: Recognizer | None = None,
        modes: dict[str, str] | None = None,
    ) -> None:
        """``modes``: the default match mode per language (else inflected where a
        lemmatiser covers the language, exact elsewhere)."""
        self.searcher = searcher
        self.index = searcher.index
        self.modes = dict(previous.modes if previous is not None and modes is None else modes or {})
        for lang, mode in self.modes.items():
            if mode not in MODES:
                raise RecognitionError(f"unknown mode {mode} for {lang}; valid: {', '.join(MODES)}",
                                       "mode")  # fmt: skip
        names = {seg.name for seg in self.index.segments}
        held = previous._automata if previous is not None else {}
        self._automata: dict[tuple[str, str, str], TermAutomaton] = {
            key: automaton for key, automaton in held.items() if key[0] in names
        }
        self._lock = threading.Lock()
        self._concepts: dict[tuple[str, frozenset[str] | None], tuple] = {}
        # entries are read from their segment's JSON lines on demand: the few a
        # text's matches name are read once per recognizer, not once per match
        self._entry = lru_cache(maxsize=CACHED_ENTRIES)(self.index.entry)
        self._written: dict[tuple[int, int], list[str]] = {}  # a name's folded words, by row

    def follow(self, searcher: Searcher) -> Recognizer:
        """The recognizer for ``searcher``'s version: this one when it is the same,
        else a new one that reuses the automata of the segments both share."""
        return self if searcher is self.searcher else Recognizer(searcher, previous=self)

    # ------------------------------------------------------------------ checks

    def _language(self, lang: str | None, text: str) -> str | None:
        languages = sorted(self.index.manifest.languages)
        if lang is None:
            return detect_language(text, languages)
        if lang in languages or base(lang) == ENGLISH:
            return lang
        same = [x for x in languages if base(x) == base(lang)]
        if same:
            return same[0]
        raise RecognitionError(f"unknown language {lang}; valid: {', '.join(languages)}", "lang")

    def language_of(self, lang: str, parameter: str = "lang") -> str:
        """``lang`` as the index writes it (``pt`` -> ``pt-br`` when only that is
        held), or an error naming ``parameter``."""
        try:
            found = self._language(lang, "")
        except RecognitionError as exc:
            raise RecognitionError(str(exc), parameter) from exc
        assert found is not None
        return found

    def _targets(self, target: str | Sequence[str] | None) -> set[str] | None:
        if target is None:
            return None
        wanted = {target} if isinstance(target, str) else set(target)
        languages = set(self.index.manifest.languages)
        unknown = sorted(wanted - languages)
        if unknown:
            raise RecognitionError(
                f"unknown target language {', '.join(unknown)}; valid: {', '.join(sorted(languages))}",
                "target",
            )
        return wanted or None

    @staticmethod
    def _check_text(text: str) -> None:
        if not isinstance(text, str) or not text.strip(BLANK):
            raise RecognitionError("text is empty: send the text to check", "text")
        if len(text) > MAX_TEXT_CHARS:
            raise RecognitionError(
                f"text has {len(text)} characters, over the limit of {MAX_TEXT_CHARS}; "
                "send it in parts", "text")  # fmt: skip

    # ------------------------------------------------------------------ automata

    def _automaton(self, s: int, lang: str, mode: str, split_cased: bool) -> TermAutomaton:
        segment = self.index.segments[s]
        key = (segment.name, lang, mode, split_cased)
        found = self._automata.get(key)
        if found is None:
            with self._lock:
                found = self._automata.get(key)
                if found is None:
                    names = partial(_names, segment.entries, lang)
                    found = self._automata[key] = TermAutomaton.build(names, mode, split_cased)
        return found

    def _occurrences(self, words: list[str], lang: str, mode: str, cased: bool) -> list[_Found]:
        found: list[_Found] = []
        for automaton_mode in (mode, CASED) if cased else (mode,):
            key = partial(word_keys, lang=lang, mode=automaton_mode)
            for s, (dead, offset) in enumerate(zip(self.index.dead, self.index.bases, strict=True)):
                automaton = self._automaton(s, lang, automaton_mode, cased)
                for o in automaton.find(words, key):
                    if not dead[o.row]:
                        kind = self._kind(words[o.first : o.last + 1], offset + o.row, o.name,
                                          automaton_mode)  # fmt: skip
                        found.append(_Found(o.first, o.last, offset + o.row, o.name, kind))
                        if len(found) > MAX_OCCURRENCES:
                            raise _too_many("occurrences", MAX_OCCURRENCES)
        return found

    def _kind(self, words: list[str], row: int, name: int, mode: str) -> str:
        if mode in (CASED, "exact"):
            return "exact"
        written = self._written.get((row, name))
        if written is None:
            if len(self._written) >= MAX_REMEMBERED:
                self._written.clear()
            written = self._written[(row, name)] = [
                fold(w) for w in words_of(entry_names(self._entry(row))[name])]  # fmt: skip
        if [fold(w) for w in words] == written:
            return "exact"
        return "inflected" if mode == "inflected" else "fuzzy"

    # ------------------------------------------------------------------ recognition

    def recognize(
        self,
        text: str,
        lang: str | None = None,
        target: str | Sequence[str] | None = None,
        mode: str | None = None,
        overlapping: bool = False,
        semantic: bool = False,
        threshold: float = DEFAULT_THRESHOLD,
        cased: bool = True,
    ) -> Recognition:
        """The terms of ``text`` (in ``lang``, detected when None), each with its
        equivalents in ``target`` languages (every other language when None).
        ``mode``: exact, inflected or prefix (default: inflected where a
        lemmatiser covers the language). ``overlapping``: every occurrence, not
        only the longest non-overlapping ones. ``semantic``: also phrases that
        are no form of a term but mean one (``semantic``; embeds the text's
        phrases, so bounded to ``MAX_SEMANTIC_WORDS`` words), at ``threshold``.
        ``cased``: acronyms and very short names match only as written (False:
        folded like every other name)."""
        language, mode, spans, found = self._found(text, lang, mode, cased, semantic)
        targets = self._targets(target)
        if language is None:
            return Recognition(None, mode, ())
        chosen = found if overlapping else self._longest(found, spans)
        if len(chosen) > MAX_MATCHES:
            raise _too_many("matches", MAX_MATCHES)
        matches = self._matches(chosen, text, spans, targets)
        if semantic:
            taken = {w for f in chosen for w in range(f.first, f.last + 1)}
            matches += self._semantic(text, spans, taken, targets, threshold)
            matches.sort(key=lambda m: (m.start, -m.end))
        return Recognition(language, mode, tuple(matches))

    def every_and_longest(self, text: str, lang: str) -> tuple[Recognition, Recognition]:
        """Every occurrence of a term in ``text`` and the longest non-overlapping
        ones, from one pass over the text: what translation QA reads of a target
        segment (it used to recognise it twice)."""
        language, mode, spans, found = self._found(text, lang, None, True, False)
        if language is None:
            return Recognition(None, mode, ()), Recognition(None, mode, ())
        every = self._matches(found, text, spans, None)
        # the longest keep every occurrence of a span they choose, so their matches
        # are every's at those spans (not computed twice)
        chosen = {(spans[f.first][0], spans[f.last][1]) for f in self._longest(found, spans)}
        longest = [m for m in every if (m.start, m.end) in chosen]
        return Recognition(language, mode, tuple(every)), Recognition(language, mode, tuple(longest))

    def _found(self, text: str, lang: str | None, mode: str | None, cased: bool, semantic: bool):
        """(language, mode, word spans, every occurrence) of ``text``: the checks
        and the automaton pass every recognition starts with."""
        self._check_text(text)
        language = self._language(lang, text)
        mode = mode or self.modes.get(language or ENGLISH) or default_mode(language or ENGLISH)
        if mode not in MODES:
            raise RecognitionError(f"unknown mode {mode}; valid: {', '.join(MODES)}", "mode")
        if language is None:
            return None, mode, [], []
        spans = word_spans(text)
        words = [text[a:b] for a, b in spans]
        if semantic and len(words) > MAX_SEMANTIC_WORDS:
            raise RecognitionError(
                f"semantic matching reads at most {MAX_SEMANTIC_WORDS} words and the text has "
                f"{len(words)}; send it in parts or leave semantic off", "semantic")  # fmt: skip
        return language, mode, spans, self._occurrences(words, language, mode, cased)

    def _semantic(self, text, spans, taken, targets, threshold) -> list[TermMatch]:
        candidates = phrases(text, spans, taken)
        if not candidates:
            return []
        hits = self.searcher.batch_search([p.text for p in candidates], k=1, mode="dense")
        found = [(p, h[0].score, self.index.row_of(h[0].id))
                 for p, h in zip(candidates, hits, strict=True) if h and h[0].score >= threshold]  # fmt: skip
        out = []
        for phrase, score, row in best_phrases([f for f in found if f[2] is not None]):
            entry = self._entry(row)
            concept, equivalents = self._concept(entry, targets)
            start, end = spans[phrase.first][0], spans[phrase.last][1]
            info = entry.info(entry.term)
            status = info.status if info else None
            out.append(TermMatch(start, end, phrase.text, entry.id, entry.term, entry.term,
                                 entry.lang, concept, status, status in DISCOURAGED, "semantic",
                                 equivalents, round(float(score), 4)))  # fmt: skip
        return out

    @staticmethod
    def _longest(found: list[_Found], spans: list[tuple[int, int]]) -> list[_Found]:
        """Leftmost-longest, in characters; occurrences of the very same span all stay."""

        def length(f: _Found) -> int:
            return spans[f.last][1] - spans[f.first][0]

        taken: set[int] = set()
        kept: list[_Found] = []
        chosen_spans: set[tuple[int, int]] = set()
        for f in sorted(found, key=lambda f: (-length(f), f.first, _KIND_ORDER[f.kind])):
            words = range(f.first, f.last + 1)
            if (f.first, f.last) in chosen_spans or not taken.intersection(words):
                kept.append(f)
                chosen_spans.add((f.first, f.last))
                taken.update(words)
        return kept

    def _matches(self, chosen: list[_Found], text: str, spans, targets) -> list[TermMatch]:
        by_span: dict[tuple[int, int], list[_Found]] = {}
        for f in chosen:
            by_span.setdefault((f.first, f.last), []).append(f)
        concepts: dict[int, tuple[str | None, tuple[Equivalent, ...] | None]] = {}
        out: list[TermMatch] = []
        for (first, last), here in sorted(by_span.items()):
            start, end = spans[first][0], spans[last][1]
            seen: set[str] = set()
            for f in sorted(here, key=lambda f: self._preference(f)):
                entry = self._entry(f.row)
                if f.row not in concepts:
                    concepts[f.row] = self._concept(entry, targets)
                concept, equivalents = concepts[f.row]
                group = concept or entry.id
                if group in seen:
                    continue
                seen.add(group)
                name = entry_names(entry)[f.name]
                info = entry.info(name)
                status = info.status if info else None
                out.append(TermMatch(
                    start, end, text[start:end], entry.id, entry.term, name, entry.lang, concept,
                    status, status in DISCOURAGED, f.kind, equivalents,
                ))  # fmt: skip
        return out

    def _preference(self, f: _Found) -> tuple:
        entry = self._entry(f.row)
        info = entry.info(entry_names(entry)[f.name])
        status = info.status if info else None
        return (_KIND_ORDER[f.kind], _STATUS_ORDER.get(status, 2), entry.id)

    def _concept(self, entry: Entry, targets: set[str] | None):
        """The entry's concept id and its entries in the target languages, kept
        per entry and targets: this version's concepts do not change, and a
        bilingual file asks for the same few terms' concepts on every unit."""
        key = (entry.id, frozenset(targets) if targets is not None else None)
        found = self._concepts.get(key)
        if found is None:
            found = self._concept_uncached(entry, targets)
            if found[1] is not None:  # not "the links are not ready yet"
                if len(self._concepts) >= CACHED_CONCEPTS:
                    self._concepts.clear()
                self._concepts[key] = found
        return found

    def _concept_uncached(self, entry: Entry, targets: set[str] | None):
        if not self.searcher.has_graph:
            return entry.concept, None
        try:
            record = self.searcher.concept(entry.id)
        except GraphNotReady:
            return entry.concept, None
        equivalents: dict[tuple[str, str], Equivalent] = {}
        for m in record.members:  # one per language and term: two glossaries may agree
            if m.hit.lang != entry.lang and (targets is None or m.hit.lang in targets):
                key = (m.hit.lang, fold(m.hit.term))
                equivalents.setdefault(
                    key, Equivalent(m.hit.id, m.hit.term, m.hit.lang, m.hit.status, m.joined)
                )
        ordered = sorted(equivalents.values(), key=lambda e: (e.lang, e.status in DISCOURAGED))
        return record.id, tuple(ordered)

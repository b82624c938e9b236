"""Semantic matches: stretches of a text that are no form of any term but mean
one ("how long do callers wait on average" -> Average Wait Time).

The unit is the clause (text between punctuation): each clause of at most
``MAX_CLAUSE_WORDS`` words that no term already touches is embedded as a query
and searched among the entries of every language (dense: the meaning, not the
words; and meaning crosses languages, so an English sentence may mean a term
the termbase holds only in Polish and Chinese); a longer clause is read in
windows of ``WINDOW_WORDS`` words, ``WINDOW_STEP`` apart. A clause whose best
entry scores at least the threshold is a match. Measured on the gold set's
paraphrased questions (``benchmarks/quality/recognition.py --semantic``): clauses beat
every run of 2-6 words (more than twice the test precision, at a quarter of the
cost), whose many short phrases each find some entry; raw cosine instead of the
calibrated score did no better (claim ``recognition.semantic.report.precision``
is what clauses reach). Embedding costs what a
search does per clause, so it is off unless asked and bounded to
``MAX_SEMANTIC_WORDS`` words of text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

MAX_CLAUSE_WORDS = 20
MIN_CLAUSE_WORDS = 1  # 2 was tried: dev F1 0.576 against 0.634 (one-word questions exist)
WINDOW_WORDS = 8
WINDOW_STEP = 4
MAX_SEMANTIC_WORDS = 400
DEFAULT_THRESHOLD = 3.214  # calibrated dense score; chosen on the gold set's dev queries
_CLAUSE_BREAK = re.compile(r"[.,;:!?()\[\]{}\"“”«»。，、；：！？（）\n]")


@dataclass(frozen=True, slots=True)
class Phrase:
    first: int  # word numbers, inclusive
    last: int
    text: str


def _clauses(text: str, spans: Sequence[tuple[int, int]]) -> list[range]:
    out, start = [], 0
    for i in range(1, len(spans) + 1):
        if i == len(spans) or _CLAUSE_BREAK.search(text[spans[i - 1][1] : spans[i][0]]):
            out.append(range(start, i))
            start = i
    return out


def phrases(text: str, spans: Sequence[tuple[int, int]], taken: set[int]) -> list[Phrase]:
    """The clauses (or windows of long ones) that touch no word in ``taken``."""
    out: list[Phrase] = []
    for clause in _clauses(text, spans):
        if len(clause) <= MAX_CLAUSE_WORDS:
            parts = [clause]
        else:
            starts = range(clause.start, clause.stop - WINDOW_WORDS + WINDOW_STEP, WINDOW_STEP)
            parts = [range(s, min(s + WINDOW_WORDS, clause.stop)) for s in starts]
        for part in parts:
            if len(part) >= MIN_CLAUSE_WORDS and not taken.intersection(part):
                first, last = part.start, part.stop - 1
                out.append(Phrase(first, last, text[spans[first][0] : spans[last][1]]))
    return out


def best_phrases(found: list[tuple[Phrase, float, int]]) -> list[tuple[Phrase, float, int]]:
    """Non-overlapping phrases, best score first."""
    taken: set[int] = set()
    kept = []
    for phrase, score, row in sorted(found, key=lambda f: -f[1]):
        words = set(range(phrase.first, phrase.last + 1))
        if not taken & words:
            kept.append((phrase, score, row))
            taken |= words
    return sorted(kept, key=lambda f: f[0].first)

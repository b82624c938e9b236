"""Semantic matches: phrases of a text that are no form of any term but mean
one ("the time customers wait on hold" -> Hold Time).

Each run of two to ``MAX_PHRASE_WORDS`` words inside one clause (never across
punctuation) that no term already covers is embedded as a query and searched
among the entries of the text's language (dense: the meaning, not the words);
a phrase whose best entry scores at least the threshold is a match. The
threshold was chosen on the tuning part of the recognition benchmark
(``benchmarks/recognition.py --semantic``) and the table reports the other
part. Overlapping phrases keep the best-scoring one. Embedding every phrase is
what this costs, so it is off unless asked and bounded to
``MAX_SEMANTIC_WORDS`` words of text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

MAX_PHRASE_WORDS = 6
MIN_PHRASE_WORDS = 2
MAX_SEMANTIC_WORDS = 400
DEFAULT_THRESHOLD = 0.85  # chosen on the tuning part: benchmarks/results/recognition.md
_CLAUSE_BREAK = re.compile(r"[.,;:!?()\[\]{}\"“”«»。，、；：！？（）\n]")


@dataclass(frozen=True, slots=True)
class Phrase:
    first: int  # word numbers, inclusive
    last: int
    text: str


def phrases(text: str, spans: Sequence[tuple[int, int]], taken: set[int]) -> list[Phrase]:
    """Every run of words within a clause that touches no word in ``taken``."""
    out: list[Phrase] = []
    clause_start = 0
    for i in range(1, len(spans) + 1):
        if i < len(spans) and not _CLAUSE_BREAK.search(text[spans[i - 1][1] : spans[i][0]]):
            continue
        clause = range(clause_start, i)
        for first in clause:
            for last in range(first + MIN_PHRASE_WORDS - 1, min(first + MAX_PHRASE_WORDS, i)):
                if not taken.intersection(range(first, last + 1)):
                    out.append(Phrase(first, last, text[spans[first][0] : spans[last][1]]))
        clause_start = i
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

"""Character n-grams within a word: what lets typos ("custmer efort") still match."""

from __future__ import annotations

from glossa.analysis.segmentation import is_han

NGRAM = 3


def char_ngrams(word: str, n: int = NGRAM) -> list[str]:
    if len(word) <= n or is_han(word):
        return []
    padded = f"^{word}$"
    return [padded[i : i + n] for i in range(len(padded) - n + 1)]

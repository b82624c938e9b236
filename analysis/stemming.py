"""Stemming: a light stemmer for Latin and Cyrillic words.

The first ``STEM_CHARS`` characters conflate Polish inflections (klienta,
klientów -> klient). A dictionary stemmer (pystempel) was tried: it takes
seconds to load, and it mis-stems folded text.
"""

from __future__ import annotations

from glossa.analysis.segmentation import is_han

STEM_CHARS = 6


def stem(word: str) -> str:
    if is_han(word):
        return word
    return word[:STEM_CHARS]

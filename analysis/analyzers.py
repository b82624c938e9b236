"""The named analysers: chains of segmentation, stemming and n-grams.

An index records the analyser its postings were built with (the manifest's
``analyzer``), so a name must keep meaning the same chain.
"""

from __future__ import annotations

from glossa.analysis.ngrams import char_ngrams
from glossa.analysis.segmentation import words
from glossa.analysis.stemming import stem

ANALYZERS = ("words", "stems", "stems+ngrams", "ngrams")
DEFAULT_ANALYZER = "stems+ngrams"


def analyze(text: str, analyzer: str = DEFAULT_ANALYZER) -> list[str]:
    """Index/query tokens. Stems and n-grams are prefixed so they never collide."""
    ws = words(text)
    if analyzer == "words":
        return ws
    tokens = [stem(w) for w in ws] if analyzer != "ngrams" else list(ws)
    if analyzer in ("stems+ngrams", "ngrams"):
        tokens += [f"#{g}" for w in ws for g in char_ngrams(w)]
    return tokens

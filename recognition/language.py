"""The language of a text, among the languages a termbase holds.

Script decides first (Han, kana, Hangul, Arabic, Cyrillic, Greek...); within a
script shared by several of the index's languages (Latin above all), simplemma's
dictionary-based detector scores the candidates by how many words it knows.
Only languages the index can match are candidates: recognition has nothing to
find in any other.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

from glossa.analysis.lemmas import detect, lemma_language

SAMPLE_CHARS = 4000  # enough text to tell languages apart, bounded work
# the script a language is written in, for the languages whose script names it
_SCRIPT_LANGS = {
    "HAN": ("zh", "ja"), "KANA": ("ja",), "HANGUL": ("ko",), "ARABIC": ("fa", "ar", "ur", "ps"),
    "HEBREW": ("he",), "GREEK": ("el",), "THAI": ("th",), "DEVANAGARI": ("hi", "mr", "ne"),
    "CYRILLIC": ("ru", "uk", "bg", "sr", "mk", "be", "kk"), "ARMENIAN": ("hy",), "GEORGIAN": ("ka",),
}  # fmt: skip
_LETTER = re.compile(r"[^\W\d_]")


def _script(char: str) -> str:
    name = unicodedata.name(char, "")
    if "CJK" in name:
        return "HAN"
    if "HIRAGANA" in name or "KATAKANA" in name:
        return "KANA"
    first = name.split(" ")[0]
    return first if first in _SCRIPT_LANGS else "LATIN"


def base(lang: str) -> str:
    return lang.lower().split("-")[0].split("_")[0]


def detect_language(text: str, languages: Sequence[str]) -> str | None:
    """The index language ``text`` is most likely written in, or None when
    none of them is written in the text's script."""
    sample = text[:SAMPLE_CHARS]
    scripts = Counter(_script(c) for c in _LETTER.findall(sample))
    if not scripts or not languages:
        return None
    if scripts["KANA"]:
        scripts["KANA"] += scripts.pop("HAN", 0)  # Japanese mixes kanji with kana
    script = scripts.most_common(1)[0][0]
    if script == "LATIN":
        candidates = [lang for lang in languages if not any(
            base(lang) in langs for langs in _SCRIPT_LANGS.values())]  # fmt: skip
    else:
        candidates = [lang for lang in languages if base(lang) in _SCRIPT_LANGS[script]]
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    known = {lemma_language(lang): lang for lang in candidates if lemma_language(lang)}
    if known:
        scores = detect(sample, tuple(known))
        best, score = scores[0]
        if best in known and score > 0:
            return known[best]
    return sorted(candidates)[0]

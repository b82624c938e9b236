"""Language-aware text analysis for lexical matching.

A query's language is unknown (and often not one the glossaries contain), so the
analyser works by *script*, the same way for queries and entries:

- everything: NFKC, case folding, diacritics stripped ("obsługa" = "obsluga",
  "Zażółć" = "zazolc"), so queries typed without Polish letters still match;
- Persian/Arabic script: Arabic yeh/kaf/teh marbuta/hamza forms mapped to their
  Persian letters, harakat and tatweel removed, ZWNJ treated as a space (the
  glossaries write "می شود" where users type "می‌شود");
- Chinese: segmented into words with jieba (search mode, so 客户服务 also yields
  客户 and 服务);
- Latin/Cyrillic words: a light stemmer (the first ``STEM_CHARS`` characters)
  conflates Polish inflections (klienta, klientów -> klient); a dictionary
  stemmer (pystempel) was measured: 5.6 s to load and it mis-stems folded text.

``char_ngrams`` adds within-word character n-grams, which is what lets typos
("custmer efort") still match.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from functools import lru_cache

STEM_CHARS = 6
NGRAM = 3

_PERSIAN = str.maketrans(
    {
        "ي": "ی", "ى": "ی", "ئ": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "ؤ": "و",
        "أ": "ا", "إ": "ا", "ٱ": "ا", "آ": "ا",
        "\u200c": " ", "\u200d": "", "\u0640": "",  # ZWNJ, ZWJ, tatweel
        **{chr(0x06F0 + i): str(i) for i in range(10)},  # Persian digits
        **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic digits
    }
)  # fmt: skip
_UNDECOMPOSABLE = str.maketrans({"ł": "l", "đ": "d", "ø": "o", "ħ": "h", "ı": "i"})
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"([{_CJK}]+)|([^\W{_CJK}]+)")


def fold(text: str) -> str:
    """Normalise for matching: NFKC, casefold, Persian letter forms, no diacritics."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_PERSIAN)
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", stripped).translate(_UNDECOMPOSABLE)


@lru_cache(maxsize=1)
def _jieba():
    # jieba imports pkg_resources, which recent setuptools deprecates with a warning
    # on every import; that is jieba's business, not something a user can act on.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
        import jieba

    jieba.setLogLevel(60)
    return jieba


def words(text: str) -> list[str]:
    """Folded words; Chinese runs segmented by jieba."""
    out: list[str] = []
    for cjk, other in _RUNS.findall(fold(text)):
        if cjk:
            out.extend(w for w in _jieba().lcut_for_search(cjk) if w.strip())
        else:
            out.append(other)
    return out


def stem(word: str) -> str:
    if any("\u3400" <= c <= "\u9fff" for c in word):
        return word
    return word[:STEM_CHARS]


def char_ngrams(word: str, n: int = NGRAM) -> list[str]:
    if len(word) <= n or any("\u3400" <= c <= "\u9fff" for c in word):
        return []
    padded = f"^{word}$"
    return [padded[i : i + n] for i in range(len(padded) - n + 1)]


ANALYZERS = ("words", "stems", "stems+ngrams", "ngrams")


def analyze(text: str, analyzer: str = "stems+ngrams") -> list[str]:
    """Index/query tokens. Stems and n-grams are prefixed so they never collide."""
    ws = words(text)
    if analyzer == "words":
        return ws
    tokens = [stem(w) for w in ws] if analyzer != "ngrams" else list(ws)
    if analyzer in ("stems+ngrams", "ngrams"):
        tokens += [f"#{g}" for w in ws for g in char_ngrams(w)]
    return tokens


def name_key(text: str) -> str:
    """The key under which a name (term, alias, English equivalent) matches exactly."""
    return " ".join(words(text))

"""Folding: the form under which two spellings of a word are the same.

NFKC, case folding, diacritics stripped ("obsługa" = "obsluga", "Zażółć" =
"zazolc"), so queries typed without Polish letters still match. Persian/Arabic
script: Arabic yeh/kaf/teh marbuta/hamza forms mapped to their Persian letters,
harakat and tatweel removed, ZWNJ treated as a space (the glossaries write
"می شود" where users type "می‌شود"), Persian and Arabic-Indic digits as ASCII.
"""

from __future__ import annotations

import unicodedata

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


def fold(text: str) -> str:
    """Normalise for matching: NFKC, casefold, Persian letter forms, no diacritics."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_PERSIAN)
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", stripped).translate(_UNDECOMPOSABLE)

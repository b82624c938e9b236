"""Spans: where each word of a text starts and ends, in code points of the text
as sent.

Recognition answers with offsets into the user's own text, so it cannot work on
the folded copy (folding changes lengths). Words are runs of letters, digits and
combining marks; a Han, kana or Hangul character is a word of its own, so a
term matches inside Chinese, Japanese or Korean text with no spaces and no
segmenter whose cuts could split it (客户满意度 is found in 提高客户满意度的方法).
"""

from __future__ import annotations

import re

# Han, kana and Hangul syllables: scripts written without spaces between terms
# (Korean writes spaces, but particles cling to the noun: 클래스를)
CHARACTER_WORDS = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_LETTERS = rf"(?:(?![{CHARACTER_WORDS}])[\w\u0300-\u036f\u064b-\u065f\u0670])+"
# an apostrophe between Cyrillic letters belongs to the word (Ukrainian об'єкт,
# сім'я); in Latin script it separates (French l'objet, English customer's)
_APOSTROPHE = "(?<=[\u0400-\u04ff])['\u2019\u02bc](?=[\u0400-\u04ff])"
_SPANS = re.compile(rf"[{CHARACTER_WORDS}]|{_LETTERS}(?:{_APOSTROPHE}{_LETTERS})*")


def word_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every word of ``text``, in order."""
    return [m.span() for m in _SPANS.finditer(text)]


_CHARACTER = re.compile(f"[{CHARACTER_WORDS}]")


def is_character_word(word: str) -> bool:
    """Whether ``word`` is one character of a script written without spaces."""
    return _CHARACTER.fullmatch(word) is not None

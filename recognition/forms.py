"""Forms: the key each word of a name or a text matches under, per match mode.

- ``exact``: the folded word (case, diacritics and Persian letter forms aside);
- ``inflected``: the folded lemma (``analysis.lemmas``), so "obsłudze klientów"
  meets the term "obsługa klienta" word by word, and the folded word itself:
  a lemmatiser is not always consistent with itself (simplemma takes the noun
  "zapytanie" to the verb "zapytać" but its form "zapytania" to "zapytanie"),
  and a term is written in its base form, so either key may be the one shared;
- ``prefix``: the folded word's first ``STEM_CHARS`` characters (memoQ's prefix
  match, for languages no lemmatiser covers);
- ``cased``: the word as written, for acronyms and very short names: "NPS" is a
  term, "nps" in a file name is not, and "IT" is not "it".

A name and a text are cut the same way (``analysis.spans``), so a name's keys
are a run of the text's keys whenever the name occurs in any of its forms.
"""

from __future__ import annotations

from functools import lru_cache

from glossa.analysis.folding import fold
from glossa.analysis.lemmas import lemma, lemma_language
from glossa.analysis.spans import is_character_word, word_spans
from glossa.analysis.stemming import STEM_CHARS

MODES = ("exact", "inflected", "prefix")
CASED = "cased"
SHORT_NAME = 3  # letters: a name this short matches only as written
ACRONYM_LETTERS = 6


def default_mode(lang: str) -> str:
    """Inflected where a lemmatiser covers the language, else exact."""
    return "inflected" if lemma_language(lang) else "exact"


def is_cased_name(name: str) -> bool:
    """Whether ``name`` matches only as written: an acronym (no lower-case letter,
    at most ``ACRONYM_LETTERS`` letters, Latin or Cyrillic) or a name of at most
    ``SHORT_NAME`` letters. Character scripts (Chinese) have no case and stay
    folded."""
    letters = [c for c in name if c.isalpha()]
    if not letters or any(is_character_word(c) for c in letters):
        return False
    if len(letters) <= SHORT_NAME:
        return True
    return len(letters) <= ACRONYM_LETTERS and not any(c.islower() for c in letters)


def words_of(text: str) -> list[str]:
    return [text[a:b] for a, b in word_spans(text)]


CACHED_WORDS = 200_000  # (word, language, mode) keys remembered: texts repeat their words
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'"})  # об’єкт = об'єкт = обʼєкт


@lru_cache(maxsize=CACHED_WORDS)
def word_keys(word: str, lang: str, mode: str) -> tuple[str, ...]:
    """The keys ``word`` of language ``lang`` matches under in ``mode``, the one
    to try first first (two words match when they share a key)."""
    word = word.translate(_APOSTROPHES)
    if mode == CASED:
        return (word,)
    folded = fold(word)
    if is_character_word(word):
        return (folded,)
    if mode == "inflected":
        lemma_key = fold(lemma(word, lang))
        return (lemma_key,) if lemma_key == folded else (lemma_key, folded)
    return (folded[:STEM_CHARS],) if mode == "prefix" else (folded,)


def keys(words: list[str], lang: str, mode: str) -> list[tuple[str, ...]]:
    return [word_keys(w, lang, mode) for w in words]

"""Lemmas: the dictionary form of an inflected word (klientów -> klient,
Kunden -> Kunde, клиентов -> клиент, مشتریان -> مشتری).

A term is written in its base form and used in every form of it, so recognising
terms in running text needs the lemma of each word. simplemma (MIT, no
dependencies) lemmatises 54 languages from dictionaries built out of
Wiktionary and other open lexicons; a word it does not know stays as it is, so
a lemma never invents a match. The dictionaries load on first use of a
language (about a second each).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from functools import lru_cache

from simplemma import LanguageDetector, Lemmatizer
from simplemma.strategies import DefaultStrategy
from simplemma.strategies.dictionaries.dictionary_factory import (
    SUPPORTED_LANGUAGES,
    DefaultDictionaryFactory,
)
from simplemma.token_sampler import MostCommonTokenSampler, RelaxedMostCommonTokenSampler

CACHED_WORDS = 200_000  # distinct (word, language) pairs remembered
# One dictionary cache for the process, as large as the languages simplemma has:
# its default keeps 8, so a termbase of 12 Latin-script languages reloaded
# dictionaries (about a second each) on every language detection.
_STRATEGY = DefaultStrategy(
    dictionary_factory=DefaultDictionaryFactory(cache_max_size=len(SUPPORTED_LANGUAGES))
)
_LEMMATIZER = Lemmatizer(lemmatization_strategy=_STRATEGY)
_loaded: set[str] = set()
_loading = threading.Lock()


def load_dictionaries(languages: Iterable[str]) -> None:
    """Load simplemma's dictionaries of ``languages`` (simplemma codes) once per
    process, one thread at a time. Why: simplemma caches them in an
    ``lru_cache``, which does not make concurrent first callers wait for one
    load: 16 requests arriving together on a fresh server each loaded their own
    copy, about ten times the memory of one request and many times its time
    (``benchmarks/results/speed/termbase_server.md``, its "before" row)."""
    missing = [lang for lang in languages if lang not in _loaded]
    if not missing:
        return
    with _loading:
        for lang in missing:
            if lang not in _loaded:
                _LEMMATIZER.lemmatize("a", lang)  # the first call loads the dictionary
                _loaded.add(lang)


def lemma_language(lang: str) -> str | None:
    """The simplemma language for a Glossa language code (``pt-br`` -> ``pt``),
    or None when there is no lemmatiser for it."""
    base = lang.lower().split("-")[0].split("_")[0]
    return base if base in SUPPORTED_LANGUAGES else None


def detect(text: str, languages: tuple[str, ...]) -> list[tuple[str, float]]:
    """simplemma's language scores of ``text`` among ``languages`` (simplemma
    codes), best first, over the process's dictionaries (loaded once each)."""
    load_dictionaries(languages)
    results: list[tuple[str, float]] = []
    for sampler in (MostCommonTokenSampler(), RelaxedMostCommonTokenSampler()):
        found = LanguageDetector(languages, sampler, _STRATEGY).proportion_in_each_language(text)
        results = sorted(found.items(), key=lambda item: (item[0] == "unk", -item[1]))
        if len(results) == 1 or results[0][1] != results[1][1]:
            break  # as simplemma.langdetect: a tie is broken by the relaxed sampler
    return results


def lemmatized_languages() -> tuple[str, ...]:
    """Every language code a lemmatiser covers."""
    return tuple(sorted(SUPPORTED_LANGUAGES))


@lru_cache(maxsize=CACHED_WORDS)
def lemma(word: str, lang: str) -> str:
    """The lemma of ``word`` in ``lang`` (itself when unknown or not covered).
    A capitalised word the dictionary does not know is tried in lower case, as
    the first word of a sentence is."""
    language = lemma_language(lang)
    if language is None:
        return word
    load_dictionaries((language,))
    found = _LEMMATIZER.lemmatize(word, language)
    if found == word and word[:1].isupper():
        lower = _LEMMATIZER.lemmatize(word.lower(), language)
        if lower != word.lower():
            return lower
    return found

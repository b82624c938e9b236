"""The term automaton on its own: word numbering, wide numbers, keys shared
through a lemmatiser's inconsistencies."""

from __future__ import annotations

import glossa.recognition.automaton as automaton
from glossa.recognition.automaton import TermAutomaton
from glossa.recognition.forms import word_keys, words_of


def found(built: TermAutomaton, text: str, lang: str = "pl", mode: str = "inflected"):
    key = lambda word: word_keys(word, lang, mode)  # noqa: E731
    return [(o.first, o.last, o.row) for o in built.find(words_of(text), key)]


def test_a_word_joins_its_lemma_and_its_written_form():
    # simplemma takes the noun "zapytanie" to the verb "zapytać", its form "zapytania"
    # to "zapytanie", and "zapytań" to "zapytać": one class of keys, whatever the order
    names = [(0, 0, "Ilość interakcji w zapytaniu", "pl"), (1, 0, "Ilość zapytań klienckich", "pl"),
             (2, 0, "Zapytanie", "pl")]  # fmt: skip
    built = TermAutomaton.build(names, "inflected")
    assert found(built, "dwa zapytania i zapytanie") == [(1, 1, 2), (3, 3, 2)]


def test_word_boundaries_hold_and_names_of_several_words_need_all_of_them():
    built = TermAutomaton.build(
        [(0, 0, "obsługa klienta", "pl"), (1, 0, "klient", "pl")], "inflected"
    )
    assert found(built, "obsłudze klientów") == [(0, 1, 0), (1, 1, 1)]
    assert found(built, "obsługa") == []
    assert found(built, "klientka") == []  # another word, not a longer one


def test_two_characters_per_word_when_one_is_not_enough(monkeypatch):
    monkeypatch.setattr(automaton, "ONE_CHARACTER", 2)  # as if a segment had a million words
    names = [(0, 0, "alfa beta", "xx"), (1, 0, "gamma", "xx"), (2, 0, "beta gamma", "xx")]
    built = TermAutomaton.build(names, "exact")
    assert built.width == 2
    got = found(built, "alfa beta gamma delta", "xx", "exact")
    assert sorted(got) == [(0, 1, 0), (1, 2, 2), (2, 2, 1)]

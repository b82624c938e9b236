"""Lemma dictionaries load once per process, however many threads ask at once."""

from __future__ import annotations

import threading
import time

from glossa.analysis import lemmas


def test_concurrent_first_callers_load_a_dictionary_once(monkeypatch):
    loads = []

    class SlowFirstLoad:
        def lemmatize(self, word: str, lang: str) -> str:
            loads.append(lang)
            time.sleep(0.05)  # long enough for every thread to arrive while it loads
            return word

    monkeypatch.setattr(lemmas, "_LEMMATIZER", SlowFirstLoad())
    monkeypatch.setattr(lemmas, "_loaded", set())
    start = threading.Barrier(8)

    def ask() -> None:
        start.wait()
        lemmas.load_dictionaries(("pl", "de"))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(loads) == ["de", "pl"]  # without the lock: 8 loads of each


def test_lemmas_and_detection_match_simplemmas_own_functions():
    """The process-wide strategy only caches more dictionaries: same answers."""
    import simplemma

    # two languages: each dictionary loads twice here (ours, then simplemma's own
    # cache), about a second each
    for word, lang in (("klientów", "pl"), ("Kunden", "de")):
        assert lemmas.lemma(word, lang) == simplemma.lemmatize(word, lang=lang)
    text = "Die Kunden warten auf eine Antwort des Kundendienstes."
    assert lemmas.detect(text, ("de", "pl")) == simplemma.langdetect(text, ("de", "pl"))

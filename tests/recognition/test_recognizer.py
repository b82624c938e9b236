"""Recognition over a small termbase with declared concepts (fake encoder: the
links come from the concept ids, so the equivalents are known exactly)."""

from __future__ import annotations

import pytest
from glossa.corpus.entry import Entry, TermInfo
from glossa.indexer.build import build_index
from glossa.indexer.writes import apply_changes
from glossa.recognition import MAX_TEXT_CHARS, RecognitionError, Recognizer
from glossa.search.searcher import Searcher

from tests.fakes import FakeEncoder


def termbase() -> list[Entry]:
    def e(i, term, lang, concept, aliases=(), english=None, info=()):
        return Entry(i, term, f"definition of {term}", lang, "t", aliases=tuple(aliases),
                     english=english, concept=concept, term_info=tuple(info))  # fmt: skip

    return [
        e("pl-cs", "obsługa klienta", "pl", "c-service"),
        e("zh-cs", "客户服务", "zh", "c-service"),
        e("fa-cs", "خدمات مشتری", "fa", "c-service"),
        e("pl-sat", "satysfakcja klienta", "pl", "c-sat", english="customer satisfaction"),
        e("pl-satscore", "wskaźnik satysfakcji klienta", "pl", "c-satscore", aliases=["CSAT"]),
        e("zh-sat", "客户满意度", "zh", "c-sat"),
        e("zh-satscore", "客户满意度得分", "zh", "c-satscore"),
        e("pl-nps", "Net Promoter Score", "pl", "c-nps", aliases=["NPS"]),
        e("pl-nps2", "Net Promoter Score", "pl", "c-nps", aliases=["NPS"]),
        e("zh-nps", "净推荐值", "zh", "c-nps", aliases=["NPS"]),
        e("pl-old", "infolinia", "pl", "c-line", aliases=["call center"],
          info=[TermInfo("infolinia", status="deprecated"), TermInfo("call center", status="preferred")]),
        e("zh-line", "呼叫中心", "zh", "c-line"),
        e("pl-it", "IT", "pl", "c-it"),
        e("pl-kolejka", "kolejka", "pl", "c-queue"),
        e("pl-kolejka2", "kolejka", "pl", "c-queue-game"),
        e("fa-kpi", "شاخص کلیدی عملکرد", "fa", "c-kpi"),
        e("pl-kpi-old", "miernik", "pl", "c-kpi", info=[TermInfo("miernik", status="superseded")]),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def searcher(tmp_path_factory) -> Searcher:
    path = tmp_path_factory.mktemp("rec") / "idx"
    encoder = FakeEncoder()
    build_index(termbase(), encoder, path)
    return Searcher.open(path, encoder)


@pytest.fixture(scope="module")
def recognizer(searcher) -> Recognizer:
    return Recognizer(searcher)


def spans(recognition) -> list[tuple[str, str, str]]:
    return [(m.text, m.id, m.match) for m in recognition.matches]


def test_inflected_forms_are_found_with_offsets_into_the_text_as_sent(recognizer):
    text = "Dbamy o obsługę klientów i mierzymy satysfakcję klienta."
    found = recognizer.recognize(text, lang="pl")
    assert spans(found) == [("obsługę klientów", "pl-cs", "inflected"),
                            ("satysfakcję klienta", "pl-sat", "inflected")]  # fmt: skip
    for m in found.matches:
        assert text[m.start : m.end] == m.text
    assert found.mode == "inflected"


def test_exact_mode_finds_only_the_written_form(recognizer):
    found = recognizer.recognize("obsługę klientów, obsługa klienta", lang="pl", mode="exact")
    assert spans(found) == [("obsługa klienta", "pl-cs", "exact")]


def test_longest_match_wins_and_all_returns_the_rest(recognizer):
    text = "Nasz wskaźnik satysfakcji klienta rośnie."
    assert spans(recognizer.recognize(text, lang="pl")) == [
        ("wskaźnik satysfakcji klienta", "pl-satscore", "exact")
    ]
    every = recognizer.recognize(text, lang="pl", overlapping=True)
    assert {m.id for m in every.matches} == {"pl-satscore", "pl-sat"}


def test_chinese_terms_match_without_spaces_and_longest_first(recognizer):
    text = "我们提高客户满意度得分，也关注客户服务。"
    found = recognizer.recognize(text)
    assert found.lang == "zh"
    assert spans(found) == [
        ("客户满意度得分", "zh-satscore", "exact"),
        ("客户服务", "zh-cs", "exact"),
    ]
    assert found.matches[0].start == text.index("客户满意度得分")


def test_equivalents_follow_the_concept_in_the_target_languages(recognizer):
    found = recognizer.recognize("obsługa klienta", lang="pl", target=["zh"])
    (match,) = found.matches
    assert match.concept == "c-service"
    assert [(e.id, e.lang) for e in match.equivalents] == [("zh-cs", "zh")]
    everywhere = recognizer.recognize("obsługa klienta", lang="pl").matches[0]
    assert [e.lang for e in everywhere.equivalents] == ["fa", "zh"]


def test_one_concept_at_one_place_is_one_match_homonyms_are_two(recognizer):
    nps = recognizer.recognize("Net Promoter Score", lang="pl").matches
    assert [m.id for m in nps] == ["pl-nps"]  # pl-nps2 is the same concept
    queue = recognizer.recognize("Stoimy w kolejce.", lang="pl").matches
    assert sorted(m.id for m in queue) == ["pl-kolejka", "pl-kolejka2"]
    assert {m.concept for m in queue} == {"c-queue", "c-queue-game"}


def test_acronyms_and_short_terms_match_only_as_written(recognizer):
    found = recognizer.recognize("NPS rośnie, a nps.txt nie. IT to dział, it nie.", lang="pl")
    assert [(m.text, m.id) for m in found.matches] == [("NPS", "pl-nps"), ("IT", "pl-it")]


def test_case_sensitivity_of_acronyms_can_be_turned_off(recognizer):
    found = recognizer.recognize("nps i it", lang="pl", cased=False)
    assert [(m.text, m.id) for m in found.matches] == [("nps", "pl-nps"), ("it", "pl-it")]


def test_deprecated_terms_are_found_and_flagged(recognizer):
    found = recognizer.recognize("Zadzwoń na infolinię albo do call center.", lang="pl")
    flagged = {m.name: m.discouraged for m in found.matches}
    assert flagged == {"infolinia": True, "call center": False}


def test_persian_letter_forms_and_english_names(recognizer):
    arabic_yeh_kaf = "شاخص كليدي عملكرد"  # Arabic kaf and yeh, as pasted from Arabic keyboards
    (match,) = recognizer.recognize(arabic_yeh_kaf, lang="fa").matches
    assert match.id == "fa-kpi" and match.match == "exact"
    english = recognizer.recognize("Customer satisfaction matters.", lang="en").matches
    assert [(m.id, m.name) for m in english] == [("pl-sat", "customer satisfaction")]


def test_language_is_detected_among_the_index_languages(recognizer):
    assert recognizer.recognize("Dbamy o obsługę klienta każdego dnia.").lang == "pl"
    assert recognizer.recognize("خدمات مشتری مهم است").lang == "fa"
    assert recognizer.recognize("Dbamy o obsługę klienta", lang="pl-PL").lang == "pl"


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"text": "   "}, "text"),
        ({"text": "x" * (MAX_TEXT_CHARS + 1)}, "text"),
        ({"text": "tekst", "lang": "xx"}, "lang"),
        ({"text": "tekst", "lang": "pl", "target": ["xx"]}, "target"),
        ({"text": "tekst", "lang": "pl", "mode": "stemmed"}, "mode"),
    ],
)
def test_bad_input_names_the_parameter(recognizer, kwargs, parameter):
    with pytest.raises(RecognitionError) as caught:
        recognizer.recognize(**kwargs)
    assert caught.value.parameter == parameter


def test_a_write_is_seen_and_reuses_the_automata_of_shared_segments(tmp_path):
    encoder = FakeEncoder()
    build_index(termbase(), encoder, tmp_path / "idx")
    searcher = Searcher.open(tmp_path / "idx", encoder)
    first = Recognizer(searcher)
    assert first.recognize("czas obsługi", lang="pl").matches == ()
    new = Entry("pl-aht", "czas obsługi", "definition", "pl", "t")
    loaded, _ = apply_changes(tmp_path / "idx", encoder, add=[new], delete=["pl-cs"])
    second = first.follow(searcher.with_index(loaded))
    base = searcher.index.segments[0].name
    key = (base, "pl", "inflected", True)
    assert second._automata[key] is first._automata[key]
    found = second.recognize("czasu obsługi i obsługa klienta", lang="pl")
    assert [(m.id, m.match) for m in found.matches] == [("pl-aht", "inflected")]  # pl-cs deleted


def test_a_language_mode_setting_is_the_default_and_a_request_overrides_it(searcher):
    prefix = Recognizer(searcher, modes={"pl": "prefix"})
    assert prefix.recognize("obsługami klientela", lang="pl").matches[0].match == "fuzzy"
    assert prefix.recognize("obsługami klientela", lang="pl", mode="inflected").matches == ()
    with pytest.raises(RecognitionError):
        Recognizer(searcher, modes={"pl": "stems"})


@pytest.mark.slow
def test_semantic_matches_with_the_real_model(real_searcher):
    real_searcher.wait_for_graph = True
    found = Recognizer(real_searcher).recognize(
        "Mierzymy, jak długo klienci czekają na pierwszą odpowiedź. NPS rośnie.", lang="pl",
        semantic=True)  # fmt: skip
    kinds = {m.match: m for m in found.matches}
    assert kinds["exact"].name == "NPS"
    semantic = kinds["semantic"]
    assert semantic.text == "jak długo klienci czekają na pierwszą odpowiedź"
    assert semantic.term == "Czas do pierwszej odpowiedzi" and semantic.score >= 3.214
    assert Recognizer(real_searcher).recognize("NPS rośnie.", lang="pl").matches[0].score is None
    with pytest.raises(RecognitionError) as caught:
        Recognizer(real_searcher).recognize("słowo " * 401, lang="pl", semantic=True)
    assert caught.value.parameter == "semantic"


def test_matches_per_request_are_capped_with_a_clear_error(recognizer, monkeypatch):
    """Nested terms in an overlapping recognition multiply: the enumeration stops
    at the cap instead of building a huge answer (413 over the API)."""
    from glossa.api.errors import STATUS
    from glossa.recognition import recognizer as module

    monkeypatch.setattr(module, "MAX_OCCURRENCES", 50)
    monkeypatch.setattr(module, "MAX_MATCHES", 20)
    text = "wskaźnik satysfakcji klienta. " * 40  # 3 nested terms per sentence
    with pytest.raises(module.TooManyMatches, match="more than 50 term occurrences") as caught:
        recognizer.recognize(text, "pl", overlapping=True)
    assert STATUS[caught.value.kind][0] == 413 and caught.value.parameter == "text"
    monkeypatch.setattr(module, "MAX_OCCURRENCES", 10_000)
    with pytest.raises(module.TooManyMatches, match="more than 20 term matches"):
        recognizer.recognize("wskaźnik satysfakcji klienta. " * 25, "pl")
    assert len(recognizer.recognize("wskaźnik satysfakcji klienta. " * 5, "pl").matches) == 5

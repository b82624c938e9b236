"""Termbase QA: each check finds what it describes, and only that."""

from __future__ import annotations

from glossa.corpus.entry import Entry, TermInfo
from glossa.indexer.build import build_index
from glossa.indexer.writes import record_review
from glossa.recognition.termbase_qa import check_termbase
from glossa.search.searcher import Searcher

from tests.fakes import FakeEncoder


def e(i, term, lang, concept, definition, aliases=(), info=()):
    return Entry(i, term, definition, lang, "t", aliases=tuple(aliases), concept=concept,
                 term_info=tuple(info))  # fmt: skip


TERMBASE = [
    e("pl-q1", "kolejka", "pl", "c-queue", "ciąg osób czekających na obsługę"),
    e("zh-q1", "排队", "zh", "c-queue", "等待服务的人"),
    e("pl-q2", "kolejka", "pl", "c-rail", "pojazd szynowy jeżdżący w górach"),
    e("pl-t1", "zgłoszenie", "pl", "c-ticket", "prośba klienta o pomoc"),
    e("pl-t2", "zgłoszenie", "pl", "c-ticket2", "prośba klienta o pomoc techniczną"),
    e("pl-p", "czat", "pl", "c-chat", "rozmowa tekstowa", aliases=["chat"],
      info=[TermInfo("czat", status="preferred"), TermInfo("chat", status="preferred")]),
    e("pl-d1", "infolinia", "pl", "c-line", "numer telefonu",
      info=[TermInfo("infolinia", status="deprecated")]),
    e("pl-d2", "infolinia", "pl", "c-hotline", "numer telefonu dla klientów",
      info=[TermInfo("infolinia", status="preferred")]),
    e("pl-x", "agent", "pl", "c-agent", "osoba obsługująca klientów"),
    e("zh-x", "客服", "zh", "c-staff", "服务人员"),
    e("zh-empty", "空", "zh", "c-empty", ""),
]  # fmt: skip


def test_every_check_finds_its_case(tmp_path):
    encoder = FakeEncoder()
    build_index(TERMBASE, encoder, tmp_path / "idx")
    loaded, _ = record_review(tmp_path / "idx", "pl-x", "zh-x", "accepted")
    report = check_termbase(Searcher.of_index(loaded, encoder))
    found = {name: check.items for name, check in report.checks.items()}
    assert [i["entries"] for i in found["homonyms"]] == [["pl-q1", "pl-q2"]]
    duplicates = sorted(i["entries"] for i in found["duplicate_concepts"])
    assert duplicates == [["pl-d1", "pl-d2"], ["pl-t1", "pl-t2"]]
    assert found["several_preferred"] == [
        {"concept": "c-chat", "lang": "pl", "names": ["chat", "czat"]}
    ]
    assert found["deprecated_preferred_elsewhere"] == [
        {"lang": "pl", "name": "infolinia", "discouraged_in": ["pl-d1"], "preferred_in": ["pl-d2"]}
    ]
    assert [i["declared"] for i in found["linked_into_two_concepts"]] == [["c-agent", "c-staff"]]
    assert [i["id"] for i in found["no_definition"]] == ["zh-empty"]
    missing = {i["concept"]: i["missing"] for i in found["missing_language"]}
    assert missing["c-rail"] == ["zh"] and "c-queue" not in missing
    assert report.problems == sum(report.checks[n].count for n in (
        "duplicate_concepts", "several_preferred", "deprecated_preferred_elsewhere",
        "linked_into_two_concepts"))  # fmt: skip


def test_lists_are_bounded_and_counts_are_not(tmp_path):
    encoder = FakeEncoder()
    build_index(TERMBASE, encoder, tmp_path / "idx")
    report = check_termbase(Searcher.open(tmp_path / "idx", encoder), limit=1)
    check = report.checks["duplicate_concepts"]
    assert check.count == 2 and len(check.items) == 1


def test_look_alike_names_are_problems(tmp_path):
    """A Cyrillic Р in NPS renders as the Latin NPS: the mixed word, and the two
    concepts' names that differ only by it, are found; a name mixing scripts word
    by word (CRM-система) is not."""
    termbase = [
        e("en-nps", "Net Promoter Score", "en", "c-nps", "loyalty", aliases=["NPS"]),
        e("en-fake", "NРS", "en", "c-other", "something else"),  # Cyrillic Р
        e("ru-crm", "CRM-система", "ru", "c-crm", "система учёта клиентов"),
    ]
    encoder = FakeEncoder()
    build_index(termbase, encoder, tmp_path / "idx")
    report = check_termbase(Searcher.open(tmp_path / "idx", encoder))
    items = report.checks["confusable_names"].items
    assert {"id": "en-fake", "term": "NРS", "lang": "en", "name": "NРS",
            "mixed_script": ["NРS"]} in items  # fmt: skip
    assert any(i.get("entries") == ["en-nps", "en-fake"] for i in items), items
    assert report.checks["confusable_names"].count == 2 and report.problems >= 2


def test_a_joiner_where_no_script_joins_is_reported(tmp_path):
    """ZWNJ/ZWJ are part of a Persian spelling, and accepted everywhere; between
    Latin letters they render as nothing, and lint names them."""
    termbase = [
        e("en-zw", "N\u200cPS", "en", "c-zw", "a look-alike"),
        e("fa-ok", "می\u200cخواهم", "fa", "c-fa", "درست"),
    ]
    encoder = FakeEncoder()
    build_index(termbase, encoder, tmp_path / "idx")
    items = check_termbase(Searcher.open(tmp_path / "idx", encoder)).checks["confusable_names"].items
    assert items == [{"id": "en-zw", "term": "N\u200cPS", "lang": "en", "name": "N\u200cPS",
                      "invisible": "U+200C (ZERO WIDTH NON-JOINER)"}]  # fmt: skip

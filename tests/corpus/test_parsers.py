from collections import Counter

import pytest
from glossa.corpus.errors import LayoutError
from glossa.corpus.parsers import LAYOUTS
from glossa.corpus.sources import BUNDLED_DIR, load_entries, parse_glossary

EXPECTED = {
    "000_56f73cb24ade583f.txt": 30,
    "001_7895df923257d023.txt": 29,
    "002_f62ddd5e23a5bbc8.txt": 45,
    "003_ca5edb6b570cf714.txt": 87,
    "004_4c7066f51d2a5c3e.txt": 43,
}


def entries_of(name):
    return list(parse_glossary(BUNDLED_DIR / name))


def by_term(name):
    return {e.term: e for e in entries_of(name)}


@pytest.mark.parametrize(("name", "count"), EXPECTED.items())
def test_entry_count_per_glossary(name, count):
    entries = entries_of(name)
    assert len(entries) == count
    assert all(e.source == name for e in entries)
    assert len({e.id for e in entries}) == count


def test_bundled_corpus_totals(bundled_entries):
    assert len(bundled_entries) == 234
    assert Counter(e.lang for e in bundled_entries) == {"pl": 146, "fa": 45, "zh": 43}
    assert all(e.term and e.definition for e in bundled_entries)


def test_ids_are_stable_across_parses():
    assert [e.id for e in load_entries()] == [e.id for e in load_entries()]


def test_ccnews_cards_terms_aliases_category():
    entries = by_term("000_56f73cb24ade583f.txt")
    assert entries["aktywne słuchanie"].english == "Active Listening"
    assert entries["Customer Experience Management"].aliases == ("CXM", "CEM")
    assert entries["customer experience"].aliases == ("CX",)
    assert entries["closing the loop"].aliases == ("zamykanie pętli", "closed loop")
    assert entries["design thinking"].aliases == ()
    assert entries["XQI"].aliases == ("wskaźnik jakości doświadczeń",)
    assert all(e.category == "Customer Experience" for e in entries.values())
    # truncated definitions are kept as the source has them
    assert entries["aktywne słuchanie"].definition.endswith("w ce...")
    for noise in ("Menu", "Zgłoś temat", "Zrozum język", "Customer Experience", "Dla czytelników"):
        assert noise not in entries


def test_letter_sections_acronyms_and_multi_paragraph_definitions():
    entries = by_term("001_7895df923257d023.txt")
    acw = entries["After-Call Work"]
    assert acw.aliases[:1] == ("ACW",) and "Wrap-up" in acw.aliases and "PCP" in acw.aliases
    assert entries["Computer Telephony Integration"].aliases == ("CTI",)
    noc = entries["Liczba zaoferowanych połączeń"]
    assert noc.aliases == ("NOC",) and noc.english == "Number of Calls Offered"
    nps = entries["Net Promoter Score"].definition
    assert nps.startswith("Narzędzie oceny lojalności") and "Freda Reichhelda" in nps
    assert nps.count("\n\n") == 2  # three paragraphs kept whole
    for e in entries.values():
        assert "Back to top" not in e.definition
    for noise in ("A", "B", "Back to top", "Słownik pojęć customer service"):
        assert noise not in entries
    assert not any(e.definition.startswith("Jeżeli nie znalazłeś") for e in entries.values())


def test_persian_pairs_english_acronyms_and_noise():
    entries = by_term("002_f62ddd5e23a5bbc8.txt")
    assert entries["امتیاز تلاش مشتری"].english == "Customer Effort Score"
    assert entries["ریزش مشتری"].english == "Customer Churn"
    assert entries["امتیاز رضایت مشتری"].aliases == ("CSAT",)
    nps = entries["امتیاز خالص مروجان"]
    assert nps.aliases == ("NPS",) and nps.english == "Net Promoter Score"
    assert entries["ارزش طول عمر مشتری"].aliases == ("LTV",)
    assert entries["ای پی آی"].aliases == ("API",)
    # the entry after the advert is whole, the advert is nowhere
    assert entries["جدول زمانی کاربر"].definition.startswith("جدول زمانی کاربر سابقه کامل")
    for e in entries.values():
        assert "دانا دسک" not in e.term + e.definition
        assert "دیدگاه خود را بنویسید" not in e.term + e.definition
        assert "49258000" not in e.term
    assert not any("فهرست مطالب" in t or "واژه نامه" in t for t in entries)


def test_question_headings_skip_toc_and_unglue_next_term():
    entries = entries_of("003_ca5edb6b570cf714.txt")
    terms = [e.term for e in entries]
    assert terms[0] == "Agent" and terms[-1] == "Zespół obsługi klienta"
    assert len(set(terms)) == 87  # the table of contents did not duplicate anything
    first = entries[0].definition
    assert first.endswith("przyjmowaniem zamówień itd.")  # " - AI konwersacyjne" cut off
    by = {e.term: e for e in entries}
    assert by["Cross-selling"].definition == (
        "Cross-selling to praktyka oferowania produktów lub usług innej marki istniejącym klientom."
    )
    assert by["CRM"].english == "Customer Relationship Management"
    assert by["SLA"].english == "Service Level Agreement"
    assert by["Net Promoter Score"].aliases == ("NPS",)
    assert by["Routing automatyczny"].definition.startswith("Routing automatyczny to metoda")
    for e in entries:
        assert not e.definition.startswith("- ")
        assert "Spis treści" not in e.definition


def test_numbered_zh_terms_continuations_aliases():
    entries = by_term("004_4c7066f51d2a5c3e.txt")
    assert entries["客户努力得分"].aliases == ("CES",)
    assert entries["净推荐值"].aliases == ("NPS",)
    assert entries["业务流程外包"].aliases == ("BPO",)
    assert entries["服务台"].aliases == ("帮助台", "呼叫台")
    assert entries["IVR"].aliases == ("互动式语音应答系统",)
    routing = entries["工单路由"].definition
    assert routing.startswith("工单系统的工作处理") and "通过设置路由规则" in routing
    assert "\n" in routing  # the continuation line is kept, on its own line
    assert entries["工单量"].definition.startswith("工单量意味着")  # not swallowed
    assert "360度客户视图" in entries and "客户成功" in entries


def test_layout_errors_name_file_and_line():
    with pytest.raises(LayoutError, match=r"^x\.txt:1: no 'Kategoria"):
        list(LAYOUTS["ccnews-cards"].parse("just text\n", "x.txt", "pl"))
    with pytest.raises(LayoutError, match=r"x\.txt:\d+: term 'Lonely' has no definition"):
        list(LAYOUTS["letter-sections"].parse("A\n\nLonely\n\nBack to top\n", "x.txt", "pl"))

"""Hybrid retrieval and equivalents with the real model and the real index."""

import pytest
from glossa.search.searcher import QueryError, Searcher

ACRONYMS = ["NPS", "CSAT", "CES", "AHT", "FCR", "CRM", "LTV", "SLA", "BPO", "IVR", "KPI", "eNPS"]


@pytest.mark.parametrize("mode", ["lexical", "hybrid"])
@pytest.mark.parametrize("acronym", ACRONYMS)
def test_exact_acronym_ranks_its_entry_first(real_searcher, acronym, mode):
    top = real_searcher.search(acronym, k=5, mode=mode)[0]
    names = {top.term.casefold(), *(a.casefold() for a in top.aliases)}
    assert acronym.casefold() in names, (acronym, top.term, top.aliases)


@pytest.mark.parametrize(
    ("query", "term"),
    [
        ("Customer Effort Score", "امتیاز تلاش مشتری"),  # English equivalent of a Persian entry
        ("净推荐值", "净推荐值"),
        ("after-call work", "After-Call Work"),
        ("Wrap-up", "After-Call Work"),  # alias found in the definition
    ],
)
def test_exact_term_alias_or_english_ranks_first(real_searcher, query, term):
    assert real_searcher.search(query, k=3)[0].term == term


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("custmer efort", {"امتیاز تلاش مشتری", "客户努力得分"}),
        ("obsluga klienta przez email", {"Obsługa klienta przez email"}),
        ("knowlege base", {"Baza wiedzy", "پایگاه دانش", "知识库"}),
        ("net promotor scor", {"Net Promoter Score", "净推荐值", "امتیاز خالص مروجان"}),
    ],
)
def test_typos_and_missing_diacritics_still_find_the_term(real_searcher, query, expected):
    assert expected & {h.term for h in real_searcher.search(query, k=5)}


def test_modes_differ_and_unknown_mode_is_refused(real_searcher):
    query = "satysfakcja klienta"
    results = {
        m: [h.id for h in real_searcher.search(query, k=10, mode=m)]
        for m in ("dense", "lexical", "hybrid")
    }
    assert len({tuple(v) for v in results.values()}) == 3
    with pytest.raises(QueryError, match="unknown mode 'bm25'; valid: dense, lexical, hybrid"):
        real_searcher.search(query, mode="bm25")


def test_hybrid_respects_filters(real_searcher):
    hits = real_searcher.search("NPS", k=5, lang="zh", mode="hybrid")
    assert hits and all(h.lang == "zh" for h in hits)
    assert hits[0].term == "净推荐值"


def equivalent_terms(searcher, term, lang):
    entry = next(e for e in searcher.entries if e.term == term and e.lang == lang)
    return {eq.hit.term for eq in searcher.equivalents(entry.id)}


def test_equivalents_of_known_concepts(real_searcher):
    assert {"امتیاز خالص مروجان", "Net Promoter Score"} <= equivalent_terms(
        real_searcher, "净推荐值", "zh"
    )
    assert "客户努力得分" in equivalent_terms(real_searcher, "امتیاز تلاش مشتری", "fa")
    sla = equivalent_terms(real_searcher, "SLA", "pl")
    assert {"توافقنامه سطح خدمات", "服务水平协议"} <= sla


def test_equivalents_are_other_languages_and_exclude_lookalikes(real_searcher):
    ces = next(e for e in real_searcher.entries if e.term == "امتیاز تلاش مشتری")
    found = real_searcher.equivalents(ces.id)
    assert all(eq.hit.lang != "fa" for eq in found)
    assert "客户满意度" not in {eq.hit.term for eq in found}  # CSAT is not CES
    with pytest.raises(QueryError, match="unknown entry id"):
        real_searcher.equivalents("xx-000000000000")


def test_a_concept_comes_up_in_every_language_together(real_searcher, real_index_dir,
                                                       real_encoder):  # fmt: skip
    """Concept-first ranking: the README's headline question finds Customer Effort
    Score in Persian *and* Chinese in the top 5, one right after the other."""
    hits = real_searcher.search("what measures customer effort", k=5)
    terms = [h.term for h in hits]
    assert "امتیاز تلاش مشتری" in terms and "客户努力得分" in terms
    assert abs(terms.index("امتیاز تلاش مشتری") - terms.index("客户努力得分")) == 1
    flat = Searcher.open(real_index_dir, real_encoder, concept_depth=0)
    off = flat.search("what measures customer effort", k=5)
    assert "客户努力得分" not in [h.term for h in off]  # what concept-first adds


def test_concept_first_keeps_the_filters(real_searcher):
    hits = real_searcher.search("what measures customer effort", k=10, lang=["pl", "zh"])
    assert hits and {h.lang for h in hits} <= {"pl", "zh"}
    assert "客户努力得分" in [h.term for h in hits]

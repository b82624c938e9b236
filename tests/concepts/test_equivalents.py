"""Equivalents with the real model, judged against the hand-made concept table."""

from benchmarks.gold.equivalents import NEGATIVES, concept_table


def test_confirmed_links_are_precise_on_the_bundled_corpus(real_searcher, bundled_entries):
    """Every automatic link is judged (the table gives every entry a concept): the
    benchmark reports 0.95 on the report part; a floor here catches regressions."""
    table = concept_table(bundled_entries)
    entries = real_searcher.entries
    links = real_searcher.graph.links()
    wrong = [(entries[a].term, entries[b].term) for a, b in links
             if table[entries[a].id] != table[entries[b].id]]  # fmt: skip
    assert len(links) >= 35
    assert len(wrong) <= 0.1 * len(links), wrong
    row = {(e.source[:3], e.term): i for i, e in enumerate(entries)}
    assert not [n for n in NEGATIVES if tuple(sorted((row[n[0]], row[n[1]]))) in links]


def test_candidates_carry_evidence_and_find_the_equivalent(real_searcher):
    nps_zh = next(e for e in real_searcher.entries if e.term == "净推荐值")
    candidates = real_searcher.candidates(nps_zh.id)
    assert set(candidates) == {"pl", "fa"}
    best_fa = candidates["fa"][0]
    assert best_fa.hit.term == "امتیاز خالص مروجان"
    assert best_fa.mutual and best_fa.probability > 0.9 and best_fa.status == "automatic"
    assert "nps" in best_fa.shared_names
    assert all(c.margin <= 0 for c in candidates["fa"][1:])  # runners-up trail the best
    # an entry with no equivalent gets candidates but no confirmed link
    sludge = next(e for e in real_searcher.entries if e.term == "teoria szlamu")
    assert real_searcher.equivalents(sludge.id) == []
    assert all(c.status is None for cs in real_searcher.candidates(sludge.id).values() for c in cs)

import pytest
from glossa.search.fusion import by_concept, promote, reciprocal_rank_fusion, weighted_fusion


def test_rrf_on_fixed_lists():
    dense = [(1, 0.9), (2, 0.8), (3, 0.7)]
    lexical = [(3, 12.0), (4, 5.0)]
    fused = dict(reciprocal_rank_fusion([dense, lexical], k=60))
    assert fused[1] == pytest.approx(1 / 61)
    assert fused[3] == pytest.approx(1 / 63 + 1 / 61)
    assert fused[4] == pytest.approx(1 / 62)
    assert [row for row, _ in reciprocal_rank_fusion([dense, lexical], k=60)] == [
        3,
        1,
        2,
        4,
    ]  # 2 and 4 tie at 1/62: row id breaks it


def test_weighted_rrf_and_constant():
    dense = [(1, 0.9), (2, 0.8)]
    lexical = [(2, 3.0), (1, 1.0)]
    fused = dict(reciprocal_rank_fusion([dense, lexical], k=5, weights=[1.0, 0.5]))
    assert fused[1] == pytest.approx(1 / 6 + 0.5 / 7)
    assert fused[2] == pytest.approx(1 / 7 + 0.5 / 6)
    with pytest.raises(ValueError, match="one weight per ranking"):
        reciprocal_rank_fusion([dense], weights=[1.0, 2.0])
    with pytest.raises(ValueError, match=">= 0"):
        reciprocal_rank_fusion([dense], k=-1)


def test_weighted_fusion_min_max():
    dense = [(1, 0.9), (2, 0.5), (3, 0.1)]
    lexical = [(3, 10.0), (2, 0.0)]
    fused = dict(weighted_fusion([dense, lexical], [0.7, 0.3]))
    assert fused[1] == pytest.approx(0.7)
    assert fused[2] == pytest.approx(0.7 * 0.5)
    assert fused[3] == pytest.approx(0.3)


def test_promote_puts_exact_matches_first_with_monotonic_scores():
    ranked = [(5, 0.5), (7, 0.4), (9, 0.3)]
    promoted = promote(ranked, [9, 11])
    assert [row for row, _ in promoted] == [9, 11, 5, 7]
    scores = [s for _, s in promoted]
    assert scores == sorted(scores, reverse=True)
    assert promote(ranked, []) == ranked


def test_by_concept_puts_each_concept_together_at_its_best_entry():
    ranking = [(1, 0.9), (2, 0.8), (3, 0.7), (4, 0.6), (5, 0.5)]
    links = {1: [4, 9], 2: [], 3: [1], 4: [1], 5: [6]}
    ordered = by_concept(ranking, lambda rows: {r: links[r] for r in rows},
                         lambda rows: {r for r in rows if r != 9}, depth=2)  # fmt: skip
    # 4 (linked to the top hit) comes right after it at its score; 9 is filtered out;
    # 5's link 6 is below the depth, so the tail keeps its order
    assert ordered == [(1, 0.9), (4, 0.9), (2, 0.8), (3, 0.7), (5, 0.5)]
    scores = [s for _, s in ordered]
    assert scores == sorted(scores, reverse=True)  # monotonic


def test_by_concept_depth_zero_changes_nothing():
    ranking = [(1, 0.9), (3, 0.8), (2, 0.7)]
    assert by_concept(ranking, lambda rows: {1: [2]}, lambda rows: set(rows), depth=0) == ranking
    assert by_concept(ranking, lambda rows: {1: [2]}, lambda rows: set(rows), depth=1) == [
        (1, 0.9), (2, 0.9), (3, 0.8)]

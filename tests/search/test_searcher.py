import numpy as np
import pytest
from glossa.concepts.calibration import LanguageCalibration, language_z_scores
from glossa.indexer.build import build_index
from glossa.search.searcher import QueryError, Searcher

# ---------------------------------------------------------------- plumbing (fake encoder)


@pytest.fixture()
def fake_searcher(tmp_path, bundled_entries, fake_encoder):
    build_index(bundled_entries, fake_encoder, tmp_path / "idx")
    return Searcher.open(tmp_path / "idx", fake_encoder)


@pytest.mark.parametrize("scoring", ["language-z", "cosine"])
def test_filters_apply_before_the_top_k_cut(tmp_path, bundled_entries, fake_encoder, scoring):
    build_index(bundled_entries, fake_encoder, tmp_path / "idx")
    searcher = Searcher.open(tmp_path / "idx", fake_encoder, scoring=scoring)
    hits = searcher.search("customer", k=40, lang="fa")
    assert len(hits) == 40 and {h.lang for h in hits} == {"fa"}
    hits = searcher.search("customer", k=100, source="000_56f73cb24ade583f.txt")
    assert len(hits) == 30  # all that match, although k is larger
    both = searcher.search("customer", k=50, lang=["fa", "zh"])
    assert len(both) == 50 and {h.lang for h in both} <= {"fa", "zh"}
    assert searcher.search("x", k=5, lang="fa", source="000_56f73cb24ade583f.txt") == []


def test_hits_are_frozen_ranked_and_unique(fake_searcher):
    hits = fake_searcher.search("customer effort score", k=10)
    assert [h.rank for h in hits] == list(range(1, 11))
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert len({h.id for h in hits}) == 10
    with pytest.raises(AttributeError):
        hits[0].score = 1.0  # type: ignore[misc]
    assert set(hits[0].to_dict()) == {
        "id", "term", "aliases", "english", "definition", "lang", "source", "source_title", "concept",
        "definition_from", "term_status", "discouraged", "score",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"query": "   "}, "the query is empty"),
        ({"query": "x" * 1001}, "the limit is 1000"),
        ({"query": "ok", "k": 0}, "k must be between 1 and 100"),
        ({"query": "ok", "k": 101}, "k must be between 1 and 100"),
        ({"query": "ok", "lang": "de"}, "unknown language de; valid: fa, pl, zh"),
        ({"query": "ok", "source": "nope.txt"}, "unknown source nope.txt; valid: 000_"),
    ],
)
def test_bad_queries_get_clear_errors(fake_searcher, kwargs, message):
    with pytest.raises(QueryError) as info:
        fake_searcher.search(**kwargs)
    assert message in str(info.value)


def test_batch_search_equals_single_searches(fake_searcher):
    queries = ["customer effort", "churn", "客户"]
    batch = fake_searcher.batch_search(queries, k=5)
    single = [fake_searcher.search(q, k=5) for q in queries]
    assert [[h.id for h in hits] for hits in batch] == [[h.id for h in hits] for hits in single]
    for b_hits, s_hits in zip(batch, single, strict=True):
        assert np.allclose([h.score for h in b_hits], [h.score for h in s_hits], atol=1e-4)


def test_unknown_scoring_is_refused(tmp_path, bundled_entries, fake_encoder):
    build_index(bundled_entries[:10], fake_encoder, tmp_path / "idx")
    with pytest.raises(QueryError, match="unknown scoring"):
        Searcher.open(tmp_path / "idx", fake_encoder, scoring="bm25")


def test_language_z_scores_standardise_each_language():
    scores = np.array([[0.9, 0.8, 0.3, 0.2, 0.25]], np.float32)
    langs = np.array(["pl", "pl", "zh", "zh", "zh"])
    z = language_z_scores(scores, langs)
    for lang in ("pl", "zh"):
        block = z[0, langs == lang]
        assert abs(block.mean()) < 1e-6 and abs(block.std() - 1) < 1e-5
    assert z[0, 2] > z[0, 1] - 1e-6  # best zh entry ties with the pl runner-up... not below it


def test_calibration_sample_matches_exact_stats_on_small_languages():
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((50, 8)).astype(np.float32)
    langs = np.array(["pl"] * 30 + ["fa"] * 20)
    queries = rng.standard_normal((3, 8)).astype(np.float32)
    stats = LanguageCalibration(vectors, langs).stats(queries)
    exact = queries @ vectors.T
    assert np.allclose(stats["pl"][0], exact[:, :30].mean(axis=1), atol=1e-5)
    assert np.allclose(stats["fa"][1], exact[:, 30:].std(axis=1), atol=1e-5)


# ------------------------------------------------------------ real model, real FAISS index


def terms(hits):
    return [h.term for h in hits]


def test_english_question_finds_persian_and_chinese_effort_score(real_searcher):
    hits = real_searcher.search("what measures customer effort", k=10)
    assert "امتیاز تلاش مشتری" in terms(hits)
    assert "客户努力得分" in terms(hits)


def test_polish_question_finds_churn_or_retention_in_other_languages(real_searcher):
    hits = real_searcher.search("odsetek klientów, którzy odchodzą", k=10)
    foreign = {h.term for h in hits if h.lang in ("fa", "zh")}
    assert foreign & {"ریزش مشتری", "حفظ مشتری", "客户保持率"}, terms(hits)


def test_language_calibration_beats_plain_cosine_on_cross_language_recall(
    real_index_dir, real_encoder, real_searcher
):
    plain = Searcher.open(real_index_dir, real_encoder, scoring="cosine")
    query = "what measures customer effort"
    assert "客户努力得分" not in terms(plain.search(query, k=10, mode="dense"))
    assert "客户努力得分" in terms(real_searcher.search(query, k=10, mode="dense"))


def test_real_filters_hold(real_searcher):
    zh = real_searcher.search("customer satisfaction", k=5, lang="zh")
    assert len(zh) == 5 and all(h.lang == "zh" for h in zh)
    assert "客户满意度" in terms(zh)
    fa = real_searcher.search("NPS", k=3, source="002_f62ddd5e23a5bbc8.txt")
    assert all(h.source == "002_f62ddd5e23a5bbc8.txt" for h in fa)
    assert fa[0].term == "امتیاز خالص مروجان"


def test_a_language_with_few_entries_borrows_the_collection_statistics():
    """One German entry among many Polish ones: on its own its z-score would always be 0."""
    rng = np.random.default_rng(1)
    vectors = rng.standard_normal((41, 8)).astype(np.float32)
    langs = np.array(["pl"] * 40 + ["de"])
    calibration = LanguageCalibration(vectors, langs)
    query = vectors[40:41]  # the German entry itself: clearly the best match
    stats = calibration.stats(query)
    mean, std = stats["de"]
    z = (float(query[0] @ vectors[40]) - mean[0]) / std[0]
    assert z > 2 and stats["pl"][0][0] != mean[0]


def test_lexical_weight_shrinks_for_long_queries(real_searcher, real_index_dir, real_encoder):
    """Short lookups keep the full lexical weight; questions and definitions get
    it scaled by words/length (chosen on the tuning parts)."""
    w = real_searcher.options.lexical_weight
    assert real_searcher.options.lexical_weight_for("NPS") == w
    assert real_searcher.options.lexical_weight_for("customer churn") == w
    assert real_searcher.options.lexical_weight_for("how do we measure customer effort") == w * 2 / 6
    # a searcher of its own: ``with_index`` hands the equivalence graph's writer-side
    # indexes on, and the session's shared searcher could not advance it again
    own = Searcher.open(real_index_dir, real_encoder, lexical_words=3)
    assert own.with_index(own.index).options.lexical_words == 3


def test_a_write_never_changes_the_graph_a_reader_holds(tmp_path, bundled_entries, fake_encoder):
    """A reader of the version before a write keeps every answer it had (its
    equivalents, candidates and concept-first searches) while the next version
    answers with the write applied: the write builds a new graph from the old
    one and changes nothing the old reader holds."""
    import dataclasses

    from glossa.indexer.store.reader import load_index_dir
    from glossa.indexer.writes import apply_changes

    out = tmp_path / "idx"
    build_index(bundled_entries, fake_encoder, out)
    old = Searcher.of_index(load_index_dir(out), fake_encoder)
    ids = [e.id for e in old.entries]
    linked = [i for i in ids if old.equivalents(i)]
    assert linked  # the graph is built and links something
    before = {i: old.equivalents(i) for i in ids}
    candidates = {i: old.candidates(i) for i in linked[:20]}
    searches = {q: old.search(q, 10) for q in ("NPS", "customer churn", "czas odpowiedzi")}
    graph = old.graph
    gone, changed = linked[0], next(e for e in old.entries if e.id == linked[1])
    loaded, _ = apply_changes(out, fake_encoder, delete=[gone],
                              update=[dataclasses.replace(changed, definition="Zupełnie coś innego.")],
                              add=[dataclasses.replace(changed, id="pl-copy", source="copy"),
                                   dataclasses.replace(changed, id="de-new", lang="de", source="de")],
                              current=old.index)  # fmt: skip
    new = old.with_index(loaded)  # a new language too: its tables are the new graph's only
    # answer again from the old graph's tables, not from what it remembered
    graph._answers.clear(), graph._linked.clear(), graph._members.clear(), graph._memo.clear()
    assert new.graph is not graph and new.graph.generation == graph.generation + 1
    assert not graph.advanceable  # its writer-side indexes went to the new graph
    assert {i: old.equivalents(i) for i in ids} == before
    assert {i: old.candidates(i) for i in candidates} == candidates
    assert {q: old.search(q, 10) for q in searches} == searches
    assert new.get(gone) is None
    assert all(gone not in {e.hit.id for e in new.equivalents(i)} for i in linked[1:])

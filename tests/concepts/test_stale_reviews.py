"""Issue 28: a reviewer's decision is bound to what was reviewed. Delete an
entry and add an unrelated one under the same id (or change its meaning), and
the old acceptance is shown as stale, not applied."""

from __future__ import annotations

import json

from glossa.corpus.entry import Entry
from glossa.corpus.reviews import Review, content_digest
from glossa.indexer.build import build_index
from glossa.indexer.writes import apply_changes, record_review
from glossa.search.searcher import Searcher

from tests.fakes import FakeEncoder

NPS_ES = Entry("es-nps", "Índice de recomendación neta", "Cuánto recomiendan los clientes.", "es", "t")
CES_DE = Entry("de-ces", "Kundenaufwandswert", "Wie viel Mühe Kunden aufwenden.", "de", "t")
BANANA = Entry("es-nps", "Pan de plátano", "Un bizcocho de plátano maduro.", "es", "t")


def test_a_review_applies_until_a_side_changes_then_it_is_stale(tmp_path):
    encoder = FakeEncoder()
    path = tmp_path / "idx"
    build_index([NPS_ES, CES_DE], encoder, path)
    loaded, changed = record_review(path, "de-ces", "es-nps", "accepted")
    assert changed
    (review,) = loaded.reviews
    assert review.a_content == content_digest(CES_DE) and review.b_content == content_digest(NPS_ES)
    searcher = Searcher.of_index(loaded, encoder)
    assert [(e.hit.id, e.status) for e in searcher.equivalents("de-ces")] == [("es-nps", "accepted")]
    assert searcher.stale_reviews("de-ces") == []
    # the id reused for something else: the acceptance is not applied, and says so
    apply_changes(path, encoder, delete=["es-nps"])
    loaded, _ = apply_changes(path, encoder, add=[BANANA])
    searcher = searcher.with_index(loaded)  # the graph advanced by the write, as a server does
    assert "accepted" not in {e.status for e in searcher.equivalents("de-ces")}
    assert searcher.stale_reviews("de-ces") == [("es-nps", "accepted")]
    assert searcher.stale_reviews("es-nps") == [("de-ces", "accepted")]
    # reviewing the pair again binds the decision to what is there now
    loaded, changed = record_review(path, "de-ces", "es-nps", "rejected")
    assert changed and Searcher.of_index(loaded, encoder).stale_reviews("de-ces") == []


def test_decisions_recorded_before_digests_stay_bound_to_the_ids():
    old = Review.from_json(json.dumps({"a": "de-ces", "b": "es-nps", "decision": "accepted"}))
    assert old.a_content is None and not old.stale(CES_DE, BANANA)
    assert json.loads(old.to_json()) == {"a": "de-ces", "b": "es-nps", "decision": "accepted"}
    new = Review("de-ces", "es-nps", "accepted", content_digest(CES_DE), content_digest(NPS_ES))
    assert Review.from_json(new.to_json()) == new and new.stale(CES_DE, BANANA)

"""The server's live state (``api.service``): which encoder a full rebuild embeds with."""

from __future__ import annotations

from glossa.api.service import SearchService
from glossa.indexer.build import build_index
from glossa.search.searcher import Searcher

from tests.fakes import FakeEncoder


def test_a_rebuild_embeds_with_the_bulk_encoder_and_keeps_the_query_encoder_free(
    tmp_path, bundled_entries
):
    query_encoder, bulk = FakeEncoder(), FakeEncoder()
    build_index(bundled_entries[:40], query_encoder, tmp_path / "index")
    searcher = Searcher.open(tmp_path / "index", query_encoder)
    chosen = []
    service = SearchService(
        lambda: searcher, bulk_encoder=lambda encoder: chosen.append(encoder) or bulk
    )
    service.start(background=False)
    try:
        embedded_before = len(query_encoder.texts)
        service.rebuild()
        assert chosen == [query_encoder]  # asked with the query encoder
        assert len(bulk.texts) >= 40  # every entry's document (and names) text
        assert len(query_encoder.texts) == embedded_before  # the query encoder did none
        assert service.searcher is not searcher and service.searcher.index.manifest.count == 40
        assert service.last_reload_error is None
    finally:
        service.close()


def test_without_a_bulk_encoder_a_rebuild_uses_the_query_encoder(tmp_path, bundled_entries):
    encoder = FakeEncoder()
    build_index(bundled_entries[:10], encoder, tmp_path / "index")
    service = SearchService(lambda: Searcher.open(tmp_path / "index", encoder))
    service.start(background=False)
    try:
        before = len(encoder.texts)
        service.rebuild()
        assert len(encoder.texts) >= before + 10 and service.last_reload_error is None
    finally:
        service.close()

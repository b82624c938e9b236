"""The read path: query -> ranked, frozen hits across languages.

It reads what the write path (``indexer``) stored, with the same text analysis
(``analysis``) and concept links (``concepts``) the write path used; nothing
below imports it. The package imports nothing itself: ``glossa.search.options``
(what the settings need) must not pull in FAISS and the storage.
"""

from __future__ import annotations

__all__ = ["QueryError", "SearchHit", "SearchResponse", "Searcher"]


def __getattr__(name: str):
    """``from glossa.search import Searcher`` still works, loaded on first use."""
    if name == "QueryError":
        from glossa.search.errors import QueryError

        return QueryError
    if name in ("SearchHit", "SearchResponse"):
        from glossa.search import results

        return getattr(results, name)
    if name == "Searcher":
        from glossa.search.searcher import Searcher

        return Searcher
    raise AttributeError(f"module 'glossa.search' has no attribute {name!r}")

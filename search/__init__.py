"""Query -> ranked, frozen hits across languages.

The package's own modules import nothing from here, and the storage layer
(``indexer.store``) uses its text analysis and BM25 postings; so the names
below are resolved on first use rather than at import (no import circle).
"""

from __future__ import annotations

from typing import Any

__all__ = ["QueryError", "SearchHit", "SearchResponse", "Searcher"]


def __getattr__(name: str) -> Any:
    if name in ("SearchHit", "SearchResponse"):
        from glossa.search import results

        return getattr(results, name)
    if name in ("QueryError", "Searcher"):
        from glossa.search import searcher

        return getattr(searcher, name)
    raise AttributeError(name)

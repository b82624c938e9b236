"""Query -> ranked, frozen hits across languages."""

from glossa.search.results import SearchHit, SearchResponse
from glossa.search.searcher import QueryError, Searcher

__all__ = ["QueryError", "SearchHit", "SearchResponse", "Searcher"]

"""Query -> ranked, frozen hits across languages."""

from search.results import SearchHit, SearchResponse
from search.searcher import QueryError, Searcher

__all__ = ["QueryError", "SearchHit", "SearchResponse", "Searcher"]

"""The read path: query -> ranked, frozen hits across languages.

It reads what the write path (``indexer``) stored, with the same text analysis
(``analysis``) and concept links (``concepts``) the write path used; nothing
below imports it.
"""

from glossa.search.errors import QueryError
from glossa.search.results import SearchHit, SearchResponse
from glossa.search.searcher import Searcher

__all__ = ["QueryError", "SearchHit", "SearchResponse", "Searcher"]

"""HTTP API (FastAPI). The service itself arrives with the API issue; the
``Searcher`` in ``search`` is already the object it will serve."""

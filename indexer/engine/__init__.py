"""The published engine, in one place: an index copied into one Milvus
collection (``publish``), its local directory of a few files (``directory``),
the collection's schema and calls (``collection``), the equivalence decision
asked of the engine on demand (``links``), and writes by id (``changes``).
``search.published_reader`` reads it; ``glossa.termbase.PublishedTermbase``
opens it. The local index's own Milvus vector backend (one collection per
segment) is ``indexer.store.milvus``, a storage choice of a local index.
"""

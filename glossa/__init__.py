"""Glossa: multilingual semantic search over terminology glossaries.

The pipeline lives in the top-level packages ``corpus`` (glossaries -> entries),
``indexer`` (entries -> embeddings -> index directory), ``search`` (query ->
ranked hits) and ``api`` (HTTP); this package holds what spans them: settings
and the ``glossa`` command line.
"""

__version__ = "0.1.0"

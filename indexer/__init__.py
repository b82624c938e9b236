"""Entries -> embeddings -> an index directory (manifest, vectors, entries)."""

"""Glossary sources: the typed ``Entry`` record, one parser per scraped layout,
the bundled corpus, and JSONL/CSV import and export."""

from glossa.corpus.entry import Entry, make_entry_id

__all__ = ["Entry", "make_entry_id"]

"""Text analysis: what the write path indexes and the read path queries with.

Lucene keeps ``analysis`` apart from ``index`` and ``search``, and tantivy its
``tokenizer``: both sides must cut text the same way, so the analysis is a
foundation under both rather than a part of either. One small step per module,
chained by ``analyzers``:

- ``folding``: NFKC, case folding, Persian letter forms, no diacritics;
- ``segmentation``: folded words by script, Chinese segmented by jieba;
- ``stemming`` and ``ngrams``: the filters applied to each word;
- ``analyzers``: the named chains (``ANALYZERS``) and ``analyze``;
- ``names``: an entry's names and the key a name matches exactly under;
- ``entry_text``: the lexical text of an entry, what BM25 indexes;
- ``spans``: words with their offsets in the text as sent (recognition);
- ``lemmas``: the dictionary form of an inflected word (simplemma).

A query's language is unknown (and often not one the glossaries contain), so
every step works by *script*, the same way for queries and entries.
"""

from glossa.analysis.analyzers import ANALYZERS, DEFAULT_ANALYZER, analyze
from glossa.analysis.entry_text import lexical_text
from glossa.analysis.folding import fold
from glossa.analysis.names import entry_names, name_key, name_keys
from glossa.analysis.ngrams import NGRAM, char_ngrams
from glossa.analysis.segmentation import words
from glossa.analysis.stemming import STEM_CHARS, stem

__all__ = [
    "ANALYZERS", "DEFAULT_ANALYZER", "NGRAM", "STEM_CHARS", "analyze", "char_ngrams",
    "entry_names", "fold", "lexical_text", "name_key", "name_keys", "stem", "words",
]  # fmt: skip

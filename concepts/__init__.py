"""Concepts and links: the termbase's structure across languages.

Computed where entries are written and read where they are searched, so it
stands below both paths and imports neither:

- ``calibration``: per-language statistics of document scores, which put one
  language's similarities on the scale of another's;
- ``equivalents``: the equivalence graph, which links entries of one concept
  across languages (declared concepts, accepted reviews, automatic links) and
  lists the candidates a terminologist reviews.

What these are computed *over* (an index version's rows and vectors) is the
storage layer's business: ``indexer.concept_links`` builds and advances them
for a stored index, so this room knows entries, vectors and reviews only.
"""

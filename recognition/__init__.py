"""Terms in a text: what a termbase is used for while writing and translating.

- ``forms``: the keys a word matches under in each match mode (exact, inflected
  through a lemmatiser, prefix) and which names match case-sensitively;
- ``automaton``: one Aho-Corasick automaton per (segment, language, mode) over
  those keys, so a text is read once whatever the number of terms;
- ``language``: the text's language when the caller does not say it;
- ``results``: the frozen answers (``TermMatch``, ``Recognition``);
- ``recognizer``: recognition over one index version, longest match first,
  with each term's equivalents in the target languages.

It reads the index and its concept links, so it sits above ``search``.
"""

from glossa.recognition.recognizer import MAX_TEXT_CHARS, RecognitionError, Recognizer
from glossa.recognition.results import Equivalent, Recognition, TermMatch

__all__ = ["MAX_TEXT_CHARS", "Equivalent", "Recognition", "RecognitionError", "Recognizer",
           "TermMatch"]  # fmt: skip

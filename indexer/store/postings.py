"""BM25 postings over immutable segments: what the write path stores of each
segment's lexical text (``analysis.entry_text``, analysed by ``analysis``).

Each segment carries its own postings; scores use statistics summed over all
segments at query time (Lucene's model, scored in ``search.bm25``), so a write
adds a small segment whose postings are built from its own entries only.

Postings are stored per segment as four arrays (vocabulary, offsets, document
numbers, term frequencies) plus each document's length: a few numpy arrays that
load with ``np.load`` and are searched without any per-document Python loop.
``K1`` and ``B`` are the BM25 parameters the stored text is scored with; the
Milvus engine bakes them into its collection, so they belong to what is stored.
"""


from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

K1, B = 1.5, 0.75
EMPTY_DOCUMENT = "\u2205"  # an entry with no tokens still has length 1 (as in bm25s)


@dataclass(frozen=True, eq=False)
class Postings:
    """One segment's inverted index: token -> (documents, term frequencies)."""

    vocabulary: dict[str, int]
    offsets: np.ndarray  # int64, len(vocabulary) + 1
    documents: np.ndarray  # int32 local document numbers, grouped by token
    frequencies: np.ndarray  # uint16 term frequency of the token in the document (was float32:
    # half the bytes of the largest array, 100 MB at a million entries; older files still load)
    lengths: np.ndarray  # float32 tokens per document

    @property
    def count(self) -> int:
        return len(self.lengths)

    @property
    def total_length(self) -> float:
        return float(self.lengths.sum(dtype=np.float64))

    def document_frequency(self, token: str) -> int:
        t = self.vocabulary.get(token)
        return 0 if t is None else int(self.offsets[t + 1] - self.offsets[t])

    def postings(self, token: str) -> tuple[np.ndarray, np.ndarray] | None:
        t = self.vocabulary.get(token)
        if t is None:
            return None
        start, end = self.offsets[t], self.offsets[t + 1]
        return self.documents[start:end], self.frequencies[start:end]

    def save(self, path: Path) -> None:
        tokens = np.array(sorted(self.vocabulary, key=self.vocabulary.__getitem__), dtype=str)
        with path.open("wb") as f:
            np.savez(
                f, tokens=tokens, offsets=self.offsets, documents=self.documents,
                frequencies=self.frequencies, lengths=self.lengths,
            )  # fmt: skip

    @classmethod
    def load(cls, path: Path) -> Postings:
        with np.load(path, allow_pickle=False) as data:
            tokens = data["tokens"].tolist()
            return cls(
                dict(zip(tokens, range(len(tokens)), strict=True)),
                data["offsets"], data["documents"], data["frequencies"], data["lengths"],
            )  # fmt: skip


def build_postings(documents: Iterable[Sequence[str]], chunk: int = 8192) -> Postings:
    """Postings of analysed documents (each a token list), read as a stream: token
    ids are kept as int32 arrays per chunk of documents, so memory is a few bytes
    per token, not the documents' Python lists."""
    vocabulary: dict[str, int] = {}
    token_parts: list[np.ndarray] = []
    doc_parts: list[np.ndarray] = []
    lengths: list[int] = []
    ids: list[int] = []
    owners: list[int] = []
    for number, tokens in enumerate(documents):
        tokens = tokens or [EMPTY_DOCUMENT]
        lengths.append(len(tokens))
        ids.extend(vocabulary.setdefault(token, len(vocabulary)) for token in tokens)
        owners.extend([number] * len(tokens))
        if len(lengths) % chunk == 0:
            token_parts.append(np.asarray(ids, np.int32))
            doc_parts.append(np.asarray(owners, np.int32))
            ids, owners = [], []
    token_parts.append(np.asarray(ids, np.int32))
    doc_parts.append(np.asarray(owners, np.int32))
    count = len(lengths)
    token_ids = np.concatenate(token_parts).astype(np.int64)
    if not len(token_ids):
        return Postings({}, np.zeros(1, np.int64), np.zeros(0, np.int32),
                        np.zeros(0, np.uint16), np.asarray(lengths, np.float32))  # fmt: skip
    n = max(count, 1)
    keys, tf = np.unique(token_ids * n + np.concatenate(doc_parts), return_counts=True)
    tokens_of, docs = np.divmod(keys, n)  # sorted by token, then document
    offsets = np.searchsorted(tokens_of, np.arange(len(vocabulary) + 1)).astype(np.int64)
    return Postings(vocabulary, offsets, docs.astype(np.int32), np.minimum(tf, 65535).astype(np.uint16),
                    np.asarray(lengths, np.float32))  # fmt: skip



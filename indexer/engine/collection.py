"""The whole index inside Milvus: entries, BM25 and vectors in one collection.

``store.milvus`` keeps only vectors in Milvus; the Glossa process still holds
the entries, the postings, the lookups and the equivalence graph, which grow
with the termbase. Here everything that grows lives in one collection, so a
Glossa process over a Milvus cluster holds memory that does not depend on the
corpus size (what it still holds: ``search.engine_searcher``).

One row per entry, keyed by the entry id (so a write is an upsert or a delete
of the rows it changes, and Milvus's own write-ahead log and segments make it
durable):

- ``entry``: the entry as JSON (zlib-compressed and marked ``z:`` when the JSON
  exceeds what a VARCHAR holds);
- ``lang``, ``source``, ``concept``: filters, and declared concepts;
- ``lexical``: Glossa's own analysis of the entry (``analysis``, the same
  tokens as the local BM25 postings), each token hashed to a short alphanumeric
  word, so the engine's ``standard`` tokenizer (Milvus Lite has only standard and
  jieba) splits it back into exactly those tokens; a BM25 function turns it into
  ``sparse``, which Milvus ranks with BM25. At most ``TOKEN_LIMIT`` tokens per
  entry are kept, as Lucene's LimitTokenCountFilter does; ``publish`` reports
  every entry that was cut;
- ``names``: hashed folded names, for "the whole query is this entry's name";
- ``vector`` (the document embedding) with ``doc_mean``/``doc_std`` (its
  pseudo-query statistics, for calibrated scoring), and ``link`` (language-
  centred document and names vectors side by side, ``concepts.equivalents``), which
  equivalents are computed from on demand;
- ``links``: the entry's confirmed equivalents when it was last written, which
  hybrid search spreads lexical evidence along without asking for them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from glossa.analysis import analyze, entry_names, lexical_text, name_key
from glossa.corpus.entry import Entry
from glossa.indexer.store.index_dir import IndexLoadError
from glossa.indexer.store.milvus import CALL_TIMEOUT, MAX_LANG, MAX_SOURCE, _milvus, connect
from glossa.indexer.store.postings import K1, B
from glossa.indexer.store.vectors import StoreConfig
from glossa.indexer.writes import ChangeError

from glossa.errors import ErrorKind

if TYPE_CHECKING:
    from glossa.indexer.engine.directory import EngineManifest

MAX_TEXT = 65_535  # bytes in a Milvus VARCHAR
MAX_ARRAY = 4096  # elements in a Milvus ARRAY
TOKEN_CHARS = 7  # one letter and six base-36 digits: 5.7e10 values, collisions are negligible
TOKEN_LIMIT = MAX_TEXT // (TOKEN_CHARS + 1)  # tokens per entry, with their separators
MAX_ID = 512
COMPRESSED = "z:"
HNSW_ABOVE = 50_000
HNSW_PARAMS = {"M": 32, "efConstruction": 200}
FETCH_BATCH = 1000
READ_CONSISTENCY = "Session"


class PayloadTooLarge(ChangeError):
    """An entry whose JSON does not fit a Milvus VARCHAR even compressed."""

    def __init__(self, message: str) -> None:
        super().__init__(message, ErrorKind.TOO_LARGE)


def _base36(value: int, digits: int) -> str:
    out = []
    for _ in range(digits):
        value, d = divmod(value, 36)
        out.append("0123456789abcdefghijklmnopqrstuvwxyz"[d])
    return "".join(out)


def hashed(token: str) -> str:
    """A token as a short word of letters and digits (one letter first, so no
    tokenizer reads it as a number)."""
    value = int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "big")
    value, first = divmod(value, 26)
    return chr(97 + first) + _base36(value, TOKEN_CHARS - 1)


def hashed_text(tokens: Sequence[str]) -> tuple[str, bool]:
    """The lexical field for ``tokens``, and whether it had to be cut."""
    cut = len(tokens) > TOKEN_LIMIT
    return " ".join(hashed(t) for t in tokens[:TOKEN_LIMIT]), cut


def payload(entry: Entry) -> str:
    text = entry.to_json()
    if len(text.encode("utf-8")) <= MAX_TEXT:
        return text
    packed = COMPRESSED + base64.b85encode(zlib.compress(text.encode("utf-8"), 9)).decode("ascii")
    if len(packed) > MAX_TEXT:
        raise PayloadTooLarge(
            f"entry {entry.id!r} is {len(text.encode('utf-8'))} bytes as JSON, more than a "
            f"Milvus VARCHAR holds ({MAX_TEXT}) even compressed"
        )
    return packed


def entry_of(stored: str) -> Entry:
    if stored.startswith(COMPRESSED):
        stored = zlib.decompress(base64.b85decode(stored[len(COMPRESSED) :])).decode("utf-8")
    return Entry.from_dict(json.loads(stored))


@dataclass(frozen=True)
class EngineRow:
    """Everything the collection holds about one entry."""

    entry: Entry
    vector: np.ndarray
    link: np.ndarray
    doc_mean: float
    doc_std: float
    tokens: Sequence[str]
    names: Sequence[str]  # folded name keys
    links: Sequence[str] = ()

    @classmethod
    def of(cls, entry: Entry, vector: np.ndarray, link: np.ndarray, doc_stats: np.ndarray,
           analyzer: str, links: Sequence[str] = ()) -> EngineRow:  # fmt: skip
        """An entry's row: its analysed text and folded names derived here, the
        same way the local segments derive their postings and lookups."""
        return cls(entry=entry, vector=vector, link=link, doc_mean=float(doc_stats[0]),
                   doc_std=float(doc_stats[1]), tokens=analyze(lexical_text(entry), analyzer),
                   names=[name_key(x) for x in entry_names(entry)], links=links)  # fmt: skip

    def record(self) -> dict[str, Any]:
        text, _ = hashed_text(self.tokens)
        return {
            "id": self.entry.id,
            "lang": self.entry.lang,
            "source": self.entry.source,
            "concept": self.entry.concept or "",
            "entry": payload(self.entry),
            "lexical": text,
            "names": sorted({hashed(n) for n in self.names if n})[:MAX_ARRAY],
            "links": list(self.links)[:MAX_ARRAY],
            "vector": np.asarray(self.vector, np.float32),
            "link": np.asarray(self.link, np.float32),
            "doc_mean": float(self.doc_mean),
            "doc_std": float(self.doc_std),
        }


class EngineCollection:
    """One Milvus collection holding a whole index (see the module docstring)."""

    def __init__(self, store: StoreConfig, client: Any, name: str, dimension: int,
                 index_type: str) -> None:  # fmt: skip
        self.store, self._client, self.name = store, client, name
        self.dimension, self.index_type = dimension, index_type
        self.ef = 128

    @classmethod
    def create(
        cls, store: StoreConfig, name: str, dimension: int, expected: int
    ) -> EngineCollection:
        pm = _milvus()
        client = connect(store)
        schema = client.create_schema(
            auto_id=False, description="Glossa index (entries, BM25, vectors)"
        )
        schema.add_field("id", pm.DataType.VARCHAR, is_primary=True, max_length=MAX_ID)
        schema.add_field("lang", pm.DataType.VARCHAR, max_length=MAX_LANG)
        schema.add_field("source", pm.DataType.VARCHAR, max_length=MAX_SOURCE)
        schema.add_field("concept", pm.DataType.VARCHAR, max_length=MAX_ID)
        schema.add_field("entry", pm.DataType.VARCHAR, max_length=MAX_TEXT)
        schema.add_field("lexical", pm.DataType.VARCHAR, max_length=MAX_TEXT,
                         enable_analyzer=True, analyzer_params={"tokenizer": "standard"})  # fmt: skip
        schema.add_field("sparse", pm.DataType.SPARSE_FLOAT_VECTOR)
        for field in ("names", "links"):
            schema.add_field(field, pm.DataType.ARRAY, element_type=pm.DataType.VARCHAR,
                             max_capacity=MAX_ARRAY, max_length=MAX_ID)  # fmt: skip
        schema.add_field("vector", pm.DataType.FLOAT_VECTOR, dim=dimension)
        schema.add_field("link", pm.DataType.FLOAT_VECTOR, dim=2 * dimension)
        schema.add_field("doc_mean", pm.DataType.FLOAT)
        schema.add_field("doc_std", pm.DataType.FLOAT)
        schema.add_function(pm.Function(
            name="bm25", function_type=pm.FunctionType.BM25, input_field_names=["lexical"],
            output_field_names=["sparse"],
        ))  # fmt: skip
        index_type = "HNSW" if expected >= HNSW_ABOVE else "FLAT"
        params = client.prepare_index_params()
        for field in ("vector", "link"):
            params.add_index(field, index_type=index_type, metric_type="IP",
                             params=HNSW_PARAMS if index_type == "HNSW" else {})  # fmt: skip
        # Glossa's BM25 constants (indexer.store.postings), so both engines rank alike
        params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                         params={"bm25_k1": K1, "bm25_b": B})  # fmt: skip
        client.create_collection(name, schema=schema, index_params=params,
                                 consistency_level="Strong", timeout=CALL_TIMEOUT)  # fmt: skip
        return cls(store, client, name, dimension, index_type)

    @classmethod
    def open(
        cls, store: StoreConfig, name: str, dimension: int, index_type: str
    ) -> EngineCollection:
        client = connect(store)
        if not client.has_collection(name, timeout=store.milvus_timeout):
            raise IndexLoadError(
                f"Milvus at {store.milvus_uri} has no collection {name!r} (dropped, or another "
                "server/database); publish the index again: glossa publish --to <directory>"
            )
        collection = cls(store, client, name, dimension, index_type)
        client.load_collection(name, timeout=CALL_TIMEOUT)
        return collection

    @classmethod
    def of(cls, store: StoreConfig, manifest: EngineManifest) -> EngineCollection:
        """The collection a published index's manifest names."""
        return cls.open(store, manifest.collection, manifest.dimension, manifest.index_type)

    @staticmethod
    def drop(store: StoreConfig, name: str) -> None:
        client = connect(store)
        if client.has_collection(name, timeout=store.milvus_timeout):
            client.drop_collection(name, timeout=CALL_TIMEOUT)

    # ------------------------------------------------------------------ writes

    def upsert(self, rows: Sequence[EngineRow]) -> None:
        if rows:
            self._client.upsert(self.name, [r.record() for r in rows], timeout=CALL_TIMEOUT)

    def insert(self, rows: Sequence[EngineRow]) -> None:
        if rows:
            self._client.insert(self.name, [r.record() for r in rows], timeout=CALL_TIMEOUT)

    def set_links(self, links: dict[str, list[str]]) -> None:
        """Replace the ``links`` of existing rows (a partial update: nothing else changes)."""
        if links:
            self._client.upsert(self.name, [{"id": i, "links": ids[:MAX_ARRAY]}
                                            for i, ids in links.items()],
                                partial_update=True, timeout=CALL_TIMEOUT)  # fmt: skip

    def delete(self, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), FETCH_BATCH):
            chunk = list(ids[start : start + FETCH_BATCH])
            self._client.delete(self.name, ids=chunk, timeout=CALL_TIMEOUT)

    def flush(self) -> None:
        self._client.flush(self.name, timeout=CALL_TIMEOUT)
        self._client.load_collection(self.name, timeout=CALL_TIMEOUT)

    # ------------------------------------------------------------------ reads

    def count(self) -> int:
        result = self._client.query(self.name, filter="", output_fields=["count(*)"],
                                    consistency_level="Strong", timeout=CALL_TIMEOUT)  # fmt: skip
        return int(result[0]["count(*)"]) if result else 0

    def fetch(self, ids: Sequence[str], fields: Sequence[str]) -> dict[str, dict]:
        """The rows of ``ids`` that exist, with ``fields``."""
        out: dict[str, dict] = {}
        ids = list(dict.fromkeys(ids))
        for start in range(0, len(ids), FETCH_BATCH):
            chunk = ids[start : start + FETCH_BATCH]
            for record in self._client.get(self.name, ids=chunk, output_fields=["id", *fields],
                                           timeout=CALL_TIMEOUT):  # fmt: skip
                out[str(record["id"])] = record
        return out

    def entries(self, ids: Sequence[str]) -> dict[str, Entry]:
        return {i: entry_of(r["entry"]) for i, r in self.fetch(ids, ["entry"]).items()}

    def query(self, expression: str, fields: Sequence[str], limit: int) -> list[dict]:
        return list(self._client.query(self.name, filter=expression, output_fields=list(fields),
                                       limit=limit, consistency_level=READ_CONSISTENCY,
                                       timeout=CALL_TIMEOUT))  # fmt: skip

    def named(self, key: str, expression: str, limit: int) -> list[str]:
        """Ids of entries one of whose folded names is ``key``."""
        condition = f'array_contains(names, "{hashed(key)}")'
        expression = f"{condition} and {expression}" if expression else condition
        return [str(r["id"]) for r in self.query(expression, ["id"], limit)]

    def _search(self, field: str, data: list, k: int, expression: str, metric: str,
                fields: Sequence[str]) -> list[list[dict]]:  # fmt: skip
        params: dict = {"metric_type": metric, "params": {}}
        if field != "sparse" and self.index_type == "HNSW":
            params["params"] = {"ef": max(self.ef, k)}
        found = self._client.search(
            self.name, data=data, anns_field=field, search_params=params, limit=k,
            filter=expression, output_fields=list(fields), consistency_level=READ_CONSISTENCY,
            timeout=CALL_TIMEOUT,
        )  # fmt: skip
        return [[{"id": str(h["id"]), "score": float(h["distance"]), **h.get("entity", {})}
                 for h in hits] for hits in found]  # fmt: skip

    def dense(self, queries: np.ndarray, k: int, expression: str) -> list[list[dict]]:
        """Top ``k`` entries by inner product, with their pseudo-query statistics."""
        return self._search("vector", list(np.asarray(queries, np.float32)), k, expression, "IP",
                            ["doc_mean", "doc_std"])  # fmt: skip

    def lexical(self, tokens: Sequence[str], k: int, expression: str) -> list[dict]:
        """Top ``k`` entries by BM25 over Glossa's analysed text, with their links.
        Milvus Lite reports BM25 as a negative distance, a server as a positive
        score; either way the order is best first, and the score returned is >= 0."""
        text, _ = hashed_text(tokens)
        if not text:
            return []
        hits = self._search("sparse", [text], k, expression, "BM25", ["links"])[0]
        for hit in hits:
            hit["score"] = abs(hit["score"])
        return hits

    def neighbours(self, vectors: np.ndarray, k: int, expression: str) -> list[list[dict]]:
        """Top ``k`` entries by ``link`` similarity (what equivalents are decided on)."""
        return self._search("link", list(np.asarray(vectors, np.float32)), k, expression, "IP",
                            ["lang"])  # fmt: skip

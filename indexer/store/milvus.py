"""Milvus as Glossa's vector store (``GLOSSA_BACKEND=milvus``), behind the same
``VectorIndex`` protocol as FAISS, so ranking, fusion, equivalents, the API and
the CLI run unchanged on either.

One Milvus collection per index version (``<name>_g<generation>_<random>``) with
the fields ``row`` (INT64 primary key: the entry's position in
``entries.jsonl``), ``lang`` and ``source`` (VARCHAR, so language and source
filters become Milvus filter expressions evaluated inside the search) and
``vector`` (FLOAT_VECTOR, inner product). The index directory keeps everything
else and a pointer file (``vectors.milvus.json``) naming the collection; a new
segment is a new collection, named by the manifest that commits it, so readers
see the old or the new version, never a mix.

The same client (pymilvus 3, ``MilvusClient``) talks to Milvus Lite (a local
``*.db`` file as ``GLOSSA_MILVUS_URI``: the tests), a standalone server or a
sharded, replicated cluster; only ``GLOSSA_MILVUS_URI`` (and token / database)
change. Since segments are immutable, each segment's vectors are one collection
that is written once and dropped when no index version names the segment. Every call has a timeout: a server that is down
gives ``VectorStoreUnavailable`` within ``GLOSSA_MILVUS_TIMEOUT`` seconds.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from glossa.indexer.store.vectors import (
    HNSW_ABOVE,
    MILVUS,
    Filter,
    RowFilter,
    StoreConfig,
    StoreProgress,
    allowed_rows,
    checked_vectors,
)

from glossa.errors import ErrorKind, GlossaError

FILE_NAME = "vectors.milvus.json"
INSERT_BATCH = 5000  # rows per insert call: well under Milvus's 64 MB gRPC message limit
QUERY_BATCH = 4096
CALL_TIMEOUT = 120.0  # seconds for any one data call
HNSW_PARAMS = {"M": 32, "efConstruction": 200}
MAX_SOURCE, MAX_LANG = 512, 16
# Reads use Session consistency: a client sees its own writes, and every other
# reader only ever opens a collection after its writer flushed it (the pointer
# file is written after the flush), so nothing newer can exist. Strong
# consistency would wait for the next time tick (~200 ms) on every call.
READ_CONSISTENCY = "Session"


class VectorStoreUnavailable(GlossaError, ConnectionError):
    """The vector store cannot be reached; the message says where and what to do."""

    kind = ErrorKind.UNAVAILABLE


_CLIENTS: dict[str, Any] = {}
_CLIENTS_LOCK = threading.Lock()


def _milvus() -> Any:
    try:
        import pymilvus
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise VectorStoreUnavailable(
            'the Milvus backend needs pymilvus: pip install -e ".[milvus]"'
        ) from exc
    return pymilvus


def _quiet_lite_server(record: logging.LogRecord) -> bool:
    """Milvus Lite serves gRPC inside this process and does not implement every
    call pymilvus tries (``AllocTimestamp`` while an index is created); pymilvus
    handles that, but the server logs each one as an error with a traceback."""
    return "Method not implemented" not in record.getMessage()


def connect(store: StoreConfig) -> Any:
    """A client for the store (one per URI, database and token, shared). Bounded
    by the store's timeout."""
    pm = _milvus()
    if store.milvus_uri.endswith(".db"):
        logging.getLogger("grpc._server").addFilter(_quiet_lite_server)
    key = f"{store.milvus_uri}|{store.milvus_db}|{store.milvus_token or ''}"
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(key)
        if client is not None:
            return client
        try:
            kwargs: dict[str, Any] = {"uri": store.milvus_uri, "timeout": store.milvus_timeout}
            if store.milvus_token:
                kwargs["token"] = store.milvus_token
            if not store.milvus_uri.endswith(".db"):  # Milvus Lite has one database
                kwargs["db_name"] = store.milvus_db
            client = pm.MilvusClient(**kwargs)
            client.list_collections(timeout=store.milvus_timeout)
        except Exception as exc:
            raise VectorStoreUnavailable(
                f"cannot reach Milvus at {store.milvus_uri} (database {store.milvus_db!r}) within "
                f"{store.milvus_timeout:g} s: {getattr(exc, 'message', exc)}; start it, or set "
                "GLOSSA_MILVUS_URI / GLOSSA_MILVUS_TOKEN, or use GLOSSA_BACKEND=faiss"
            ) from exc
        _CLIENTS[key] = client
        return client


def _quoted(values: Iterable[str]) -> str:
    return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in sorted(values)) + "]"


def field_expression(langs: Iterable[str] | None = None,
                     sources: Iterable[str] | None = None) -> str:  # fmt: skip
    """``lang in [...] and source in [...]`` for the sets given ("" = everything)."""
    parts = []
    if langs is not None:
        parts.append(f"lang in {_quoted(langs)}")
    if sources is not None:
        parts.append(f"source in {_quoted(sources)}")
    return " and ".join(parts)


def filter_expression(where: Filter) -> str:
    """A Milvus boolean expression for a filter: language and source sets become
    ``lang in [...]`` / ``source in [...]``; a bare row list ``row in [...]``."""
    if where is None:
        return ""
    if isinstance(where, RowFilter) and (where.langs is not None or where.sources is not None):
        return field_expression(where.langs, where.sources)
    rows = allowed_rows(where)
    return "" if rows is None else f"row in {[int(r) for r in rows]}"


class MilvusIndex:
    kind = MILVUS
    file_name = FILE_NAME

    def __init__(
        self, store: StoreConfig, client: Any, collection: str, dimension: int, count: int,
        index_type: str,
    ) -> None:  # fmt: skip
        self.store, self._client, self.dimension = store, client, dimension
        self.collection = collection
        self._count, self.index_type = count, index_type
        self._loaded = False
        self.ef = 128

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    def create(
        cls, store: StoreConfig, dimension: int, expected_count: int = 0, generation: int = 0
    ) -> MilvusIndex:
        pm = _milvus()
        client = connect(store)
        schema = client.create_schema(auto_id=False, description="Glossa entry vectors")
        schema.add_field("row", pm.DataType.INT64, is_primary=True)
        schema.add_field("lang", pm.DataType.VARCHAR, max_length=MAX_LANG)
        schema.add_field("source", pm.DataType.VARCHAR, max_length=MAX_SOURCE)
        schema.add_field("vector", pm.DataType.FLOAT_VECTOR, dim=dimension)
        index_type = "HNSW" if expected_count >= HNSW_ABOVE else "FLAT"
        params = client.prepare_index_params()
        params.add_index("vector", index_type=index_type, metric_type="IP",
                         params=HNSW_PARAMS if index_type == "HNSW" else {})  # fmt: skip
        name = f"{store.milvus_collection}_g{generation}_{secrets.token_hex(3)}"
        client.create_collection(name, schema=schema, index_params=params,
                                 consistency_level="Strong", timeout=CALL_TIMEOUT)  # fmt: skip
        return cls(store, client, name, dimension, 0, index_type)

    @staticmethod
    def _pointer(path: Path) -> dict:
        try:
            pointer = json.loads(path.read_text(encoding="utf-8"))
            pointer["collection"], pointer["dimension"], pointer["count"]  # noqa: B018
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"unreadable Milvus pointer file ({exc})") from exc
        return pointer

    @classmethod
    def load(cls, path: Path, store: StoreConfig) -> MilvusIndex:
        pointer = cls._pointer(path)
        client = connect(store)
        name = pointer["collection"]
        if not client.has_collection(name, timeout=store.milvus_timeout):
            raise ValueError(
                f"Milvus at {store.milvus_uri} has no collection {name!r} (dropped, or another "
                "server/database)"
            )
        index = cls(store, client, name, int(pointer["dimension"]), int(pointer["count"]),
                    pointer.get("index_type", "FLAT"))  # fmt: skip
        stored = index.stored_count()
        if stored != index._count:
            raise ValueError(f"collection {name!r} holds {stored} vectors, expected {index._count}")
        return index

    @classmethod
    def drop(cls, path: Path, store: StoreConfig) -> None:
        name = cls._pointer(path)["collection"]
        client = connect(store)
        if client.has_collection(name, timeout=store.milvus_timeout):
            client.drop_collection(name, timeout=CALL_TIMEOUT)

    def save(self, path: Path) -> None:
        self._client.flush(self.collection, timeout=CALL_TIMEOUT)
        pointer = {
            "backend": "milvus",
            "uri": self.store.milvus_uri,
            "db": self.store.milvus_db,
            "collection": self.collection,
            "dimension": self.dimension,
            "count": self._count,
            "index_type": self.index_type,
            "metric": "IP",
        }
        path.write_text(json.dumps(pointer, indent=2), encoding="utf-8")

    def _ensure_loaded(self) -> None:
        if not self._loaded:
            self._client.load_collection(self.collection, timeout=CALL_TIMEOUT)
            self._loaded = True

    # ------------------------------------------------------------------ data

    def __len__(self) -> int:
        return self._count

    def stored_count(self) -> int:
        """Rows as Milvus counts them (strong consistency), for load-time checks."""
        self._ensure_loaded()
        result = self._client.query(self.collection, filter="row >= 0",
                                    output_fields=["count(*)"], consistency_level="Strong",
                                    timeout=CALL_TIMEOUT)  # fmt: skip
        return int(result[0]["count(*)"]) if result else 0

    def add(
        self,
        vectors: np.ndarray,
        langs: Sequence[str] | None = None,
        sources: Sequence[str] | None = None,
        progress: StoreProgress | None = None,
    ) -> None:
        vectors = checked_vectors(vectors, self.dimension)
        n = len(vectors)
        langs = list(langs) if langs is not None else [""] * n
        sources = list(sources) if sources is not None else [""] * n
        if not (len(langs) == len(sources) == n):
            raise ValueError("one lang and one source per vector")
        first = self._count
        for start in range(0, n, INSERT_BATCH):
            end = min(start + INSERT_BATCH, n)
            rows = [
                {"row": first + i, "lang": langs[i], "source": sources[i], "vector": vectors[i]}
                for i in range(start, end)
            ]
            self._client.insert(self.collection, rows, timeout=CALL_TIMEOUT)
            if progress:
                progress(end, n)
        self._count += n

    def delete(self, rows: np.ndarray) -> None:
        rows = np.unique(np.asarray(rows, dtype=np.int64))
        if not len(rows):
            return
        if rows[0] < 0 or rows[-1] >= self._count:
            raise IndexError(f"rows out of range 0..{self._count - 1}")
        # Rows are positions: everything after the first deleted row moves up.
        tail = np.arange(int(rows[0]), self._count)
        keep = np.setdiff1d(tail, rows)
        kept = self._fetch(keep, ["lang", "source", "vector"])
        for start in range(0, len(tail), QUERY_BATCH):
            chunk = tail[start : start + QUERY_BATCH]
            self._client.delete(self.collection, filter=f"row in {chunk.tolist()}",
                                timeout=CALL_TIMEOUT)  # fmt: skip
        self._count = int(rows[0])
        if len(keep):
            self.add(
                np.stack([kept[r]["vector"] for r in keep.tolist()]),
                [kept[r]["lang"] for r in keep.tolist()],
                [kept[r]["source"] for r in keep.tolist()],
            )

    def _fetch(self, rows: np.ndarray, fields: list[str]) -> dict[int, dict]:
        self._ensure_loaded()
        out: dict[int, dict] = {}
        rows = np.asarray(rows, dtype=np.int64)
        for start in range(0, len(rows), QUERY_BATCH):
            chunk = rows[start : start + QUERY_BATCH].tolist()
            for record in self._client.query(
                self.collection, filter=f"row in {chunk}", output_fields=["row", *fields],
                consistency_level=READ_CONSISTENCY, timeout=CALL_TIMEOUT,
            ):  # fmt: skip
                out[int(record["row"])] = record
        missing = [int(r) for r in rows.tolist() if int(r) not in out]
        if missing:
            raise ValueError(f"collection {self.collection!r} lacks rows {missing[:5]}")
        return out

    def reconstruct(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return np.zeros((0, self.dimension), np.float32)
        fetched = self._fetch(rows, ["vector"])
        return np.asarray([fetched[int(r)]["vector"] for r in rows.tolist()], dtype=np.float32)

    def search(
        self, queries: np.ndarray, k: int, where: Filter = None
    ) -> tuple[np.ndarray, np.ndarray]:
        self._ensure_loaded()
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dimension)
        k = max(1, min(k, self._count, 16384)) if self._count else 1
        scores = np.full((len(queries), k), -np.finfo(np.float32).max, np.float32)
        rows = np.full((len(queries), k), -1, np.int64)
        if not self._count or not len(queries):
            return scores, rows
        params: dict = {"metric_type": "IP", "params": {}}
        if self.index_type == "HNSW":
            params["params"] = {"ef": max(self.ef, k)}
        results = self._client.search(
            self.collection, data=list(queries), anns_field="vector", search_params=params,
            limit=k, filter=filter_expression(where), consistency_level=READ_CONSISTENCY,
            timeout=CALL_TIMEOUT,
        )  # fmt: skip
        for q, hits in enumerate(results):
            for j, hit in enumerate(hits):
                scores[q, j], rows[q, j] = (
                    hit["distance"],
                    hit["row"] if "row" in hit else hit["id"],
                )
        return scores, rows

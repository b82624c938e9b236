"""The local half of an index that lives in Milvus: a small directory whose
size does not grow with the corpus.

``engine.json`` (the manifest: model, analyser, the collection's name and
server, counts per language and source, the reviews) and ``engine.g<N>.npz``
(what a search needs besides the collection: the pseudo-queries that
standardise new entries, each language's mean vectors for the link vectors of
new entries, and the calibration sample of each language). Both are bounded by
the number of languages, not of entries. A write of the manifest is a rename
(the commit); the arrays it names are written first, under a new name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from glossa.indexer.store.files import fsync_dir, fsync_file, sha256_file
from glossa.indexer.store.index_dir import IndexLoadError
from pydantic import BaseModel, ConfigDict

ENGINE_FILE = "engine.json"
ENGINE_FORMAT = 1


class EngineManifest(BaseModel):
    model_config = ConfigDict(frozen=True, protected_namespaces=())

    engine_format: int = ENGINE_FORMAT
    model: str
    dimension: int
    doc_text: str
    analyzer: str
    collection: str
    index_type: str
    milvus_uri: str
    milvus_db: str
    count: int
    languages: dict[str, int]
    sources: dict[str, int]
    source_titles: dict[str, dict[str, str]] = {}
    reviews: tuple[tuple[str, str, str], ...] = ()  # (a, b, decision)
    published_from: str
    built_at: str
    generation: int = 0
    arrays: str
    arrays_sha256: str
    cut_lexical: int = 0  # entries whose analysed text was cut at TOKEN_LIMIT tokens
    source_languages: dict[str, dict[str, int]] = {}  # source -> language -> entries

    @property
    def index_kind(self) -> str:
        return f"milvus-engine ({self.index_type})"

    @property
    def corpus_checksum(self) -> str:
        return f"{self.collection}:g{self.generation}"

    build_seconds: float = 0.0


@dataclass(frozen=True)
class EngineArrays:
    pseudo: np.ndarray  # pseudo-queries (names vectors) for new entries' doc statistics
    link_means: dict[str, np.ndarray]  # language -> mean of [doc, names] vectors
    overall_mean: np.ndarray
    samples: dict[str, tuple[np.ndarray, np.ndarray]]  # calibration group -> (vectors, stats)
    groups: dict[str, str]  # language -> whose calibration statistics it uses

    def save(self, path: Path) -> None:
        arrays = {"pseudo": self.pseudo, "overall_mean": self.overall_mean}
        arrays |= {f"mean:{lang}": v for lang, v in self.link_means.items()}
        for name, (vectors, stats) in self.samples.items():
            arrays[f"sample:{name}"], arrays[f"stats:{name}"] = vectors, stats
        groups = sorted(self.groups.items())
        arrays["group_lang"] = np.array([g[0] for g in groups])
        arrays["group_of"] = np.array([g[1] for g in groups])
        with path.open("wb") as f:
            np.savez(f, **arrays)

    @classmethod
    def load(cls, path: Path) -> EngineArrays:
        with np.load(path, allow_pickle=False) as data:
            named = {k: data[k] for k in data.files}
        return cls(
            pseudo=named["pseudo"],
            link_means={k[5:]: v for k, v in named.items() if k.startswith("mean:")},
            overall_mean=named["overall_mean"],
            samples={
                k[7:]: (v, named[f"stats:{k[7:]}"])
                for k, v in named.items()
                if k.startswith("sample:")
            },  # fmt: skip
            groups=dict(zip(named["group_lang"].tolist(), named["group_of"].tolist(), strict=True)),
        )


def is_engine_dir(path: Path) -> bool:
    return (path / ENGINE_FILE).is_file()


def load_engine_dir(path: Path) -> tuple[EngineManifest, EngineArrays]:
    try:
        manifest = EngineManifest.model_validate_json((path / ENGINE_FILE).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexLoadError(
            f"{path / ENGINE_FILE}: unreadable manifest of a published index "
            f"({exc}); publish it again: glossa publish --to {path}"
        ) from exc
    arrays = path / manifest.arrays
    if not arrays.is_file() or sha256_file(arrays) != manifest.arrays_sha256:
        raise IndexLoadError(
            f"{arrays}: missing or damaged (its checksum is not the one "
            f"{ENGINE_FILE} records); publish again: glossa publish --to {path}"
        )
    return manifest, EngineArrays.load(arrays)


def write_engine_dir(
    path: Path, manifest: EngineManifest, arrays: EngineArrays | None
) -> EngineManifest:
    """Commit ``manifest`` (with new ``arrays``, or the ones it names): arrays
    first under a new name, then the manifest by rename; then the old arrays go."""
    path.mkdir(parents=True, exist_ok=True)
    if arrays is not None:
        name = f"engine.g{manifest.generation:08d}.npz"
        tmp = path / f".{name}.tmp"
        arrays.save(tmp)
        fsync_file(tmp)
        os.replace(tmp, path / name)
        manifest = manifest.model_copy(
            update={"arrays": name, "arrays_sha256": sha256_file(path / name)}
        )
    tmp = path / f".{ENGINE_FILE}.tmp"
    tmp.write_text(manifest.model_dump_json(indent=1), encoding="utf-8")
    fsync_file(tmp)
    os.replace(tmp, path / ENGINE_FILE)
    fsync_dir(path)
    for stale in path.glob("engine.g*.npz"):
        if stale.name != manifest.arrays:
            stale.unlink(missing_ok=True)
    return manifest


@dataclass(frozen=True)
class PublishedIndex:
    """What callers of a local index read of it (path, manifest, languages per
    source), for an index that lives in Milvus."""

    path: Path
    manifest: EngineManifest

    def source_languages(self) -> dict[str, set[str]]:
        return {s: {lang for lang, n in langs.items() if n > 0}
                for s, langs in self.manifest.source_languages.items()}  # fmt: skip

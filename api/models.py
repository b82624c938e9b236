"""Response models: every route has one, so /docs documents every shape."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class EntryFields(BaseModel):
    """What every entry-shaped answer carries."""

    id: str
    term: str
    aliases: list[str]
    english: str | None
    definition: str
    lang: str
    source: str
    concept: str | None = Field(
        default=None, description="concept id shared with the same concept in other languages"
    )


class Hit(EntryFields):
    model_config = ConfigDict(frozen=True)

    score: float


class SearchResult(BaseModel):
    query: str
    took_ms: float
    mode: Literal["dense", "lexical", "hybrid"]
    hits: list[Hit]


class Entry(EntryFields):
    category: str | None


class Equivalent(Hit):
    shared_names: list[str] = Field(description="acronyms / names both entries carry")


class Equivalents(BaseModel):
    entry: Entry
    equivalents: list[Equivalent]


class LanguageCount(BaseModel):
    lang: str
    count: int


class SourceCount(BaseModel):
    source: str
    count: int
    languages: list[str]


class Health(BaseModel):
    status: Literal["ready", "loading", "error"]
    detail: str | None = None


class Stats(BaseModel):
    model_config = ConfigDict(protected_namespaces=())

    model: str
    dimension: int
    count: int
    index_kind: str
    index_dir: str
    built_at: str
    build_seconds: float
    default_mode: str
    languages: dict[str, int]
    sources: dict[str, int]


class ErrorBody(BaseModel):
    code: str = Field(description="machine-readable: invalid_parameter, not_found, not_ready, ...")
    message: str
    parameter: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody

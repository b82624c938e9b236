"""Rebuild the committed excerpts of real public termbases from their originals.

Nothing is fetched: pass the paths of the original files (see SOURCES.md for
where each comes from). Run from the repository root:

    python tests/corpus/data/make_excerpts.py \
        --astronomy termate/data/examples/Example_Astronomy_DCA_VALID.tbx \
        --silknow silknow-thesaurus/thesaurus.ttl
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from lxml import etree

HERE = Path(__file__).resolve().parent
ASTRONOMY_CONCEPTS = ("c1", "c2", "c3", "c17", "c22")  # two with a Zulu term and no definition
SILKNOW_CONCEPTS = ("689", "696", "775", "740", "742", "262")


def astronomy(original: Path) -> None:
    tree = etree.parse(str(original))
    ns = {"t": tree.getroot().nsmap[None]}
    body = tree.find(".//t:body", ns)
    for concept in list(body):
        if concept.get("id") not in ASTRONOMY_CONCEPTS:
            body.remove(concept)
    tree.write(str(HERE / "ltac-astronomy-basic-dca.tbx"), encoding="utf-8", xml_declaration=True)


def silknow(original: Path) -> None:
    from rdflib import Graph, URIRef
    from rdflib.namespace import RDF, SKOS

    graph, excerpt = Graph(), Graph()
    graph.parse(str(original), format="turtle")
    for prefix, namespace in graph.namespaces():
        excerpt.bind(prefix, namespace)
    base = "http://data.silknow.org/vocabulary/"
    kept = [URIRef(base + c) for c in SILKNOW_CONCEPTS]
    for concept in kept:
        for p, o in graph.predicate_objects(concept):
            if p in (
                RDF.type,
                SKOS.prefLabel,
                SKOS.altLabel,
                SKOS.definition,
                SKOS.inScheme,
                SKOS.scopeNote,
            ):
                excerpt.add((concept, p, o))
    excerpt.serialize(str(HERE / "silknow-excerpt.ttl"), format="turtle")
    # the same concepts as a terminologist's spreadsheet: one row per concept
    langs = ("en", "es", "fr", "it")
    with (HERE / "silknow-concepts.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["concept", *langs, *(f"definition_{lang}" for lang in langs)])
        for concept in kept:

            def label(prop, lang, concept=concept):
                values = sorted(
                    str(o)
                    for o in graph.objects(concept, prop)
                    if getattr(o, "language", None) == lang
                )
                return " | ".join(values)

            writer.writerow(
                [
                    str(concept).rsplit("/", 1)[-1],
                    *(label(SKOS.prefLabel, lang) for lang in langs),
                    *(label(SKOS.definition, lang) for lang in langs),
                ]
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--astronomy", type=Path, required=True)
    parser.add_argument("--silknow", type=Path, required=True)
    args = parser.parse_args()
    astronomy(args.astronomy)
    silknow(args.silknow)

"""Tuning and report parts of the gold set, split by concept.

Defaults are chosen on the tuning part (BEIR split ``dev``) and figures are
reported on the report part (split ``test``); no concept is in both. Concepts
that share a judged entry (churn, retention, loyalty) or a query (hold time and
AHT) form one component and go to one part together, otherwise a query about
one would be judged against entries tuned through the other.

Components are dealt out largest first to whichever part has fewer queries so
far, then fewer concepts (ties to the report part): deterministic, balanced, and
blind to how well any system does on them. The equivalents benchmark uses the
same parts for its concepts.
"""

from __future__ import annotations

from benchmarks.gold.concepts import CONCEPTS, QUERIES

TUNING, REPORT = "dev", "test"


def _components() -> dict[str, str]:
    """concept -> the representative of its component."""
    parent = {c: c for c in CONCEPTS}

    def find(c: str) -> str:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    def union(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    by_entry: dict[tuple[str, str], list[str]] = {}
    for concept, members in CONCEPTS.items():
        for prefix, term, _grade in members:
            by_entry.setdefault((prefix, term), []).append(concept)
    for concepts in by_entry.values():
        for other in concepts[1:]:
            union(concepts[0], other)
    for *_, concepts in QUERIES:
        for other in concepts[1:]:
            union(concepts[0], other)
    return {c: find(c) for c in CONCEPTS}


def concept_parts() -> dict[str, str]:
    """concept -> ``dev`` (tuning) or ``test`` (report)."""
    component = _components()
    queries: dict[str, int] = {root: 0 for root in component.values()}
    for *_, concepts in QUERIES:
        queries[component[concepts[0]]] += 1
    members: dict[str, int] = {root: 0 for root in component.values()}
    for root in component.values():
        members[root] += 1
    sizes = {TUNING: [0, 0], REPORT: [0, 0]}  # queries, concepts
    part_of_root = {}
    for root in sorted(queries, key=lambda r: (-queries[r], -members[r], r)):
        part = TUNING if sizes[TUNING] < sizes[REPORT] else REPORT
        part_of_root[root] = part
        sizes[part][0] += queries[root]
        sizes[part][1] += members[root]
    return {c: part_of_root[root] for c, root in component.items()}


def query_parts() -> dict[str, str]:
    """query id -> part."""
    parts = concept_parts()
    return {qid: parts[concepts[0]] for qid, *_, concepts in QUERIES}

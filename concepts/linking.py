"""Concept-level linking: which entries of other languages name the same concept.

Linking entry by entry, 1:1, loses the easy pairs: two Polish glossaries both
define Net Promoter Score, so the Chinese 净推荐值 can be the mutual best of only
one of them, and the margin to its runner-up (the other Polish NPS) is nil. So
links are decided between *groups*, in four steps, measured on the tuning parts
(``benchmarks/quality/equivalents.py``; ``benchmarks/results/quality/equivalents.md``):

1. **Duplicate groups.** Entries of one language that share a term, an English
   name or an acronym (after folding), or that declare one concept, are one
   group. Plain aliases do not group: they chain ("mapa podróży klienta" has the
   alias "mapowanie podróży klienta", a concept of its own).
2. **Links between groups.** A group's best candidate in another language is
   its members' best; two groups link when each holds the other's best and the
   link model (similarity and both margins, ``equivalents.link_probability``)
   accepts it, the margins taken to the best candidate *outside* the other
   group. For single entries this is exactly the entry-level rule. A pair of
   entries that share a name (a term, English name or acronym) links its groups
   when one is among the other's ``CANDIDATES`` best: name evidence.
3. **Third-language confirmation.** A mutual-best pair the link model doubts
   (probability between ``CORROBORATED`` and the threshold: CSAT and 客户满意度)
   links when a group of a third language is mutually best with both sides and
   one pair of the triangle is confident on its own.
4. **Concepts.** Links are followed transitively; when the component holds at
   most one group per language it is one concept and every member is an
   equivalent of every other. Otherwise (a chain through a near-concept) only the
   direct links count.

Declared concepts and accepted reviews link as before; a rejected pair is never
linked unless a termbase declared it. The logic runs over a ``Neighbourhood``:
the in-memory equivalence graph (rows) and the Milvus engine (ids, fetched on
demand) answer alike.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from glossa.analysis import name_key
from glossa.corpus.entry import Entry

DECLARED, ACCEPTED, AUTOMATIC = "declared", "accepted", "automatic"
REJECTED = "rejected"
NAME_EVIDENCE_RANK = 3  # a shared name links a pair when one is in the other's top 3
CORROBORATED = 0.2  # the lowest link probability a third language can confirm
MAX_GROUP = 32  # same-language duplicates followed for one group
MAX_CONCEPT = 96  # entries followed for one concept; a larger component is a chain
_ACRONYM = re.compile(r"[A-Z0-9]{2,6}")

N = TypeVar("N", bound=Hashable)


@dataclass(frozen=True)
class Steps:
    """Which steps decide (all of them in the product; the benchmark's ablation
    turns them off one by one: ``benchmarks/quality/equivalents.py``)."""

    groups: bool = True
    names: bool = True
    concepts: bool = True
    triangles: bool = True


ALL_STEPS = Steps()


def concept_keys(entry: Entry) -> frozenset[str]:
    """The names that make two entries of one language the same concept: the
    term, the English name and acronyms (an alias in capitals), folded."""
    names = [entry.term, *([entry.english] if entry.english else [])]
    names += [a for a in entry.aliases if _ACRONYM.fullmatch(a)]
    return frozenset(k for k in (name_key(x) for x in names) if k)


class Neighbourhood(Protocol[N]):
    """What the decision reads of an index: nodes are rows or ids."""

    threshold: float
    memo: dict  # what the decision derives, remembered while the index does not change
    steps: Steps

    def lang(self, node: N) -> str: ...

    def languages(self) -> Iterable[str]: ...

    def top(self, node: N, lang: str) -> Sequence[tuple[N, float]]:
        """``node``'s best candidates in ``lang``, best first (live entries)."""
        ...

    def keys(self, node: N) -> frozenset[str]:
        """``concept_keys`` of the node's entry."""
        ...

    def named(self, key: str, lang: str) -> Iterable[N]:
        """Live entries of ``lang`` one of whose names folds to ``key``."""
        ...

    def declared(self, node: N) -> Sequence[N]:
        """Live entries of *other* languages that declare ``node``'s concept."""
        ...

    def declared_here(self, node: N) -> Iterable[N]:
        """Live entries of ``node``'s language that declare its concept."""
        ...

    def concept(self, node: N) -> str | None:
        """The concept id the node's entry declares, if any."""
        ...

    def decision(self, a: N, b: N) -> str | None:
        """A reviewer's decision on the pair, if any."""
        ...

    def reviewed(self, node: N) -> Iterable[N]: ...

    def probability(self, similarity: float, margin_low: float, margin_high: float) -> float: ...


def group(nb: Neighbourhood[N], node: N) -> tuple[N, ...]:
    """``node`` and the entries of its language that are the same concept
    (shared concept keys or one declared concept), followed transitively. Two
    entries a termbase declares in different concepts are homonyms, never one
    concept by name."""
    found = nb.memo.get(("group", node))
    if found is None:
        found = nb.memo[("group", node)] = _group(nb, node)
    return found


def _group(nb: Neighbourhood[N], node: N) -> tuple[N, ...]:
    if not nb.steps.groups:
        return (node,)
    lang = nb.lang(node)
    seen = {node: None}
    queue = [node]
    while queue and len(seen) < MAX_GROUP:
        current = queue.pop()
        keys = nb.keys(current)
        mine = nb.concept(current)
        found = [o for k in sorted(keys) for o in nb.named(k, lang)
                 if nb.keys(o) & keys and not _declared_apart(mine, nb.concept(o))]  # fmt: skip
        for other in [*found, *nb.declared_here(current)]:
            if other not in seen and nb.lang(other) == lang:
                seen[other] = None
                queue.append(other)
    return tuple(seen)


def _declared_apart(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a != b


def _best(nb: Neighbourhood[N], members: Sequence[N], lang: str) -> tuple[N, float] | None:
    best = None
    for member in members:
        top = nb.top(member, lang)
        if top and (best is None or top[0][1] > best[1]):
            best = top[0]
    return best


def _runner_up(nb: Neighbourhood[N], members: Sequence[N], lang: str, other: set[N]) -> float:
    """The best score of ``members`` in ``lang`` outside the group ``other``."""
    best = None
    for member in members:
        for candidate, score in nb.top(member, lang):
            if candidate not in other:
                best = score if best is None else max(best, score)
                break
    return 0.0 if best is None else best


def _declared_in(nb: Neighbourhood[N], node: N, lang: str) -> bool:
    return any(nb.lang(b) == lang for b in nb.declared(node))


def mutual_best(nb: Neighbourhood[N], node: N, lang: str) -> tuple[tuple[N, ...], float] | None:
    """The group of ``lang`` that is mutually best with ``node``'s group, and the
    link model's probability for the pair (margins to the best candidate outside
    the other group); None when the best in ``lang`` does not point back."""
    key = ("mutual", node, lang)
    if key not in nb.memo:
        nb.memo[key] = _mutual_best(nb, node, lang)
    return nb.memo[key]


def _mutual_best(nb: Neighbourhood[N], node: N, lang: str) -> tuple[tuple[N, ...], float] | None:
    mine = group(nb, node)
    own, la = set(mine), nb.lang(node)
    best = _best(nb, mine, lang)
    if best is None:
        return None
    theirs = group(nb, best[0])
    back = _best(nb, theirs, la)
    if back is None or back[0] not in own:
        return None
    other = set(theirs)
    low, high = sorted((best[1] - _runner_up(nb, mine, lang, other),
                        back[1] - _runner_up(nb, theirs, la, own)))  # fmt: skip
    return theirs, nb.probability(best[1], low, high)


def _corroborated(
    nb: Neighbourhood[N], node: N, pair: tuple[tuple[N, ...], float], langs: Sequence[str]
) -> bool:
    """A mutual-best pair the link model doubts (probability at least
    ``CORROBORATED``) links when a third language confirms it: a group there is
    mutually best with both sides, and one of the triangle's three pairs is
    confident on its own. A concept named in three languages is triangulated,
    while a near-concept (KPI and benchmarking) rarely finds a third language
    that agrees with both. Symmetric: both sides see the same triangle."""
    theirs, probability = pair
    if not nb.steps.triangles or probability < CORROBORATED:
        return False
    la, lb = nb.lang(node), nb.lang(theirs[0])
    for lang in langs:
        if lang in (la, lb):
            continue
        mine_third = mutual_best(nb, node, lang)
        if mine_third is None or mine_third[1] < CORROBORATED:
            continue
        third = mine_third[0]
        # mutual from both sides: the third group's best in each language is ours
        theirs_third = mutual_best(nb, theirs[0], lang)
        if theirs_third is None or set(theirs_third[0]) != set(third):
            continue
        if theirs_third[1] < CORROBORATED:
            continue
        if max(probability, mine_third[1], theirs_third[1]) >= nb.threshold:
            return True
    return False


def direct_links(nb: Neighbourhood[N], node: N) -> dict[N, str]:
    """The entries of other languages ``node`` is linked to directly, with how:
    declared, accepted, or automatic (a link between groups, or name evidence).
    No automatic link joins two entries a termbase declares in different
    concepts; a reviewer's acceptance may (and termbase QA reports it)."""
    found = nb.memo.get(("direct", node))
    if found is None:
        found = nb.memo[("direct", node)] = _direct_links(nb, node)
    return found


def _direct_links(nb: Neighbourhood[N], node: N) -> dict[N, str]:
    found: dict[N, str] = {b: DECLARED for b in nb.declared(node)}
    for b in nb.reviewed(node):
        if b not in found and nb.decision(node, b) == "accepted":
            found[b] = ACCEPTED
    la = nb.lang(node)
    declared = {nb.lang(b) for b in found if found[b] == DECLARED}
    undecided = [lang for lang in nb.languages() if lang != la and lang not in declared]
    if not undecided:  # every other language declared: nothing left to decide
        return found
    mine = group(nb, node)
    for lang in undecided:
        linked: list[tuple[N, ...]] = []
        mutual = mutual_best(nb, node, lang)
        if mutual is not None and (
            mutual[1] >= nb.threshold or _corroborated(nb, node, mutual, undecided)
        ):
            linked.append(mutual[0])
        for member in mine if nb.steps.names else ():  # name evidence
            keys = nb.keys(member)
            near = {c for c, _ in nb.top(member, lang)[:NAME_EVIDENCE_RANK]}
            for key in sorted(keys):
                for b in nb.named(key, lang):
                    if not nb.keys(b) & keys:
                        continue
                    if b in near or member in {c for c, _ in nb.top(b, la)[:NAME_EVIDENCE_RANK]}:
                        linked.append(group(nb, b))
        mine_declared = nb.concept(node)
        for theirs in linked:
            for b in theirs:
                if (b not in found and not _declared_in(nb, b, la) and nb.decision(node, b) is None
                        and not _declared_apart(mine_declared, nb.concept(b))):  # fmt: skip
                    found[b] = AUTOMATIC
    return found


def concept_links(nb: Neighbourhood[N], node: N) -> dict[N, str]:
    """Every entry of another language in ``node``'s concept, with how it is
    linked: ``direct_links``, plus (``AUTOMATIC``) the members reached through
    them when the component holds at most one group per language."""
    direct = direct_links(nb, node)
    if not nb.steps.concepts:
        return direct
    component: dict[N, dict[N, str]] = {node: direct}
    queue = list(direct)
    while queue and len(component) <= MAX_CONCEPT:
        current = queue.pop()
        if current in component:
            continue
        component[current] = links = direct_links(nb, current)
        queue += [b for b in links if b not in component]
    if queue and any(b not in component for b in queue):
        return direct  # larger than any one concept: a chain
    groups: dict[str, set[N]] = {}
    for member in component:
        groups.setdefault(nb.lang(member), set()).add(min(group(nb, member), key=repr))
    if any(len(g) > 1 for g in groups.values()):
        return direct
    la = nb.lang(node)
    out = dict(direct)
    declared = nb.concept(node)
    for member in component:
        if (member not in out and nb.lang(member) != la and nb.decision(node, member) != REJECTED
                and not _declared_apart(declared, nb.concept(member))):  # fmt: skip
            out[member] = AUTOMATIC
    return {b: status for b, status in out.items()
            if status == DECLARED or nb.decision(node, b) != REJECTED}  # fmt: skip


SAME_NAME = "same name"  # a same-language entry of the group (shared term, English name, acronym)
ANCHOR = "anchor"


def concept_members(nb: Neighbourhood[N], node: N) -> dict[N, str]:
    """``node``'s whole concept, each member with how it joined, seen from
    ``node``: the anchor, its same-language group (declared or same name), and
    ``concept_links``."""
    out: dict[N, str] = {node: ANCHOR}
    here = set(nb.declared_here(node))
    for other in group(nb, node):
        if other != node:
            out[other] = DECLARED if other in here else SAME_NAME
    for other, status in concept_links(nb, node).items():
        out.setdefault(other, status)
    return out


AUTO_PREFIX = "auto-"  # no colon: a concept id is also a TBX conceptEntry id (an NCName)


class _Named(Protocol):
    id: str
    concept: str | None


def concept_id(entries: Iterable[_Named]) -> str:
    """A concept's id: the concept id a termbase declared for it (the smallest, if
    members declare several), else ``auto-`` and its smallest entry id. Stable
    while that entry stays in the concept; any member's entry id finds it too."""
    entries = list(entries)
    declared = sorted({e.concept for e in entries if e.concept})
    return declared[0] if declared else AUTO_PREFIX + min(e.id for e in entries)

"""The claims registry: every figure Glossa states, with the command that measures it.

Why: a figure typed into a README drifts from what the code does (the README once
said 0.760 where ``glossa eval`` printed 0.7622). Here each figure is a record
(``claims.toml``) naming its command, its result file and its place in it, its
value and tolerance, and when it was measured; the README and the docs show it
through a marker, ``<!--claim:ID-->0.760<!--/claim-->``, that ``render`` rewrites
from the registry and a test keeps in step. pyserini's reproduction pages are the
model: one command per claim, anyone can run it.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from benchmarks.harness import ROOT, TRACKED

REGISTRY = Path(__file__).resolve().parent / "claims.toml"
CHECKS = ("ci", "fast", "slow")
MARKER = re.compile(r"<!--claim:([\w.-]+)-->(.*?)<!--/claim-->", re.S)
# Where figures are shown: the README and every Markdown page of the docs.
PAGES = ("README.md", "docs")
# A measured figure, which no page or docstring may type by hand: a number with a
# unit of time, size or ratio, or a metric written with two to four decimals.
# Pages show such figures only through a claim marker; code blocks and inline code
# (commands, sample output) are not prose.
FIGURE = re.compile(
    r"(?<![\w.-])\d+(?:[.,]\d+)?(?:[–-]\d+(?:[.,]\d+)?)?(?:\s?(?:ms|MB|GB|GiB|×|x)|\s(?:s|min))(?![\w/])"
    r"|(?<![\w.])0\.\d{2,4}(?!\d)"
)


def prose(text: str) -> str:
    """A Markdown page without fenced code, inline code, HTML comments' claim
    markers (with their figures) and link targets."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    text = MARKER.sub("", text)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    text = re.sub(r"`[^`\n]*`", "", text)
    return re.sub(r"\]\([^)]*\)", "]", text)


@dataclass(frozen=True)
class Claim:
    id: str
    says: str
    command: str
    result: str  # path under benchmarks/results/ (or a run's --out folder)
    key: tuple[str | int, ...]
    value: float
    format: str
    tolerance: float
    checked: str
    measured: str
    unit: str = ""

    @property
    def question(self) -> str:
        return self.result.split("/")[0]

    def shown(self, value: float | None = None) -> str:
        """The figure as pages show it: formatted, with its unit."""
        value = self.value if value is None else value
        text = format(int(value) if self.format == "d" else value, self.format)
        return f"{text}{'' if self.unit in ('', '×') else ' '}{self.unit}"

    def read(self, folder: Path) -> float:
        """This claim's figure in a run's results ``folder`` (laid out as
        ``benchmarks/results``: ``<question>/<file>``, or the file directly)."""
        path = folder / self.result
        if not path.is_file():
            path = folder / Path(self.result).name
        value = json.loads(path.read_text(encoding="utf-8"))
        for step in self.key:
            value = value[step]
        return float(value)

    def holds(self, measured: float) -> bool:
        return abs(measured - self.value) <= self.tolerance + 1e-12


def load(path: Path = REGISTRY) -> list[Claim]:
    """Every claim, validated: unique ids, a known ``checked``, a result file
    under a question's folder, the formats Python understands."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))["claim"]
    claims, seen = [], set()
    for i, row in enumerate(raw, 1):
        where = f"{path.name}: claim {i} ({row.get('id', '?')})"
        try:
            claim = Claim(**{**row, "key": tuple(row["key"])})
        except TypeError as e:
            raise ValueError(f"{where}: {e}") from None
        if claim.id in seen:
            raise ValueError(f"{where}: id used twice")
        if claim.checked not in CHECKS:
            raise ValueError(f"{where}: checked must be one of {CHECKS}")
        format(1.0 if claim.format != "d" else 1, claim.format)
        seen.add(claim.id)
        claims.append(claim)
    return claims


def by_id(claims: Iterable[Claim]) -> dict[str, Claim]:
    return {c.id: c for c in claims}


def markdown_pages(root: Path = ROOT) -> Iterator[Path]:
    for name in PAGES:
        path = root / name
        yield from sorted(path.rglob("*.md")) if path.is_dir() else [path]


def render(text: str, claims: dict[str, Claim]) -> str:
    """``text`` with every claim marker's figure rewritten from the registry; an
    unknown id is an error (a page must not cite a claim that is not kept)."""

    def one(match: re.Match) -> str:
        claim = claims.get(match[1])
        if claim is None:
            raise KeyError(f"unknown claim {match[1]!r}")
        return f"<!--claim:{claim.id}-->{claim.shown()}<!--/claim-->"

    return MARKER.sub(one, text)


def cited(text: str) -> list[str]:
    return [m[1] for m in MARKER.finditer(text)]


def tracked_value(claim: Claim) -> float:
    return claim.read(TRACKED)

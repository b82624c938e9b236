"""The claims registry (benchmarks/claims.toml) against the tracked results, the
pages that show its figures, and (for the claims marked ``ci``) a fresh
measurement with the real model."""

from __future__ import annotations

import importlib.util
import re
import shlex

import pytest

from benchmarks.claims import (
    FIGURE,
    by_id,
    cited,
    load,
    markdown_pages,
    prose,
    render,
    tracked_value,
)
from benchmarks.harness import ROOT, TRACKED

CLAIMS = load()

def test_every_claim_holds_against_its_tracked_result():
    wrong = {c.id: (c.value, tracked_value(c)) for c in CLAIMS if not c.holds(tracked_value(c))}
    assert wrong == {}, "claims.toml and benchmarks/results disagree (value, tracked)"


def test_every_claim_names_a_runnable_command():
    for claim in CLAIMS:
        argv = shlex.split(claim.command)
        assert argv[:2] == ["python", "-m"], claim.id
        assert importlib.util.find_spec(argv[2]) is not None, (claim.id, argv[2])
        assert claim.result.split("/")[0] == argv[2].split(".")[1], claim.id


def test_pages_show_registry_figures_only():
    known = by_id(CLAIMS)
    for page in markdown_pages():
        text = page.read_text(encoding="utf-8")
        assert set(cited(text)) <= set(known), page
        assert render(text, known) == text, f"{page}: run python -m benchmarks render"
        typed = FIGURE.findall(prose(text))
        assert typed == [], f"{page.relative_to(ROOT)}: figures typed by hand: {typed}"


def test_the_figure_scan_finds_typed_figures():
    """The scan above must be able to fail."""
    assert FIGURE.findall(prose("hybrid p50 23.5 ms; nDCG@10 0.760; 3.5 GB")) == [
        "23.5 ms", "0.760", "3.5 GB"]  # fmt: skip
    assert FIGURE.findall(prose("`--seconds 60 s` <!--claim:x-->0.760<!--/claim-->")) == []


def test_every_results_file_cited_exists():
    """No page, docstring or script cites a result file that is not there."""
    cited_files = re.compile(r"(?<![\w-])results/((?:[\w-]+/)?[\w.-]+?)\.(?:md|json|png)\b")
    missing = []
    for path in [*ROOT.glob("*.md"), *(ROOT / "docs").rglob("*.md")] + [
        p for folder in ("analysis", "api", "benchmarks", "concepts", "corpus", "glossa",
                         "indexer", "recognition", "search")  # fmt: skip
        for p in (ROOT / folder).rglob("*.py")
    ]:
        for stem in cited_files.findall(path.read_text(encoding="utf-8")):
            if not any((TRACKED / f"{stem}.{ext}").exists() for ext in ("md", "json")):
                missing.append(f"{path.relative_to(ROOT)}: {stem}")
    assert missing == []


@pytest.mark.slow
def test_ci_claims_hold_when_measured_again(real_searcher):
    """The ``ci`` claims are deterministic (the gold set's quality): measured
    again here with the real model over the session's index of the bundled
    glossaries (the gold set's corpus), they hold within their tolerance."""
    from glossa.search.evaluation import evaluate_run, load_beir, searcher_run

    ci = [c for c in CLAIMS if c.checked == "ci"]
    assert ci
    splits = {"gold test": "test", "gold dev": "dev"}
    measured: dict[tuple[str, str], dict] = {}
    for part, mode in sorted({(c.key[0], c.key[1]) for c in ci}):  # each part and mode once
        dataset = load_beir(ROOT / "benchmarks" / "gold" / "beir", splits[part])
        run = searcher_run(real_searcher, dataset.queries, mode)
        measured[part, mode] = evaluate_run(dataset.qrels, run, ["ndcg@10"])  # the one metric claimed
    for claim in ci:
        part, mode, _, metric = claim.key
        got = measured[part, mode][metric]
        assert claim.holds(got), (claim.id, claim.value, got)

LIBRARY = ("analysis", "api", "concepts", "corpus", "glossa", "indexer", "recognition", "search")
CITED = re.compile(r"(\S+(?: (?:ms|s|MB|GB|×))?) \[claim ([\w.-]+)\]")


def docstrings():
    import ast

    for folder in LIBRARY:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                    doc = ast.get_docstring(node, clean=False)
                    if doc:
                        yield f"{path.relative_to(ROOT)}:{getattr(node, 'name', '<module>')}", doc


def test_docstrings_state_figures_only_as_claims():
    """A docstring's measured figure is written ``0.732 [claim ID]``: the registry
    holds it and this test keeps the two equal; any other typed figure fails."""
    known = by_id(CLAIMS)
    typed, wrong = [], []
    for where, doc in docstrings():
        for figure, claim_id in CITED.findall(doc):
            claim = known.get(claim_id)
            if claim is None or claim.shown() != figure.rstrip(".,;)"):
                wrong.append((where, figure, claim_id, claim and claim.shown()))
        rest = re.sub(r"``[^`]*``|`[^`]*`", "", CITED.sub("", doc))
        typed += [(where, f) for f in FIGURE.findall(rest)]
    assert wrong == [] and typed == []

"""Every benchmark module imports: a moved or renamed library module fails here,
not on the day someone runs the benchmark to check a claim. Each benchmark lives
in the package of the question it answers and runs on the one harness."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from benchmarks.harness import QUESTIONS

HERE = Path(__file__).resolve().parents[2] / "benchmarks"
MODULES = sorted(
    ".".join(p.relative_to(HERE.parent).with_suffix("").parts)
    for p in HERE.rglob("*.py") if p.stem != "__init__" and "schxslt" not in p.parts
)  # fmt: skip
SCRIPTS = [m for m in MODULES if m.split(".")[1] in QUESTIONS]


@pytest.mark.parametrize("name", MODULES)
def test_benchmark_imports(name):
    importlib.import_module(name)


def test_every_script_answers_a_question():
    """No benchmark script outside a question's package: the layout is the index."""
    loose = [p.name for p in HERE.glob("*.py")
             if p.stem not in {"__init__", "__main__", "harness", "claims"}]  # fmt: skip
    assert loose == [], f"put these in one of {QUESTIONS}: {loose}"
    assert len(SCRIPTS) >= 35


@pytest.mark.parametrize("name", SCRIPTS)
def test_script_writes_where_it_is_told(name):
    """Every script takes --out/--update from the harness (no results path of its
    own), so a run never overwrites the tracked results unless asked to."""
    source = (HERE.parent / (name.replace(".", "/") + ".py")).read_text(encoding="utf-8")
    assert "parse_args(parser" in source or "parse_args(argparse" in source, name
    assert "/ \"results\"" not in source, name

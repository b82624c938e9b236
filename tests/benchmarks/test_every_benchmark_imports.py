"""Every benchmark script imports: a moved or renamed library module fails here,
not on the day someone runs the benchmark to check a claim."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

BENCHMARKS = sorted(
    p.stem for p in (Path(__file__).resolve().parents[2] / "benchmarks").glob("*.py")
    if p.stem != "__init__"
)  # fmt: skip


@pytest.mark.parametrize("name", BENCHMARKS)
def test_benchmark_imports(name):
    importlib.import_module(f"benchmarks.{name}")

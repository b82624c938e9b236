"""The house keeps its layering: imports run one way (``[tool.importlinter]`` in
pyproject.toml, ``docs/architecture.md``).

The folders sit at the top of the repository but install as ``glossa.corpus``,
``glossa.analysis``, ... (setuptools' ``package-dir``), and import-linter walks a
package's directory, so the check lays the package out as it installs (from
pyproject's own package map) in a temporary directory and lints that. A wrong-way
import then fails here with the line that made it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"


def _installed_layout(target: Path) -> Path:
    """Copy every package's modules to where ``pip install`` puts them."""
    setuptools = tomllib.loads(PYPROJECT.read_text())["tool"]["setuptools"]
    folders: dict[str, str] = setuptools["package-dir"]
    for package in setuptools["packages"]:
        top = max((p for p in folders if package == p or package.startswith(p + ".")), key=len)
        source = ROOT / folders[top] / Path(*package[len(top) :].split(".")[1:])
        destination = target / Path(*package.split("."))
        destination.mkdir(parents=True, exist_ok=True)
        for module in source.glob("*.py"):
            shutil.copy2(module, destination / module.name)
    shutil.copy2(PYPROJECT, target / "pyproject.toml")
    return target


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    lint = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(lint), str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


@pytest.fixture()
def installed(tmp_path: Path) -> Path:
    if not Path(sys.executable).with_name("lint-imports").exists():
        pytest.fail("import-linter is not installed: pip install -e '.[test]'")
    return _installed_layout(tmp_path / "site")


def test_every_package_is_laid_out_and_every_module_copied(installed: Path):
    rooms = sorted(p.name for p in (installed / "glossa").iterdir() if p.is_dir())
    assert rooms == ["analysis", "api", "cli", "concepts", "corpus", "indexer", "recognition", "search"]
    modules = {p.relative_to(installed).as_posix() for p in installed.rglob("*.py")}
    assert "glossa/indexer/store/segments.py" in modules
    assert "glossa/analysis/folding.py" in modules


def test_imports_run_one_way(installed: Path):
    result = _lint(installed)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line"),
    [
        # the write path may not use the read path, nor text analysis the write path
        ("indexer/store/_wrong.py", "from glossa.search.searcher import Searcher"),
        ("analysis/_wrong.py", "from glossa.indexer.store.postings import Postings"),
        ("concepts/_wrong.py", "import fastapi"),
        # a new room must be placed in the layers before it is used
        ("lost/__init__.py", "import glossa.corpus"),
    ],
)
def test_a_wrong_way_import_fails_with_its_line(installed: Path, module: str, line: str):
    path = installed / "glossa" / module
    path.parent.mkdir(exist_ok=True)
    path.write_text(f"{line}\n")
    result = _lint(installed)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    if module.endswith("_wrong.py"):
        name = "glossa." + module.removesuffix(".py").replace("/", ".")
        assert re.search(rf"-\s+{re.escape(name)} -> \S+ \(l\.1\)", result.stdout), result.stdout

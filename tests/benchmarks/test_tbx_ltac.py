"""The TBX check against LTAC-Global's schemas (benchmarks/robustness/tbx_ltac.py): its
Schematron pipeline (the vendored SchXslt, run by SaxonC-HE) on a Schematron of
our own that uses XPath 2 as LTAC's does, and, when LTAC's own schema files are
at hand (GLOSSA_LTAC_SCHEMAS; Glossa cannot ship them: no licence is stated),
every export against them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("saxonche")
from benchmarks.robustness.tbx_ltac import schematron  # noqa: E402

SCH = """<schema queryBinding="xslt2" xmlns="http://purl.oclc.org/dsdl/schematron">
  <ns uri="urn:iso:std:iso:30042:ed-2" prefix="tbx"/>
  <pattern><rule context="tbx:conceptEntry">
    <assert test="matches(@id, '^c[0-9]+$')">a conceptEntry id is c and digits</assert>
  </rule></pattern>
</schema>"""
TBX = """<tbx type="TBX-Basic" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2">
<text><body><conceptEntry id="{id}"/></body></text></tbx>"""


def test_the_schematron_pipeline_finds_what_an_xpath_2_rule_forbids(tmp_path):
    sch = tmp_path / "rule.sch"
    sch.write_text(SCH, encoding="utf-8")
    check = schematron(sch)
    good, bad = tmp_path / "good.tbx", tmp_path / "bad.tbx"
    good.write_text(TBX.format(id="c12"), encoding="utf-8")
    bad.write_text(TBX.format(id="glossa-entry-1"), encoding="utf-8")
    assert check(good) == []
    [failed] = check(bad)
    assert failed.startswith("a conceptEntry id is c and digits")


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("GLOSSA_LTAC_SCHEMAS"),
                    reason="set GLOSSA_LTAC_SCHEMAS to a folder with LTAC-Global's "
                    "TBXcoreStructV03.rng and TBX-Basic_DCA.sch")  # fmt: skip
def test_every_export_validates_against_ltac_schemas(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.robustness.tbx_ltac", "--schemas", os.environ["GLOSSA_LTAC_SCHEMAS"],
         "--out", str(tmp_path)],
        capture_output=True, text=True, check=False, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr

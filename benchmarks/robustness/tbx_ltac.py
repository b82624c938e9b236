"""Glossa's TBX exports against LTAC-Global's own TBX-Basic schemas.

    python -m benchmarks.robustness.tbx_ltac --schemas DIR [--out DIR]

``DIR`` holds LTAC-Global's ``TBXcoreStructV03.rng`` (github.com/LTAC-Global/
TBX_Core_RNG) and ``TBX-Basic_DCA.sch`` (github.com/LTAC-Global/TBX-Basic_dialect,
``DCA/``). Glossa does not ship them: neither repository states a licence. The
RELAX NG schema runs in lxml (libxml2); the Schematron uses XPath 2
(``matches()``), so it is compiled to XSLT 2 by SchXslt (MIT, vendored in
``benchmarks/schxslt``) and run by SaxonC-HE (``pip install saxonche``).

Checked: ``glossa export -f tbx`` of the bundled index (all entries; with
``--equivalents``; ``--lang pl``), of ``examples/cx-termbase.tbx`` indexed, and
that export re-indexed and exported again (a round trip). Each file: RNG errors
and Schematron failed assertions, with the first of each.

Writes ``tbx_ltac.{md,json}`` under ``--out`` (default: a temporary directory).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.harness import markdown_table, parse_args, write_results

ROOT = Path(__file__).resolve().parents[2]
SCHXSLT = Path(__file__).resolve().parents[1] / "schxslt" / "pipeline-for-svrl.xsl"
SVRL = "{http://purl.oclc.org/dsdl/svrl}"


def glossa(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "glossa.cli", *args], check=True, capture_output=True,
                   cwd=ROOT)  # fmt: skip


def exports(tmp: Path) -> dict[str, Path]:
    """Every export the check covers, written under ``tmp``."""
    bundled, example, again = tmp / "bundled", tmp / "example", tmp / "again"
    glossa("index", "--out", str(bundled))
    glossa("index", str(ROOT / "examples" / "cx-termbase.tbx"), "--out", str(example))
    files = {
        "bundled": ["--index", str(bundled)],
        "bundled --equivalents": ["--index", str(bundled), "--equivalents"],
        "bundled --lang pl": ["--index", str(bundled), "--lang", "pl"],
        "examples/cx-termbase.tbx": ["--index", str(example)],
    }
    out = {}
    for name, args in files.items():
        path = tmp / f"{len(out)}.tbx"
        glossa("export", "-f", "tbx", "-o", str(path), *args)
        out[name] = path
    glossa("index", str(out["examples/cx-termbase.tbx"]), "--out", str(again))
    out["round trip"] = tmp / "round-trip.tbx"
    glossa("export", "-f", "tbx", "-o", str(out["round trip"]), "--index", str(again))
    return out


def schematron(sch: Path):
    """A function from a TBX file to its failed assertions (SVRL), the
    Schematron compiled once."""
    from lxml import etree
    from saxonche import PySaxonProcessor

    processor = PySaxonProcessor(license=False)
    xslt = processor.new_xslt30_processor()
    compiled = xslt.transform_to_string(source_file=str(sch), stylesheet_file=str(SCHXSLT))
    validator = xslt.compile_stylesheet(stylesheet_text=compiled)

    def check(path: Path) -> list[str]:
        svrl = validator.transform_to_string(source_file=str(path))
        report = etree.fromstring(svrl.encode())
        return [" ".join(failed.findtext(f"{SVRL}text", "").split()) + f" ({failed.get('location')})"
                for failed in report.iter(f"{SVRL}failed-assert")]  # fmt: skip

    return check


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schemas", type=Path, required=True,
                        help="folder with TBXcoreStructV03.rng and TBX-Basic_DCA.sch")  # fmt: skip
    args = parse_args(parser)
    from lxml import etree

    rng = etree.RelaxNG(etree.parse(str(args.schemas / "TBXcoreStructV03.rng")))
    sch = schematron(args.schemas / "TBX-Basic_DCA.sch")
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in exports(Path(tmp)).items():
            document = etree.parse(str(path))
            valid = rng.validate(document)
            errors = [str(e) for e in rng.error_log] if not valid else []
            failed = sch(path)
            rows[name] = {
                "concepts": len(document.getroot().findall(".//{*}conceptEntry")),
                "rng_errors": len(errors), "schematron_failed": len(failed),
                "first_problem": (errors or failed or ["none"])[0][:160],
            }  # fmt: skip
    text = ("Every TBX export against LTAC-Global's TBX core RELAX NG (lxml) and TBX-Basic "
            "DCA Schematron (SchXslt + SaxonC-HE).\n\n" + markdown_table(rows, "export"))
    total = {k: sum(r[k] for r in rows.values()) for k in ("concepts", "rng_errors", "schematron_failed")}
    write_results("tbx_ltac", "TBX exports against LTAC's schemas", text,
                  {"rows": rows, "total": total})  # fmt: skip
    if any(r["rng_errors"] or r["schematron_failed"] for r in rows.values()):
        raise SystemExit(1)


if __name__ == "__main__":
    main()

"""``python -m benchmarks``: the claims registry from the command line.

    python -m benchmarks list              # every claim, its value, command and when measured
    python -m benchmarks check [--all] [ID ...]
                                           # re-run the ci and fast claims' commands (--all: every
                                           # claim, slow ones too) and compare within tolerance
    python -m benchmarks check --tracked   # compare the registry with the tracked result files only
    python -m benchmarks render            # rewrite the figures in the README and docs/ from the registry

Commands run from the repository root with ``--out`` a temporary folder, so a
check never touches the tracked results. Exit 1 when a claim does not hold.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.claims import Claim, by_id, load, markdown_pages, render, tracked_value
from benchmarks.harness import ROOT, markdown_table


def _list(claims: list[Claim]) -> int:
    rows = {c.id: {"value": c.shown(), "checked": c.checked, "command": f"`{c.command}`",
                   "result": c.result, "measured": c.measured} for c in claims}  # fmt: skip
    print(markdown_table(rows, "claim"))
    return 0


def _compare(claims: list[Claim], measured: dict[str, float | str]) -> int:
    rows, failed = {}, 0
    for c in claims:
        got = measured[c.id]
        ok = not isinstance(got, str) and c.holds(got)
        failed += not ok
        rows[c.id] = {"claimed": c.shown(), "measured": got if isinstance(got, str) else c.shown(got),
                      "tolerance": c.tolerance, "holds": "yes" if ok else "**NO**"}  # fmt: skip
    print(markdown_table(rows, "claim"))
    print(f"\n{len(claims) - failed} of {len(claims)} claims hold", file=sys.stderr)
    return 1 if failed else 0


def _run(claims: list[Claim]) -> dict[str, float | str]:
    """Each distinct command once, with ``--out`` a temporary folder; a command
    whose arguments name data outside the repository (upper-case placeholders)
    is reported, not guessed."""
    measured: dict[str, float | str] = {}
    for command in dict.fromkeys(c.command for c in claims):
        these = [c for c in claims if c.command == command]
        argv = shlex.split(command)
        if any(a.isupper() and len(a) > 2 for a in argv):
            for c in these:
                measured[c.id] = "needs data: " + " ".join(a for a in argv if a.isupper())
            continue
        argv[0] = sys.executable if argv[0] == "python" else argv[0]
        with tempfile.TemporaryDirectory(prefix="glossa-claims-") as out:
            print(f"$ {command} --out {out}", file=sys.stderr, flush=True)
            done = subprocess.run([*argv, "--out", out], cwd=ROOT)
            for c in these:
                try:
                    measured[c.id] = c.read(Path(out))
                except (OSError, KeyError, IndexError, ValueError) as e:
                    measured[c.id] = f"not measured (exit {done.returncode}: {e!r})"
    return measured


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    sub = parser.add_subparsers(dest="what", required=True)
    sub.add_parser("list")
    check = sub.add_parser("check")
    check.add_argument("ids", nargs="*")
    check.add_argument("--all", action="store_true", help="slow claims too")
    check.add_argument("--tracked", action="store_true", help="read the tracked results, run nothing")
    sub.add_parser("render")
    args = parser.parse_args(argv)
    claims = load()
    if args.what == "list":
        return _list(claims)
    if args.what == "render":
        known = by_id(claims)
        for page in markdown_pages():
            text = page.read_text(encoding="utf-8")
            new = render(text, known)
            if new != text:
                page.write_text(new, encoding="utf-8")
                print(f"rendered {page.relative_to(ROOT)}", file=sys.stderr)
        return 0
    chosen = [c for c in claims if (not args.ids or c.id in args.ids)
              and (args.all or args.ids or args.tracked or c.checked != "slow")]  # fmt: skip
    unknown = set(args.ids) - {c.id for c in claims}
    if unknown:
        parser.error(f"unknown claim {', '.join(sorted(unknown))}")
    if args.tracked:
        return _compare(chosen, {c.id: tracked_value(c) for c in chosen})
    return _compare(chosen, _run(chosen))


if __name__ == "__main__":
    raise SystemExit(main())

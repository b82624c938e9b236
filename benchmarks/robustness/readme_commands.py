"""Every command the README and the docs show, run as written.

    python -m benchmarks.robustness.readme_commands [--page README.md ...]

Takes the command lines from the pages themselves (default: README.md and every
page under docs/): every line of a ``bash`` block that runs ``.venv/bin/glossa``
(optionally after ``VAR=value`` settings), except a bare ``serve`` (it runs
until stopped; its routes have their own tests). A block that starts a server
in the background (``serve &``), as the API examples do, runs whole as one
script, waiting for the server's health as the block itself says, and the server
is stopped after it.
An ``export`` line applies to every command below it, as in a shell. Runs them in order, in a fresh directory that links the checkout's
``examples/`` and ``.venv/``, with an empty ``HOME`` (so the first search
builds the default index, as after the README's first command). A command
passes when it exits 0, or 2 where the README says exit 2 means problems
found, or when it fails and the README line names the extra it needs
(``needs the [x] extra``) and its error message names that extra too.

Writes ``results/robustness/readme_commands.{md,json}``; exits 1 if any command fails.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import markdown_table, parse_args, write_results

ROOT = Path(__file__).resolve().parents[2]
COMMAND = re.compile(r"^((?:[A-Z_]+=\S+ )*)\.venv/bin/glossa (.*)$")


def shell_blocks(page: Path) -> list[list[tuple[int, str]]]:
    """The lines of each ``bash``/``sh``/``shell`` code block of a page, with
    their line numbers."""
    blocks, block = [], None
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("```"):
            if block is not None:
                blocks.append(block)
            block = [] if line.strip() in ("```bash", "```sh", "```shell") else None
        elif block is not None:
            block.append((number, line))
    return blocks


def server_blocks(page: Path) -> list[tuple[int, str]]:
    """(first line, script) of each shell block that starts ``glossa serve &``."""
    return [(block[0][0], "\n".join(line for _, line in block)) for block in shell_blocks(page)
            if any("serve &" in line for _, line in block)]  # fmt: skip


def readme_commands(readme: Path) -> list[tuple[int, str, str, dict[str, str]]]:
    """(line number, command, comment, settings) of each glossa command in a
    shell block; ``settings`` are what ``export`` lines above it set (they last,
    as in the reader's shell; a Milvus server address becomes a Milvus Lite
    file, which the README says the URI may be: no Milvus deployment is
    reachable from here)."""
    out, exported = [], {}
    for number, line in (item for block in shell_blocks(readme) for item in block):
        if line.startswith("export "):
            for pair in line.partition("#")[0].split()[1:]:
                key, _, value = pair.partition("=")
                exported[key] = "./milvus.db" if value.startswith("http") else value
            exported.pop("GLOSSA_MILVUS_TOKEN", None)
            continue
        match = COMMAND.match(line)
        if not match or match.group(2).split()[0] == "serve" or "…" in line or "/data/" in line:
            continue
        command, _, comment = line.partition("  #")
        out.append((number, command.strip(), comment.strip(), dict(exported)))
    return out


def judge(code: int, output: str, comment: str) -> tuple[bool, str]:
    if code == 0:
        return True, "ok"
    if code == 2 and "exit 2" in comment:
        return True, "exit 2: problems found, as the README says"
    extra = re.search(r"needs the \[(\w+)\] extra", comment)
    if extra and f"[{extra.group(1)}]" in output:
        return True, f"needs [{extra.group(1)}], and says so"
    return False, f"exit {code}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", type=Path, action="append",
                        help="a Markdown page (repeatable; default: README.md and docs/**/*.md)")  # fmt: skip
    args = parse_args(parser)
    pages = args.page or [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    commands = [(page, number, command, comment, exported) for page in pages
                for number, command, comment, exported in readme_commands(page)]  # fmt: skip
    scripts = [(page, number, script) for page in pages for number, script in server_blocks(page)]
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        work, home = Path(tmp) / "work", Path(tmp) / "home"
        work.mkdir()
        home.mkdir()
        for name in ("examples", ".venv"):
            (work / name).symlink_to(ROOT / name)
        env = {k: v for k, v in os.environ.items() if not k.startswith("GLOSSA_")}
        env["HOME"] = str(home)
        for page, number, command, comment, exported in commands:
            started = time.perf_counter()
            proc = subprocess.run(["bash", "-c", command], cwd=work, env={**env, **exported},
                                  capture_output=True, text=True, timeout=1800, check=False)  # fmt: skip
            output = proc.stdout[-2000:] + proc.stderr
            passed, why = judge(proc.returncode, output, comment)
            said = next((x for x in proc.stderr.splitlines() if "error" in x.lower()), "")
            rows[f"{page.name}:{number}"] = {
                "command": command.replace(".venv/bin/", "")[:70], "passed": passed,
                "why": why, "seconds": round(time.perf_counter() - started, 1),
                "tracebacks": proc.stderr.count("Traceback"), "error said": said[:90],
            }  # fmt: skip
            print(page.name, number, rows[f"{page.name}:{number}"], flush=True)
        for page, number, script in scripts:
            started = time.perf_counter()
            wrapped = f"set -e\ntrap 'kill $(jobs -p) 2>/dev/null' EXIT\n{script}\n"
            proc = subprocess.run(["bash", "-c", wrapped], cwd=work, env=env, capture_output=True,
                                  text=True, timeout=600, check=False)  # fmt: skip
            rows[f"{page.name}:{number}"] = {
                "command": "(block with serve &) " + script.splitlines()[-1][:50],
                "passed": proc.returncode == 0, "why": f"exit {proc.returncode}",
                "seconds": round(time.perf_counter() - started, 1),
                "tracebacks": proc.stderr.count("Traceback"), "error said": proc.stderr[-90:],
            }  # fmt: skip
            print(page.name, number, rows[f"{page.name}:{number}"], flush=True)
    failed = [k for k, r in rows.items() if not r["passed"]]
    text = (
        markdown_table(rows, "line")
        + f"\n\n{len(rows) - len(failed)} of {len(rows)} commands pass"
        + (f"; failing: {', '.join(failed)}" if failed else "")
        + f". Empty HOME, a fresh directory; load average {os.getloadavg()[0]:.2f}; 2 cores."
    )
    write_results("readme_commands", "README and docs commands, run as written", text, rows)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

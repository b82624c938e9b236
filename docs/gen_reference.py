"""The reference pages, generated from the code at every docs build (mkdocs-gen-files).

Why generated: a reference typed by hand drifts from the code. Here the CLI page
comes from the typer app (mkdocs-click), the settings page from the ``Settings``
model (every ``GLOSSA_*`` variable, its default and its meaning), the HTTP page
from the app's OpenAPI schema, the errors page from ``ErrorKind`` and the one
table that maps kinds to HTTP answers, and the claims and benchmarks pages from
``benchmarks/claims.toml`` and the benchmark modules' own docstrings. Nothing is
written into the checkout: the pages exist only in the build.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import mkdocs_gen_files

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the benchmarks package lives in the checkout, not the install
    sys.path.insert(0, str(ROOT))


def cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def cli_page() -> str:
    """Every command, its usage and every option, read from the typer app's click
    commands (their own help records: what ``--help`` prints). Typer's parameters
    no longer subclass click's, so mkdocs-click cannot read them: this walks them."""
    from glossa.cli.as_click import command

    lines = ["# Command line", "",
             "Every command and option of `glossa`, generated from the program itself "
             "(`glossa COMMAND --help` prints the same).", ""]  # fmt: skip

    def walk(cmd, path: list[str], parent) -> None:
        ctx = type(parent)(cmd, info_name=path[-1], parent=parent) if parent else None
        if ctx is None:
            import click

            ctx = click.Context(cmd, info_name=path[-1])
        if path[1:]:
            level = "#" * min(len(path), 4)
            lines.extend([f"{level} {' '.join(path)}", ""])
            if cmd.help:
                lines.extend([cmd.help.strip().split("\n\n")[0], ""])
            pieces = " ".join(cmd.collect_usage_pieces(ctx))
            lines.extend(["```text", f"{' '.join(path)} {pieces}", "```", ""])
            records = [p.get_help_record(ctx) for p in cmd.get_params(ctx)]
            records = [r for r in records if r and "--help" not in r[0]]
            if records:
                lines.extend(["| option | meaning |", "|---|---|"])
                lines.extend(f"| `{cell(name)}` | {cell(text)} |" for name, text in records)
                lines.append("")
        for name in sorted(getattr(cmd, "commands", {})):
            sub = cmd.commands[name]
            if not sub.hidden:
                walk(sub, [*path, name], ctx)

    walk(command, ["glossa"], None)
    return "\n".join(lines) + "\n"


def settings_page() -> str:
    from pydantic_core import PydanticUndefined

    from glossa.settings import Settings

    prefix = Settings.model_config.get("env_prefix", "")
    lines = [
        "# Settings",
        "",
        "Every setting is an environment variable (or a line of a `.env` file in the "
        "working directory). Generated from `glossa/settings.py`.",
        "",
        "| variable | default | meaning |",
        "|---|---|---|",
    ]
    for name, field in Settings.model_fields.items():
        if field.default is PydanticUndefined or field.default_factory is not None:
            default = "computed (see meaning)"
        else:
            default = f"`{json.dumps(field.default, default=str)}`"
        meaning = field.description or ""
        lines.append(f"| `{prefix}{name.upper()}` | {cell(default)} | {cell(meaning)} |")
    return "\n".join(lines) + "\n"


def http_page() -> tuple[str, dict]:
    from glossa.api.app import create_app

    schema = create_app(background=False).openapi()
    lines = [
        "# HTTP API",
        "",
        "Generated from the app's OpenAPI schema ([openapi.json](openapi.json); a "
        "running server also serves it at `/openapi.json`, with Swagger UI at `/docs`). "
        "Every route below is also served under `/termbases/{termbase}/` for a "
        "termbase other than the first. Errors have one shape: see [Errors](errors.md).",
        "",
    ]
    for path, operations in schema["paths"].items():
        if path.startswith("/termbases/{termbase}/") or path.startswith("/termbases/{name}/"):
            continue
        for method, op in operations.items():
            lines += [f"## `{method.upper()} {path}`", ""]
            if op.get("summary"):
                lines += [f"**{op['summary']}**", ""]
            if op.get("description"):
                lines += [op["description"].strip(), ""]
            params = op.get("parameters", [])
            if params:
                lines += ["| parameter | in | required | meaning |", "|---|---|---|---|"]
                for p in params:
                    lines.append(f"| `{p['name']}` | {p['in']} | {'yes' if p.get('required') else 'no'} | "
                                 f"{cell(p.get('description', ''))} |")  # fmt: skip
                lines.append("")
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            if body:
                ref = body.get("schema", {}).get("$ref", "")
                lines += [f"Body: `{ref.rsplit('/', 1)[-1] or 'JSON'}` (see openapi.json)", ""]
            answers = ", ".join(f"{code} {cell(r.get('description', ''))}"
                                for code, r in op.get("responses", {}).items())  # fmt: skip
            lines += [f"Answers: {answers}", ""]
    return "\n".join(lines) + "\n", schema


def errors_page() -> str:
    from glossa.api.errors import STATUS

    from glossa.errors import ErrorKind

    source = (ROOT / "glossa" / "errors.py").read_text(encoding="utf-8")
    comments = {}
    for line in source.splitlines():
        if "= \"" in line and "#" in line and line.strip()[0].isupper():
            name = line.split("=")[0].strip()
            comments[name] = line.split("#", 1)[1].strip()
    lines = [
        "# Errors",
        "",
        "Every failure a user can act on is a `GlossaError` with a *kind*. The API "
        "answers `{\"error\": {\"code\", \"message\", \"parameter\"}}` with the kind's "
        "status; the CLI prints one line on stderr and exits non-zero. Generated from "
        "`glossa/errors.py` and `api/errors.py`.",
        "",
        "| kind | meaning | HTTP status | `code` | headers |",
        "|---|---|---|---|---|",
    ]
    for kind in ErrorKind:
        status, code, headers = STATUS[kind]
        extra = ", ".join(f"`{k}: {v}`" for k, v in (headers or {}).items())
        lines.append(f"| `{kind.value}` | {cell(comments.get(kind.name, ''))} | {status} | "
                     f"`{code}` | {extra} |")  # fmt: skip
    return "\n".join(lines) + "\n"


def claims_page() -> str:
    from benchmarks.claims import load

    claims = load()
    lines = [
        "# Claims",
        "",
        "Every figure the README and these pages state, with the command that "
        "measures it (run from the repository root; add `--out DIR` to keep the "
        "results), the result file it writes under `benchmarks/results/`, the value "
        "and tolerance, and when it was measured. Generated from "
        "`benchmarks/claims.toml`.",
        "",
        "- `python -m benchmarks check` re-runs the *ci* and *fast* claims and "
        "compares (`--all`: the slow ones too);",
        "- *ci* claims are also measured again by the test suite "
        "(`tests/benchmarks/test_claims.py`);",
        "- *slow* claims are listed with their last measurement: they take long, "
        "depend on the machine's speed, or need data from outside the repository "
        "(the upper-case argument names it).",
        "",
    ]
    for question in dict.fromkeys(c.question for c in claims):
        lines += [f"## {question.capitalize()}", "",
                  "| claim | value | ± | checked | measured | command → result |",
                  "|---|---|---|---|---|---|"]  # fmt: skip
        for c in (c for c in claims if c.question == question):
            lines.append(f"| <span id=\"{c.id}\"></span>**{c.id}**<br>{cell(c.says)} | "
                         f"{cell(c.shown())} | {c.tolerance:g} | {c.checked} | {cell(c.measured)} | "
                         f"`{c.command}` → `{c.result}` |")  # fmt: skip
        lines.append("")
    return "\n".join(lines)


def benchmarks_page() -> str:
    from benchmarks.harness import QUESTIONS

    lines = [
        "# Benchmarks by question",
        "",
        "Each script answers one question and runs on one harness "
        "(`benchmarks/harness.py`): `--out DIR` for its results (a new temporary "
        "folder by default), `--update` to rewrite the tracked "
        "`benchmarks/results/<question>/`, one nearest-rank percentile, the "
        "machine's load written beside every table. Install the extras first: "
        "`pip install -e \".[test,bench]\"`. The first line of each script's "
        "docstring:",
        "",
    ]
    for question in QUESTIONS:
        lines += [f"## {question.capitalize()}", "", "| command | what it measures |", "|---|---|"]
        for path in sorted((ROOT / "benchmarks" / question).glob("*.py")):
            if path.stem == "__init__":
                continue
            doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
            first = doc.split("\n\n")[0]
            lines.append(f"| `python -m benchmarks.{question}.{path.stem}` | {cell(first)} |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    http, schema = http_page()
    pages = {
        "reference/cli.md": cli_page(),
        "reference/settings.md": settings_page(),
        "reference/http-api.md": http,
        "reference/openapi.json": json.dumps(schema, indent=1),
        "reference/errors.md": errors_page(),
        "claims.md": claims_page(),
        "benchmarks.md": benchmarks_page(),
    }
    for name, text in pages.items():
        with mkdocs_gen_files.open(name, "w") as f:
            f.write(text)


main()

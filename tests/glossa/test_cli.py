import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import glossa.runtime
from glossa.cli import app
from tests.fakes import FakeEncoder

runner = CliRunner()


@pytest.fixture()
def use_encoder(monkeypatch):
    def install(encoder):
        monkeypatch.setattr(glossa.runtime, "make_encoder", lambda settings, notify=None, **_: encoder)
        return encoder

    return install


@pytest.fixture()
def index_env(tmp_path, monkeypatch):
    path = tmp_path / "default-index"
    monkeypatch.setenv("GLOSSA_INDEX_DIR", str(path))
    return path


@pytest.mark.parametrize(
    "command",
    [
        "index",
        "search",
        "export",
        "info",
        "equivalents",
        "eval",
        "serve",
        "add",
        "update",
        "delete",
        "rebuild",
        "review",
        "check",
        "restore",
        "optimize",
        "recognize",
        "qa",
        "lint",
        "mcp",
        "termbase",
        "token",
    ],
)
def test_every_command_has_help(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


def test_search_json_shape_with_real_model(real_index_dir, real_encoder, use_encoder):
    use_encoder(real_encoder)
    result = runner.invoke(app, ["search", "what measures customer effort", "--json", "-k", "10",
                                 "--index", str(real_index_dir)])  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)  # exactly one JSON object
    assert set(payload) == {"query", "took_ms", "hits"}
    assert payload["query"] == "what measures customer effort" and payload["took_ms"] > 0
    assert len(payload["hits"]) == 10
    for hit in payload["hits"]:
        assert set(hit) == {
            "id",
            "term",
            "aliases",
            "english",
            "definition",
            "lang",
            "source",
            "source_title",
            "concept",
            "definition_from",
            "term_status",
            "discouraged",
            "score",
        }
    assert {"امتیاز تلاش مشتری", "客户努力得分"} <= {h["term"] for h in payload["hits"]}
    titles = {h["source"]: h["source_title"] for h in payload["hits"]}
    assert titles.get("002_f62ddd5e23a5bbc8.txt") == "واژه نامه آنلاین تجربه مشتری"


def test_search_filters_and_table_output(real_index_dir, real_encoder, use_encoder):
    use_encoder(real_encoder)
    args = ["search", "Net Promoter Score", "--lang", "zh", "--lang", "fa", "-k", "3", "--json",
            "--index", str(real_index_dir)]  # fmt: skip
    hits = json.loads(runner.invoke(app, args).stdout)["hits"]
    assert len(hits) == 3 and {h["lang"] for h in hits} <= {"zh", "fa"}
    table = runner.invoke(app, ["search", "NPS", "--index", str(real_index_dir)])
    assert table.exit_code == 0 and "净推荐值" in table.output and "NPS" in table.output


def test_search_builds_default_index_on_first_use(index_env, use_encoder):
    use_encoder(FakeEncoder())
    assert not index_env.exists()
    result = runner.invoke(app, ["search", "customer effort", "--json"])
    assert result.exit_code == 0, result.output
    assert (index_env / "manifest.json").is_file()
    assert len(json.loads(result.stdout)["hits"]) == 10


def test_index_export_info_round_trip(tmp_path, use_encoder):
    use_encoder(FakeEncoder())
    out = tmp_path / "idx"
    result = runner.invoke(app, ["index", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Słownik obsługi klienta A–Z" in result.output and "87" in result.output
    exported = runner.invoke(app, ["export", "--index", str(out)])
    lines = exported.stdout.splitlines()
    assert len(lines) == 234
    assert set(json.loads(lines[0])) == {"id", "term", "aliases", "english", "definition", "lang",
                                         "source", "category", "concept"}  # fmt: skip
    # the export re-imports as a user glossary
    dump = tmp_path / "all.jsonl"
    dump.write_text(exported.stdout, encoding="utf-8")
    again = runner.invoke(app, ["index", str(dump), "--out", str(tmp_path / "idx2")])
    assert again.exit_code == 0, again.output
    info = runner.invoke(app, ["info", "--index", str(tmp_path / "idx2")])
    assert info.exit_code == 0 and "234" in info.output and "fake-encoder" in info.output


def one_line_error(result, *fragments):
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    text = " ".join(result.output.split())
    for fragment in fragments:
        assert fragment in text, text


def test_errors_are_one_clear_line(tmp_path, use_encoder):
    use_encoder(FakeEncoder())
    missing = tmp_path / "nope"
    one_line_error(
        runner.invoke(app, ["search", "x", "--index", str(missing)]), "no index at", "glossa index"
    )
    one_line_error(runner.invoke(app, ["export", "--index", str(missing)]), "no index at")
    one_line_error(runner.invoke(app, ["info", "--index", str(missing)]), "no index at")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"term": "x", "definition": "y", "lang": "pl"}\n{"term": "x"}\n', encoding="utf-8"
    )
    one_line_error(runner.invoke(app, ["index", str(bad), "--strict", "--out", str(tmp_path / "i")]),
                   "bad.jsonl:2:", "'lang'", "nothing imported")  # fmt: skip
    skipped = runner.invoke(app, ["index", str(bad), "--out", str(tmp_path / "i")])
    # the good record is imported, the bad one listed, and the exit says not all was
    assert skipped.exit_code == 2 and "Indexed 1 entries" in skipped.stdout
    assert "skipped 1 bad record(s)" in skipped.stderr and "bad.jsonl:2:" in skipped.stderr
    assert "--skip-bad" in skipped.stderr
    accepted = runner.invoke(app, ["index", str(bad), "--skip-bad", "--out", str(tmp_path / "j")])
    assert accepted.exit_code == 0 and "skipped 1 bad record(s)" in accepted.stderr
    one_line_error(
        runner.invoke(app, ["index", str(tmp_path / "absent.csv")]), "absent.csv", "no such file"
    )
    built = tmp_path / "built"
    runner.invoke(app, ["index", "--out", str(built)])
    one_line_error(runner.invoke(app, ["search", "x", "--lang", "de", "--index", str(built)]),
                   "unknown language de", "valid: fa, pl, zh")  # fmt: skip
    one_line_error(
        runner.invoke(app, ["search", "   ", "--index", str(built)]), "the query is empty"
    )
    assert runner.invoke(app, ["search", "x", "-k", "0"]).exit_code == 2  # bad option: usage error
    assert runner.invoke(app, ["export", "--format", "xml", "--index", str(built)]).exit_code == 2


def test_model_mismatch_is_refused(tmp_path, use_encoder):
    use_encoder(FakeEncoder(model_name="model-a"))
    runner.invoke(app, ["index", "--out", str(tmp_path / "idx")])
    use_encoder(FakeEncoder(model_name="model-b"))
    one_line_error(runner.invoke(app, ["search", "x", "--index", str(tmp_path / "idx")]),
                   "built with model 'model-a'", "'model-b'")  # fmt: skip


def test_bad_setting_is_reported(monkeypatch):
    monkeypatch.setenv("GLOSSA_DOC_TEXT", "everything")
    one_line_error(runner.invoke(app, ["info"]), "invalid GLOSSA_* setting", "unknown doc_text")


def test_search_mode_option(real_index_dir, real_encoder, use_encoder):
    use_encoder(real_encoder)
    for mode in ("dense", "lexical", "hybrid"):
        result = runner.invoke(
            app, ["search", "CSAT", "--mode", mode, "--json", "--index", str(real_index_dir)]
        )
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["hits"]
    one_line_error(runner.invoke(app, ["search", "CSAT", "--mode", "bm25", "--index", str(real_index_dir)]),
                   "unknown mode 'bm25'")  # fmt: skip


def test_equivalents_command(real_index_dir, real_encoder, use_encoder):
    use_encoder(real_encoder)
    hits = json.loads(runner.invoke(app, ["search", "净推荐值", "--json", "-k", "1", "--index",
                                          str(real_index_dir)]).stdout)["hits"]  # fmt: skip
    result = runner.invoke(
        app, ["equivalents", hits[0]["id"], "--json", "--index", str(real_index_dir)]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["entry"]["term"] == "净推荐值"
    assert "امتیاز خالص مروجان" in {e["term"] for e in payload["equivalents"]}
    assert all("shared_names" in e for e in payload["equivalents"])
    text = runner.invoke(app, ["equivalents", hits[0]["id"], "--index", str(real_index_dir)])
    assert text.exit_code == 0 and "امتیاز خالص مروجان" in text.output
    one_line_error(runner.invoke(app, ["equivalents", "nope", "--index", str(real_index_dir)]),
                   "unknown entry id 'nope'")  # fmt: skip


@pytest.mark.slow
def test_eval_command_on_a_users_beir_dataset(tmp_path, monkeypatch, use_encoder):
    from tests.search.test_evaluation import write_dataset

    use_encoder(FakeEncoder())
    monkeypatch.setenv("GLOSSA_MODEL_CACHE_DIR", str(tmp_path / "cache" / "models"))
    write_dataset(tmp_path / "mine")
    out = tmp_path / "results"
    result = runner.invoke(
        app, ["eval", str(tmp_path / "mine"), "--out", str(out), "--name", "mine"]
    )
    assert result.exit_code == 0, result.output
    assert (
        "| dense |" in result.output
        and "| hybrid |" in result.output
        and "ndcg@10" in result.output
        and "p vs dense" in result.output  # paired t-test of every mode against dense
    )
    assert {p.name for p in out.iterdir()} == {
        "mine.dense.trec", "mine.lexical.trec", "mine.hybrid.trec", "mine.json", "mine.md"
    }  # fmt: skip
    one_line_error(runner.invoke(app, ["eval", str(tmp_path / "nothing"), "--out", str(out)]),
                   "corpus.jsonl: missing")  # fmt: skip
    assert runner.invoke(app, ["eval", str(tmp_path / "mine"), "--mode", "bm25"]).exit_code == 2


@pytest.fixture()
def small_index(tmp_path, use_encoder):
    use_encoder(FakeEncoder())
    out = tmp_path / "idx"
    assert runner.invoke(app, ["index", "--out", str(out)]).exit_code == 0
    return out


def test_add_update_delete_cycle(tmp_path, small_index):
    new = tmp_path / "new.jsonl"
    new.write_text(
        json.dumps({"id": "de-ces", "term": "Kundenaufwandswert", "definition": "Mühe.",
                    "lang": "de", "aliases": ["CES"]}) + "\n" + "{broken\n",
        encoding="utf-8",
    )  # fmt: skip
    added = runner.invoke(app, ["add", str(new), "--index", str(small_index)])
    assert added.exit_code == 2, added.output  # the good one added, a record skipped
    assert "added 1," in added.stdout and "235 entries" in added.stdout
    assert f"{new}:2: invalid JSON" in added.stderr  # skipped and reported
    strict = runner.invoke(app, ["add", str(new), "--strict", "--index", str(small_index)])
    assert strict.exit_code == 1 and "nothing imported" in strict.stderr
    updated = runner.invoke(
        app, ["update", "de-ces", "--definition", "Wie viel Mühe.", "--alias", "CES",
              "--alias", "KAW", "--index", str(small_index)],
    )  # fmt: skip
    assert updated.exit_code == 0 and "updated 1," in updated.stdout, updated.output
    found = runner.invoke(app, ["search", "KAW", "--json", "--index", str(small_index)])
    top = json.loads(found.stdout)["hits"][0]
    assert top["id"] == "de-ces" and top["aliases"] == ["CES", "KAW"]
    assert top["definition"] == "Wie viel Mühe."
    deleted = runner.invoke(app, ["delete", "de-ces", "--index", str(small_index)])
    assert (
        deleted.exit_code == 0
        and "deleted 1," in deleted.stdout
        and "234 entries" in deleted.stdout
    )
    again = runner.invoke(app, ["delete", "de-ces", "--index", str(small_index)])
    assert again.exit_code == 1 and "no entry with id 'de-ces'" in again.stderr


def test_update_validates_like_an_import(small_index):
    entry_id = json.loads(
        runner.invoke(app, ["export", "--index", str(small_index)]).stdout.splitlines()[0]
    )["id"]
    bad = runner.invoke(app, ["update", entry_id, "--lang", "polish", "--index", str(small_index)])
    assert bad.exit_code == 1 and "ISO 639 code" in bad.stderr
    nothing = runner.invoke(app, ["update", entry_id, "--index", str(small_index)])
    assert nothing.exit_code == 2 and "nothing to change" in nothing.stderr


def test_export_tbx_filtered_and_reimport(tmp_path, small_index):
    path = tmp_path / "zh.tbx"
    result = runner.invoke(
        app,
        ["export", "--format", "tbx", "--lang", "zh", "-o", str(path), "--index", str(small_index)],
    )
    assert result.exit_code == 0, result.output
    assert path.read_bytes().startswith(b"<?xml") and b'xml:lang="zh"' in path.read_bytes()
    assert b'xml:lang="pl"' not in path.read_bytes()
    again = runner.invoke(app, ["index", str(path), "--out", str(tmp_path / "zh-idx"), "--strict"])
    assert again.exit_code == 0 and "Indexed 43 entries" in again.stdout, again.output
    unknown = runner.invoke(app, ["export", "--lang", "xx", "--index", str(small_index)])
    assert unknown.exit_code == 1 and "unknown language xx" in unknown.stderr


def test_export_equivalents_groups_concepts(real_index_dir, tmp_path):
    path = tmp_path / "eq.tbx"
    result = runner.invoke(
        app,
        ["export", "-f", "tbx", "--equivalents", "-o", str(path), "--index", str(real_index_dir)],
    )
    assert result.exit_code == 0, result.output
    from glossa.corpus.sources import import_entries

    entries = import_entries([path], strict=True).entries
    by_term = {e.term: e for e in entries}
    assert by_term["客户努力得分"].concept is not None
    assert by_term["客户努力得分"].concept == by_term["امتیاز تلاش مشتری"].concept
    assert len({e.concept for e in entries}) < len(entries)
    # the concept ids are those `glossa concept` and /concepts give, both Polish NPS in one
    nps = {e.concept for e in entries if e.term in ("净推荐值", "Net Promoter Score")}
    assert len(nps) == 1
    shown = runner.invoke(app, ["concept", next(iter(nps)), "--json", "--index",
                                str(real_index_dir)])  # fmt: skip
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["id"] == next(iter(nps))


def test_rebuild_reembeds_the_index_entries(small_index, use_encoder):
    encoder = use_encoder(FakeEncoder())
    result = runner.invoke(app, ["rebuild", "--index", str(small_index)])
    assert result.exit_code == 0 and "re-embedded 234 entries" in result.stdout, result.output
    assert len(encoder.texts) == 2 * 234


def test_damaged_vectors_name_the_file_and_the_fix(small_index):
    vectors = small_index / "segments" / "s000001" / "vectors.faiss"
    vectors.write_bytes(vectors.read_bytes()[:100])  # truncated
    result = runner.invoke(app, ["search", "NPS", "--index", str(small_index)])
    assert result.exit_code == 1
    assert "vectors.faiss is damaged or truncated" in result.stderr
    assert f"glossa rebuild --index {small_index}" in " ".join(result.stderr.split())
    fixed = runner.invoke(app, ["rebuild", "--index", str(small_index)])
    assert fixed.exit_code == 0, fixed.output
    assert runner.invoke(app, ["search", "NPS", "--index", str(small_index)]).exit_code == 0


def test_review_accept_and_reject_survive_changes_and_rebuild(tmp_path, small_index):
    """A reviewer's decisions are carried into every new version of the index."""
    pl, fa = "pl-6d2ff01f1a32", "fa-26bfff700429"  # CSAT in Polish and Persian
    show = ["equivalents", pl, "--json", "--index", str(small_index)]
    accepted = runner.invoke(app, ["review", "accept", pl, fa, "--index", str(small_index)])
    assert accepted.exit_code == 0 and "accepted" in accepted.stdout, accepted.output
    again = runner.invoke(app, ["review", "accept", fa, pl, "--index", str(small_index)])
    assert "already accepted" in again.stdout  # a retry writes nothing
    links = json.loads(runner.invoke(app, show).stdout)["equivalents"]
    assert {"id": fa, "status": "accepted"}.items() <= next(
        e for e in links if e["id"] == fa
    ).items()
    # a live change and a full rebuild keep the decision
    runner.invoke(app, ["delete", "zh-40ed4e30cd7a", "--index", str(small_index)])
    assert runner.invoke(app, ["rebuild", "--index", str(small_index)]).exit_code == 0
    links = json.loads(runner.invoke(app, show).stdout)["equivalents"]
    assert fa in {e["id"] for e in links}
    tbx = tmp_path / "linked.tbx"  # accepted links become concepts in the export
    exported = runner.invoke(app, ["export", "-f", "tbx", "--equivalents", "-o", str(tbx),
                                   "--index", str(small_index)])  # fmt: skip
    assert exported.exit_code == 0, exported.output
    from glossa.corpus.tbx import tbx_entries

    concept_of = {e.id: e.concept for e in tbx_entries(tbx) if hasattr(e, "concept")}
    assert concept_of[pl] and concept_of[pl] == concept_of[fa]
    rejected = runner.invoke(app, ["review", "reject", pl, fa, "--index", str(small_index)])
    assert rejected.exit_code == 0
    payload = json.loads(runner.invoke(app, show).stdout)
    assert fa not in {e["id"] for e in payload["equivalents"]}
    assert any(c["id"] == fa and c["status"] == "rejected" for c in payload["candidates"]["fa"])
    one_line_error(runner.invoke(app, ["review", "accept", pl, "pl-98494c718c16",
                                       "--index", str(small_index)]),
                   "equivalents link different languages")  # fmt: skip
    one_line_error(runner.invoke(app, ["review", "accept", pl, "nope", "--index", str(small_index)]),
                   "unknown entry id 'nope'")  # fmt: skip
    assert runner.invoke(app, ["review", "maybe", pl, fa]).exit_code == 2


def test_normal_use_prints_no_warnings(real_index_dir):
    """A real `glossa` process (not CliRunner) with Python's default warning filters:
    nothing a user cannot act on (pkg_resources from jieba, numba from ranx)."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-W", "default", "-m", "glossa.cli", "search", "客户流失", "-k", "2",
         "--index", str(real_index_dir)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr, result.stderr


def test_recovery_never_drops_readable_entries(tmp_path, small_index):
    """The hint after a lost manifest recovers the index's own entries (including
    ones added later), not the bundled corpus; a damaged line is named, the rest kept."""
    new = tmp_path / "new.jsonl"
    new.write_text(json.dumps({"id": "de-ces", "term": "Kundenaufwandswert",
                               "definition": "Mühe.", "lang": "de"}) + "\n", encoding="utf-8")  # fmt: skip
    assert runner.invoke(app, ["add", str(new), "--index", str(small_index)]).exit_code == 0
    (small_index / "manifest.json").unlink()
    broken = runner.invoke(app, ["search", "CES", "--index", str(small_index)])
    assert broken.exit_code == 1
    assert f"glossa rebuild --index {small_index}" in broken.stderr
    assert "glossa index --out" not in broken.stderr
    # a damaged line in the middle of the entries file
    entries = next((small_index / "segments").glob("*/entries.jsonl"))
    lines = entries.read_text(encoding="utf-8").splitlines()
    lines[10] = lines[10][:25]
    entries.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rebuilt = runner.invoke(app, ["rebuild", "--index", str(small_index)])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "entries.jsonl:11:" in rebuilt.stderr and "234 entries" in rebuilt.stdout
    ids = [json.loads(x)["id"] for x in runner.invoke(
        app, ["export", "--index", str(small_index)]).stdout.splitlines()]  # fmt: skip
    assert "de-ces" in ids and len(ids) == 234  # 235 - the one damaged line
    assert "1 entry could not be read" in rebuilt.stderr and ".lost-g" in rebuilt.stderr


def test_export_salvage_writes_every_readable_entry_of_a_damaged_index(tmp_path, small_index):
    """A damaged index refuses a normal export with the fix that keeps data;
    ``--salvage`` writes every readable entry and names the lost ones."""
    entries = next((small_index / "segments").glob("*/entries.jsonl"))
    ids = [json.loads(line)["id"] for line in entries.read_text(encoding="utf-8").splitlines()]
    data = entries.read_bytes()
    entries.write_bytes(data[: data.index(b"\n", len(data) // 2) + 10])  # cut inside a line
    refused = runner.invoke(app, ["export", "--index", str(small_index)])
    assert refused.exit_code == 1
    assert refused.stderr.index("glossa rebuild") < refused.stderr.index("export --salvage")
    out = tmp_path / "salvaged.jsonl"
    salvaged = runner.invoke(app, ["export", "--salvage", "-o", str(out), "--index", str(small_index)])
    assert salvaged.exit_code == 0, salvaged.output
    kept = [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert kept == ids[: len(kept)] and 0 < len(kept) < len(ids)
    assert f"{len(ids) - len(kept)} entries could not be read" in salvaged.stderr
    assert ids[len(kept)] in salvaged.stderr  # the first lost one, by id


def test_cli_details_for_a_first_hour(tmp_path, monkeypatch, use_encoder):
    use_encoder(FakeEncoder())
    monkeypatch.chdir(tmp_path)
    missing = runner.invoke(app, ["index", "nothere.csv", "--out", "my-index"])
    assert missing.exit_code == 1 and "nothere.csv: no such file" in missing.stderr
    assert "Embedding" not in missing.stderr  # no progress bar before the error
    assert list(tmp_path.iterdir()) == []  # and no stray lock file
    help_text = runner.invoke(app, ["search", "--help"], env={"COLUMNS": "80"}).stdout
    assert "<bool>" not in help_text and "--json" in help_text
    monkeypatch.setenv("GLOSSA_INDEX_DIR", str(tmp_path / "default"))
    first = runner.invoke(app, ["search", "NPS", "-k", "1"])
    assert first.exit_code == 0, first.output
    assert "Embedding entries" in first.stderr and "234/234" in first.stderr  # progress shown
    again = runner.invoke(app, ["search", "NPS", "-k", "1"])
    assert "Embedding entries" not in again.stderr  # no bar when nothing is built
    assert "search " in again.stdout and "start-up: model and index loaded in" in again.stdout


def test_glossaries_have_readable_titles(tmp_path, use_encoder):
    use_encoder(FakeEncoder())
    csv_file = tmp_path / "de-terms.csv"
    csv_file.write_text(
        "term,definition,lang\nKundenaufwand,Mühe der Kunden.,de\n", encoding="utf-8"
    )
    tbx = tmp_path / "small.tbx"
    exported = runner.invoke(app, ["export", "-f", "tbx", "--lang", "zh", "-o", str(tbx),
                                   "--index", str(tmp_path / "bundled")])  # fmt: skip
    assert exported.exit_code == 1  # no index there yet: build one
    assert runner.invoke(app, ["index", "--out", str(tmp_path / "bundled")]).exit_code == 0
    exported = runner.invoke(app, ["export", "-f", "tbx", "--lang", "zh", "-o", str(tbx),
                                   "--index", str(tmp_path / "bundled")])  # fmt: skip
    assert exported.exit_code == 0, exported.output
    idx = str(tmp_path / "idx")
    built = runner.invoke(app, ["index", str(csv_file), "--title", "Mein Glossar", "--out", idx])
    assert built.exit_code == 0 and "Mein Glossar" in built.stdout, built.output
    assert runner.invoke(app, ["add", str(tbx), "--index", idx]).exit_code == 0
    hits = json.loads(runner.invoke(app, ["search", "Kundenaufwand", "--json", "-k", "50",
                                          "--index", idx]).stdout)["hits"]  # fmt: skip
    titles = {h["source"]: h["source_title"] for h in hits}
    assert titles["de-terms.csv"] == "Mein Glossar"  # --title, kept across the later add
    # entries exported from a bundled glossary keep its source id, so its title
    assert titles["004_4c7066f51d2a5c3e.txt"] == "客户服务术语 (untitled page)"
    table = runner.invoke(app, ["search", "Kundenaufwand", "-k", "1", "--index", idx]).stdout
    assert "[Mein Glossar]" in table


def readme_commands() -> list[list[str]]:
    """The `glossa` lines of the search guide's command block (docs/guides/search.md),
    as argument lists."""
    import re
    import shlex

    text = (Path(__file__).resolve().parents[2] / "docs" / "guides" / "search.md").read_text(
        encoding="utf-8")
    block = text[text.index("Every command below runs as written") :]
    block = block[block.index("```bash") : block.index("```", block.index("```bash") + 7)]
    lines = [
        re.sub(r"\s+#.*$", "", x) for x in block.splitlines() if x.startswith(".venv/bin/glossa")
    ]
    return [shlex.split(line.split(">")[0])[1:] for line in lines]


def test_every_readme_command_runs_as_written(tmp_path, monkeypatch, use_encoder):
    """The README's commands, in order, from a directory that has examples/, with
    the fake encoder (what they print is the real model's business)."""
    use_encoder(FakeEncoder())
    shutil.copytree(Path(__file__).resolve().parents[2] / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GLOSSA_INDEX_DIR", str(tmp_path / "default-index"))
    commands = readme_commands()
    assert len(commands) >= 15
    for args in commands:
        if args[0] == "eval":
            args = [*args, "--out", str(tmp_path / "eval")]
        result = runner.invoke(app, args)
        expected = (0, 2) if args[0] in ("qa", "lint") else (0,)  # 2: the check found a problem
        assert result.exit_code in expected, (args, result.output)


def test_check_verifies_every_file_and_info_says_it_did_not(small_index):
    ok = runner.invoke(app, ["check", "--index", str(small_index)])
    assert ok.exit_code == 0 and "ok: 7 files match" in ok.stdout and "234 entries" in ok.stdout
    assert "not verified" in runner.invoke(app, ["info", "--index", str(small_index)]).stdout
    names = small_index / "segments" / "s000001" / "names.npy"
    names.write_bytes(names.read_bytes()[:-8] + b"\x00" * 8)
    damaged = runner.invoke(app, ["check", "--index", str(small_index)])
    assert damaged.exit_code == 1
    assert "names.npy is damaged" in damaged.stderr and "glossa rebuild" in damaged.stderr
    assert runner.invoke(app, ["info", "--index", str(small_index)]).exit_code == 0


def test_a_file_with_nothing_importable_says_why(tmp_path, use_encoder):
    use_encoder(FakeEncoder())
    path = tmp_path / "bad.jsonl"
    path.write_text("".join(json.dumps({"term": "", "definition": f"d{i}", "lang": "pl"}) + "\n"
                            for i in range(50)), encoding="utf-8")  # fmt: skip
    result = runner.invoke(app, ["index", str(path), "--out", str(tmp_path / "idx")])
    assert result.exit_code == 1
    assert "all 50 record(s) were skipped" in result.stderr
    assert "50 × missing or empty required field" in result.stderr and f"{path}:1:" in result.stderr


def test_restore_brings_back_the_previous_version_and_can_be_undone(tmp_path, small_index):
    idx = ["--index", str(small_index)]
    assert "nothing to restore" in runner.invoke(app, ["restore", *idx]).stderr  # fresh index
    new = tmp_path / "new.jsonl"
    new.write_text(json.dumps({"id": "de-ces", "term": "Kundenaufwand", "definition": "Mühe.",
                               "lang": "de"}) + "\n", encoding="utf-8")  # fmt: skip
    assert runner.invoke(app, ["add", str(new), *idx]).exit_code == 0
    assert runner.invoke(app, ["delete", "de-ces", *idx]).exit_code == 0  # by mistake

    def ids():
        return {
            json.loads(x)["id"] for x in runner.invoke(app, ["export", *idx]).stdout.splitlines()
        }

    assert "de-ces" not in ids()
    restored = runner.invoke(app, ["restore", *idx])
    assert restored.exit_code == 0 and "235 entries" in restored.stdout, restored.output
    assert "de-ces" in ids()
    assert runner.invoke(app, ["check", *idx]).exit_code == 0
    assert runner.invoke(app, ["restore", *idx]).exit_code == 0  # undo the restore
    assert "de-ces" not in ids()
    merged = runner.invoke(app, ["optimize", *idx])
    assert merged.exit_code == 0 and "into one: 234 entries" in merged.stdout, merged.output
    assert "de-ces" not in ids() and runner.invoke(app, ["check", *idx]).exit_code == 0

    # optimizing an optimized index commits nothing, so the undo is not used up
    def generation():
        return json.loads((Path(idx[1]) / "manifest.json").read_text())["generation"]

    before = generation()
    again = runner.invoke(app, ["optimize", *idx])
    assert again.exit_code == 0 and "nothing to optimize" in again.stdout, again.output
    assert generation() == before
    undone = runner.invoke(app, ["restore", *idx])  # still the version before the real optimize
    assert undone.exit_code == 0 and "234 entries" in undone.stdout, undone.output


def test_concepts_by_id_and_search_by_concept(tmp_path, use_encoder):
    """A termbase's declared concept: `glossa concept` lists it in every language,
    `glossa search --by-concept` returns it as one result."""
    use_encoder(FakeEncoder())
    out = tmp_path / "tb"
    tbx = Path(__file__).resolve().parents[2] / "examples" / "cx-termbase.tbx"
    assert runner.invoke(app, ["index", str(tbx), "--out", str(out)]).exit_code == 0
    shown = runner.invoke(app, ["concept", "sla", "--json", "--index", str(out)])
    assert shown.exit_code == 0, shown.output
    record = json.loads(shown.stdout)
    assert record["id"] == "sla" and set(record["languages"]) == {"de", "en", "es"}
    joined = [m["joined"] for ms in record["languages"].values() for m in ms]
    assert joined.count("anchor") == 1 and set(joined) == {"anchor", "declared"}
    again = runner.invoke(app, ["concept", record["anchor"], "--json", "--index", str(out)])
    assert json.loads(again.stdout)["id"] == "sla"  # an entry id finds its concept
    found = runner.invoke(app, ["search", "SLA", "--by-concept", "--json", "-k", "2",
                                "--index", str(out)])  # fmt: skip
    assert found.exit_code == 0, found.output
    first = json.loads(found.stdout)["concepts"][0]
    assert first["id"] == "sla" and {e["lang"] for e in first["entries"]} == {"de", "en", "es"}
    human = runner.invoke(app, ["search", "SLA", "--by-concept", "-k", "1", "--index", str(out)])
    assert "1 concepts" in human.stdout and "sla" in human.stdout
    missing = runner.invoke(app, ["concept", "nope", "--index", str(out)])
    assert missing.exit_code == 1 and "unknown concept or entry id 'nope'" in missing.stderr


def test_rejecting_a_declared_pair_is_refused_with_what_to_do(tmp_path, use_encoder):
    """A termbase's concept is its authors' word: `review reject` on two entries it
    declares one concept is refused (exit 1, the reason and the fix), nothing is
    written, and the pair stays declared."""
    use_encoder(FakeEncoder())
    out = tmp_path / "tb"
    tbx = Path(__file__).resolve().parents[2] / "examples" / "cx-termbase.tbx"
    assert runner.invoke(app, ["index", str(tbx), "--out", str(out)]).exit_code == 0
    record = json.loads(
        runner.invoke(app, ["concept", "sla", "--json", "--index", str(out)]).stdout
    )
    de, es = (record["languages"][lang][0]["id"] for lang in ("de", "es"))
    generation = json.loads((out / "manifest.json").read_text())["generation"]
    refused = runner.invoke(app, ["review", "reject", de, es, "--index", str(out)])
    assert refused.exit_code == 1
    assert "one concept their source declares ('sla')" in refused.stderr
    assert "change the concept id in the source" in " ".join(refused.stderr.split())
    assert json.loads((out / "manifest.json").read_text())["generation"] == generation
    again = json.loads(runner.invoke(app, ["concept", de, "--json", "--index", str(out)]).stdout)
    assert es in {m["id"] for m in again["languages"]["es"]}
    accepted = runner.invoke(app, ["review", "accept", de, es, "--index", str(out)])
    assert accepted.exit_code == 0  # already one concept: nothing to record
    assert json.loads((out / "manifest.json").read_text())["generation"] == generation


def test_recognize_prints_terms_as_text_json_and_html(tmp_path, use_encoder):
    from glossa.indexer.build import build_index

    from tests.recognition.test_recognizer import termbase

    encoder = use_encoder(FakeEncoder())
    build_index(termbase(), encoder, tmp_path / "idx")
    text = tmp_path / "text.txt"
    text.write_text("Zadzwoń na infolinię: <b>obsługa klienta</b> & NPS.", encoding="utf-8")
    common = [str(text), "--index", str(tmp_path / "idx"), "--target", "zh"]
    plain = runner.invoke(app, ["recognize", *common])
    assert plain.exit_code == 0, plain.output
    assert "3 terms in pl" in plain.output and "zh: 客户服务" in plain.output
    data = json.loads(runner.invoke(app, ["recognize", *common, "-f", "json"]).output)
    assert [m["id"] for m in data["matches"]] == ["pl-old", "pl-cs", "pl-nps"]
    page = runner.invoke(app, ["recognize", *common, "-f", "html"]).output
    assert (
        '<mark class="discouraged"' in page and "&lt;b&gt;<mark" in page and "&amp; <mark" in page
    )


def test_recognize_refuses_binary_and_non_utf8_files_with_the_place(tmp_path, use_encoder):
    from glossa.indexer.build import build_index

    from tests.recognition.test_recognizer import termbase

    build_index(termbase(), use_encoder(FakeEncoder()), tmp_path / "idx")
    (tmp_path / "latin1.txt").write_bytes("obsługa".encode() + b" caf\xe9")
    (tmp_path / "binary.txt").write_bytes(b"abc\x00def")
    for name, expected in (
        ("latin1.txt", "not UTF-8 text (byte 13"),
        ("binary.txt", "binary file"),
    ):
        result = runner.invoke(
            app, ["recognize", str(tmp_path / name), "--index", str(tmp_path / "idx")]
        )
        assert result.exit_code == 1 and expected in result.output and name in result.output


def test_qa_checks_a_translation_file_and_exits_2_on_problems(tmp_path, use_encoder):
    from glossa.indexer.build import build_index

    from tests.recognition.test_recognizer import termbase
    from tests.recognition.test_translation_qa import XLIFF12

    build_index(termbase(), use_encoder(FakeEncoder()), tmp_path / "idx")
    idx = ["--index", str(tmp_path / "idx")]
    good = tmp_path / "good.xlf"
    good.write_text(XLIFF12, encoding="utf-8")
    result = runner.invoke(app, ["qa", str(good), *idx])
    assert result.exit_code == 0, result.output
    assert "1 segments (1 untranslated skipped): 1 source terms, 1 with an approved" in result.output
    bad = tmp_path / "bad.xlf"
    bad.write_text(XLIFF12.replace("<target>obsługa klienta</target>", "<target>infolinia</target>"),
                   encoding="utf-8")  # fmt: skip
    result = runner.invoke(app, ["qa", str(bad), *idx, "--json"])
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert (data["missing"], data["discouraged"], data["with_problems"]) == (1, 1, 1)
    assert data["checks"][0]["where"].endswith("bad.xlf:4")


def test_lint_reports_counts_and_exits_2_on_problems(tmp_path, use_encoder):
    from glossa.indexer.build import build_index

    from tests.recognition.test_termbase_qa import TERMBASE

    build_index(TERMBASE, use_encoder(FakeEncoder()), tmp_path / "idx")
    result = runner.invoke(app, ["lint", "--index", str(tmp_path / "idx"), "--limit", "1"])
    assert result.exit_code == 2, result.output
    assert "duplicate_concepts" in result.output and "1 more (--limit)" in result.output
    data = json.loads(runner.invoke(app, ["lint", "--index", str(tmp_path / "idx"), "--json"]).stdout)
    assert data["problems"] >= 3 and {c["name"] for c in data["checks"]} >= {"homonyms", "weak_links"}
    clean = [e for e in TERMBASE if e.id in ("pl-q1", "zh-q1")]
    build_index(clean, use_encoder(FakeEncoder()), tmp_path / "clean")
    assert runner.invoke(app, ["lint", "--index", str(tmp_path / "clean")]).exit_code == 0


def test_index_out_onto_entries_from_no_file_needs_replace_and_stays_restorable(tmp_path, use_encoder):
    use_encoder(FakeEncoder())
    idx = str(tmp_path / "idx")
    first = tmp_path / "a.jsonl"
    first.write_text(json.dumps({"id": "de-a", "term": "Kunde", "definition": "Käufer.",
                                 "lang": "de"}) + "\n", encoding="utf-8")  # fmt: skip
    assert runner.invoke(app, ["index", str(first), "--out", idx]).exit_code == 0
    added = tmp_path / "added.jsonl"
    added.write_text(json.dumps({"id": "de-b", "term": "Anruf", "definition": "Telefonat.",
                                 "lang": "de"}) + "\n", encoding="utf-8")  # fmt: skip
    assert runner.invoke(app, ["add", str(added), "--index", idx]).exit_code == 0
    refused = runner.invoke(app, ["index", str(first), "--out", idx])
    assert refused.exit_code == 1
    assert "1 entries from sources this import does not have (added.jsonl: 1)" in refused.stderr
    assert "--replace" in refused.stderr

    def ids():
        return {json.loads(x)["id"] for x in runner.invoke(app, ["export", "--index", idx]).stdout.splitlines()}

    assert ids() == {"de-a", "de-b"}  # nothing was replaced
    assert runner.invoke(app, ["index", str(first), "--out", idx, "--replace"]).exit_code == 0
    assert ids() == {"de-a"}
    assert runner.invoke(app, ["restore", "--index", idx]).exit_code == 0
    assert ids() == {"de-a", "de-b"}
    both = runner.invoke(app, ["index", str(first), str(added), "--out", idx])
    assert both.exit_code == 0  # every source of the index is in the import: no question


def test_kept_versions_survive_later_writes_and_full_builds(tmp_path, use_encoder, monkeypatch):
    """Issue 28: one mistake's undo survives the next writes and the next full
    build; `restore --list` shows what is kept and `--to` brings any of it back."""
    import re

    use_encoder(FakeEncoder())
    monkeypatch.setenv("GLOSSA_KEEP_VERSIONS", "3")
    idx = ["--index", str(tmp_path / "idx")]

    def jsonl(name, *ids):
        path = tmp_path / name
        path.write_text("".join(json.dumps({"id": i, "term": f"Begriff {i}", "definition": "D.",
                                            "lang": "de"}) + "\n" for i in ids), encoding="utf-8")  # fmt: skip
        return str(path)

    def ids():
        return {json.loads(x)["id"] for x in runner.invoke(app, ["export", *idx]).stdout.splitlines()}

    def generations(kind):
        listed = runner.invoke(app, ["restore", "--list", *idx]).stdout.splitlines()
        return [int(re.search(r"generation\s+(\d+)", line)[1])
                for line in listed if line.rstrip().endswith(kind)]  # fmt: skip

    assert runner.invoke(app, ["index", jsonl("a.jsonl", "de-x", "de-y"), "--out", idx[1]]).exit_code == 0
    assert runner.invoke(app, ["delete", "de-x", *idx]).exit_code == 0  # the mistake
    before_mistake = max(generations("before a write"))
    for n in range(3):  # later writes
        assert runner.invoke(app, ["add", jsonl(f"n{n}.jsonl", f"de-n{n}"), *idx]).exit_code == 0
    assert "de-x" not in ids()
    assert before_mistake not in generations("before a write")  # 3 kept: pushed out by 4 writes
    kept = generations("before a write")
    assert len(kept) == 3
    assert runner.invoke(app, ["restore", "--to", str(kept[-1]), *idx]).exit_code == 0
    assert ids() == {"de-y"}  # the oldest kept: just after the delete, before the adds
    # two full builds in a row: the first index stays restorable
    first = ids()
    assert runner.invoke(app, ["index", jsonl("b.jsonl", "de-b"), "--out", idx[1], "--replace"]).exit_code == 0
    assert runner.invoke(app, ["index", jsonl("c.jsonl", "de-c"), "--out", idx[1], "--replace"]).exit_code == 0
    assert ids() == {"de-c"}
    backups = generations("before a full build")
    assert len(backups) == 2
    assert runner.invoke(app, ["restore", "--to", str(backups[-1]), *idx]).exit_code == 0
    assert ids() == first
    missing = runner.invoke(app, ["restore", "--to", "99999", *idx])
    assert missing.exit_code == 1 and "restore --list" in missing.stderr


def test_a_full_disk_is_said_in_plain_words_and_leaves_nothing_behind(
    tmp_path, small_index, monkeypatch
):
    """faiss reports a short write as ``N requested and M written``; the user reads
    "no space left on device", the index stays as it was, no half-written
    segment stays behind (issue 28)."""
    import faiss
    from glossa.indexer.store.index_dir import orphans, read_manifest

    def full_disk(index, path):
        raise RuntimeError("Error in faiss::FileIOWriter: 38400 requested and 6112 written")

    before = read_manifest(small_index)
    new = tmp_path / "new.jsonl"
    new.write_text(json.dumps({"id": "de-x", "term": "Kundenaufwand", "definition": "Mühe.",
                               "lang": "de"}) + "\n", encoding="utf-8")  # fmt: skip
    monkeypatch.setattr(faiss, "write_index", full_disk)
    failed = runner.invoke(app, ["add", str(new), "--index", str(small_index)])
    assert failed.exit_code == 1
    assert "no space left on device" in failed.stderr and "requested and" not in failed.stderr
    assert "Traceback" not in failed.output
    after = read_manifest(small_index)
    assert after.generation == before.generation
    assert orphans(small_index, after) == []  # the half-written segment went at once


def test_check_names_orphans_and_repair_removes_only_them(small_index):
    orphan = small_index / "segments" / "s000099"
    orphan.mkdir()
    (orphan / "entries.jsonl").write_text("{}\n", encoding="utf-8")
    checked = runner.invoke(app, ["check", "--index", str(small_index)])
    assert checked.exit_code == 0 and "segments/s000099" in checked.stderr
    assert f"glossa check --repair --index {small_index}" in checked.stderr
    repaired = runner.invoke(app, ["check", "--repair", "--index", str(small_index)])
    assert repaired.exit_code == 0 and not orphan.exists()
    again = runner.invoke(app, ["check", "--index", str(small_index)])
    assert again.exit_code == 0 and "no version names" not in again.stderr
    assert runner.invoke(app, ["search", "NPS", "--index", str(small_index)]).exit_code == 0


def test_eval_without_a_dataset_outside_the_source_tree_says_what_to_give(monkeypatch, tmp_path):
    """Installed from a wheel there is no benchmarks/ folder: one line naming the
    argument, not a traceback about a missing file."""
    import glossa.cli.serving as serving

    monkeypatch.setattr(serving, "default_dataset", lambda: tmp_path / "nowhere")
    result = runner.invoke(app, ["eval"])
    assert result.exit_code == 2 and "give a BEIR folder" in result.output


def test_every_command_is_listed_with_the_group_that_defines_it():
    """``main`` imports only the group its command names (``COMMANDS``): a command
    missing there, or listed under another group, would not be found."""
    from typer.main import get_command_name

    from glossa.cli import COMMANDS, GROUPS, load

    every = load()
    defined = {(info.name or get_command_name(info.callback.__name__)): info.callback.__module__
               for info in every.registered_commands}  # fmt: skip
    for group in every.registered_groups:
        defined[group.name] = group.typer_instance.registered_commands[0].callback.__module__
    assert {name: module.rsplit(".", 1)[1] for name, module in defined.items()} == COMMANDS
    assert set(COMMANDS.values()) == set(GROUPS)


def test_a_search_imports_only_what_it_uses(real_index_dir):
    """``glossa search`` in its own process loads the reading commands alone: no
    other group, no write path, no server, no progress bar."""
    import subprocess
    import sys

    script = ("import sys; sys.argv = ['glossa', 'search', 'CES', '--index', sys.argv[1]]\n"
              "from glossa.cli import main\n"
              "try:\n    main()\nexcept SystemExit:\n    pass\n"
              "print(' '.join(sorted(sys.modules)))")  # fmt: skip
    result = subprocess.run([sys.executable, "-c", script, str(real_index_dir)],
                            capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
    loaded = set(result.stdout.splitlines()[-1].split())
    assert "glossa.cli.reading" in loaded
    unwanted = {"glossa.cli.building", "glossa.cli.serving", "glossa.cli.termbases",
                "glossa.cli.text", "glossa.cli.versions", "glossa.indexer.build",
                "glossa.indexer.updates", "glossa.api", "fastapi", "uvicorn", "rich.progress",
                "glossa.recognition", "jieba", "lxml"}  # fmt: skip
    assert not unwanted & loaded, unwanted & loaded

"""The external dev-set builder on a small .po file in the layout of the
python-docs translations (a real glossary.po is not shipped: see its README)."""

import json

from glossa.search.evaluation import load_beir

from benchmarks.external.python_glossary import build, plain

PO = """msgid ""
msgstr ""
"Language: {lang}\\n"

msgid "Glossary"
msgstr "{glossary}"

msgid "decorator"
msgstr "{decorator}"

msgid ""
"A function returning another function, usually applied as a function "
"transformation using the ``@wrapper`` syntax."
msgstr "{decorator_def}"

msgid "iterator"
msgstr "{iterator}"

msgid "An object representing a stream of data."
msgstr "{iterator_def}"

{fuzzy}msgid "generator"
msgstr "{generator}"

msgid "A function which returns a :term:`generator iterator`."
msgstr "{generator_def}"
"""


def test_builder_makes_a_concept_split_beir_set(tmp_path):
    po = tmp_path / "po"
    po.mkdir()
    (po / "fr.po").write_text(PO.format(
        lang="fr", fuzzy="#, fuzzy\n", glossary="Glossaire", decorator="décorateur",
        decorator_def="Fonction dont la valeur de retour est une autre fonction.",
        iterator="itérateur", iterator_def="Objet représentant un flux de données.",
        generator="générateur", generator_def="Fonction qui renvoie un itérateur de générateur.",
    ), encoding="utf-8")  # fmt: skip
    (po / "ja.po").write_text(PO.format(
        lang="ja", fuzzy="", glossary="用語集", decorator="デコレータ (decorator)",
        decorator_def="別の関数を返す関数で、通常、 @wrapper 構文で関数変換として適用されます。",
        iterator="イテレータ", iterator_def="",  # untranslated definition: not an entry
        generator="ジェネレータ", generator_def="ジェネレータイテレータを返す関数です。",
    ), encoding="utf-8")  # fmt: skip
    counts = build(po, tmp_path / "beir")
    corpus = [json.loads(x) for x in (tmp_path / "beir" / "corpus.jsonl").open()]
    # decorator: en, fr, ja; iterator: en, fr (ja's definition is untranslated);
    # generator: en, ja (the French one is fuzzy)
    langs = sorted((c["metadata"]["lang"], c["title"]) for c in corpus)
    assert counts["concepts"] == 3 and counts["entries"] == 7 - 3  # one held out per concept
    assert counts["languages"] >= 2
    assert all(c["metadata"].get("concept") is None for c in corpus)  # stripped
    assert not any(t == "générateur" for _, t in langs)  # fuzzy translation skipped
    queries = [json.loads(x) for x in (tmp_path / "beir" / "queries.jsonl").open()]
    assert {q["metadata"]["kind"] for q in queries} <= {"term", "definition", "english"}
    parts = {}
    for split in ("dev", "test", "all"):
        dataset = (
            load_beir(tmp_path / "beir", split)
            if ((tmp_path / "beir" / "qrels" / f"{split}.tsv").read_text().count("\n") > 1)
            else None
        )
        parts[split] = set(dataset.qrels) if dataset else set()
    assert parts["dev"] | parts["test"] == parts["all"] and not parts["dev"] & parts["test"]
    for q in queries:  # relevance comes from the concept key only
        wanted = {c["_id"] for c in corpus if c["_id"].endswith(q["_id"].split("-", 2)[-1])}
        assert wanted, q


def test_plain_strips_restructured_text():
    assert plain("See :term:`generator iterator <gen>` and ``@wrapper``  *now*") == (
        "See generator iterator and @wrapper now"
    )

"""Translation QA over the small termbase, and the bilingual file readers."""

from __future__ import annotations

from pathlib import Path

import pytest
from glossa.recognition import RecognitionError
from glossa.recognition.bilingual import read_bilingual
from glossa.recognition.translation_qa import MISSING, NO_EQUIVALENT, USED, check_segment

from tests.recognition.test_recognizer import recognizer, searcher  # noqa: F401 (fixtures)


def verdicts(check):
    return {t.source.id: (t.verdict, t.found) for t in check.terms}


def test_an_equivalent_used_in_an_inflected_form_counts(recognizer):  # noqa: F811
    check = check_segment(recognizer, "客户服务和净推荐值", "Dbamy o obsługę klientów.", "zh", "pl")
    assert verdicts(check) == {"zh-cs": (USED, "obsługę klientów"), "zh-nps": (MISSING, None)}
    assert check.problems == 1


def test_a_deprecated_target_term_is_a_problem_and_its_preferred_alias_is_approved(recognizer):  # noqa: F811
    check = check_segment(recognizer, "呼叫中心", "Zadzwoń na infolinię.", "zh", "pl")
    (term,) = check.terms
    assert term.verdict == MISSING and [e.term for e in term.approved] == ["call center"]
    assert [m.name for m in check.discouraged] == ["infolinia"]
    fine = check_segment(recognizer, "呼叫中心", "Zadzwoń do call center.", "zh", "pl")
    assert fine.problems == 0 and verdicts(fine) == {"zh-line": (USED, "call center")}


def test_target_terms_the_source_did_not_ask_for_are_listed(recognizer):  # noqa: F811
    check = check_segment(recognizer, "客户服务", "obsługa klienta i NPS", "zh", "pl")
    assert [m.id for m in check.unasked] == ["pl-nps"]
    alone = check_segment(recognizer, "خدمات مشتری", "客户满意度", "fa", "zh")
    assert verdicts(alone) == {"fa-cs": (MISSING, None)} and [m.id for m in alone.unasked] == [
        "zh-sat"
    ]


def test_a_term_whose_target_entries_are_all_discouraged_has_no_equivalent(recognizer):  # noqa: F811
    check = check_segment(recognizer, "شاخص کلیدی عملکرد", "wskaźnik", "fa", "pl")
    assert verdicts(check) == {"fa-kpi": (NO_EQUIVALENT, None)} and check.problems == 0
    flagged = check_segment(recognizer, "شاخص کلیدی عملکرد", "miernik", "fa", "pl")
    assert [m.id for m in flagged.discouraged] == ["pl-kpi-old"] and flagged.problems == 1


XLIFF12 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">
 <file original="a.txt" source-language="zh-CN" target-language="pl" datatype="plaintext"><body>
  <trans-unit id="t1"><source>客户服务</source><target>obsługa klienta</target></trans-unit>
  <trans-unit id="t2"><source>净推荐值</source></trans-unit>
 </body></file>
</xliff>
"""
XLIFF20 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="zh" trgLang="pl">
 <file id="f1"><unit id="u1"><segment><source>客户服务</source><target>obsługa klienta</target></segment></unit></file>
</xliff>
"""
TMX = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header srclang="zh" adminlang="en" datatype="plaintext" segtype="sentence"
 creationtool="t" creationtoolversion="1" o-tmf="t"/><body>
 <tu><tuv xml:lang="zh"><seg>客户服务</seg></tuv><tuv xml:lang="pl"><seg>obsługa klienta</seg></tuv></tu>
</body></tmx>
"""
PO = """msgid ""
msgstr ""
"Language: pl\\n"
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "客户服务"
msgstr "obsługa klienta"

msgid "净推荐值"
msgstr ""
"""


@pytest.mark.parametrize(("name", "text", "untranslated"),
                         [("a.xlf", XLIFF12, 1), ("b.xliff", XLIFF20, 0), ("c.tmx", TMX, 0),
                          ("d.po", PO, 1)])  # fmt: skip
def test_bilingual_formats_give_their_segments(tmp_path, name, text, untranslated):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    found, segments = read_bilingual(path)
    assert [(s.source, s.target) for s in segments] == [("客户服务", "obsługa klienta")]
    assert found.untranslated == untranslated
    assert found.target_lang in ("pl", None)


def test_broken_markup_names_the_file_and_line(tmp_path):
    path = tmp_path / "broken.xlf"
    path.write_text(XLIFF12.replace("</target></trans-unit>\n  <trans-unit", "</trans-unit>\n  <x"),
                    encoding="utf-8")  # fmt: skip
    with pytest.raises(RecognitionError, match=r"broken\.xlf:\d+: broken xlf file"):
        read_bilingual(path)
    with pytest.raises(RecognitionError, match="not a bilingual file"):
        read_bilingual(Path(tmp_path / "notes.docx"))


def test_a_large_file_is_read_as_a_stream_in_order(tmp_path, monkeypatch):
    """PO in runs of entries, XML unit by unit: every unit once, in file order,
    progress told the bytes read up to the file's size."""
    import glossa.recognition.bilingual as bilingual

    monkeypatch.setattr(bilingual, "PO_CHUNK_ENTRIES", 3)  # many runs from a small file
    body = "".join(f'msgctxt "u{i}"\nmsgid "źródło {i}"\nmsgstr "{"" if i % 4 == 0 else f"cel {i}"}"\n\n'
                   for i in range(1, 11))  # fmt: skip
    po = tmp_path / "big.po"
    po.write_text(PO.split("\n\n")[0] + "\n\n" + body, encoding="utf-8")
    file = bilingual.BilingualFile(po)
    seen: list[int] = []
    segments = list(file.segments(lambda done, size: seen.append(done)))
    assert [s.source for s in segments] == [f"źródło {i}" for i in range(1, 11) if i % 4]
    assert [s.id for s in segments][:2] == ["źródło 1", "źródło 2"] and file.untranslated == 2
    assert seen == sorted(seen) and seen[-1] == po.stat().st_size
    units = "".join(f'<trans-unit id="t{i}"><source>s{i}</source><target>c{i}</target></trans-unit>\n'
                    for i in range(500))  # fmt: skip
    xlf = tmp_path / "big.xlf"
    xlf.write_text(XLIFF12.replace('<trans-unit id="t1">', units + '<trans-unit id="t1">'),
                   encoding="utf-8")  # fmt: skip
    found = bilingual.BilingualFile(xlf)
    assert (found.source_lang, found.target_lang) == ("zh-cn", "pl")
    read = list(found.segments())
    assert len(read) == 501 and read[0].where == f"{xlf}:4" and read[-1].source == "客户服务"


def test_entity_declarations_are_refused_before_parsing(tmp_path):
    path = tmp_path / "laughs.xlf"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE xliff [<!ENTITY a "aaaaaaaaaa">'
                    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>\n' + XLIFF12.split("\n", 1)[1],
                    encoding="utf-8")  # fmt: skip
    with pytest.raises(RecognitionError, match="declares XML entities"):
        read_bilingual(path)

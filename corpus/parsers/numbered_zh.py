"""Layout of 004_4c7066f51d2a5c3e.txt (Chinese, numbered).

    1.客户服务 客户服务是支持客户...              <- "N.term definition"
    3. 客户成功 客户成功是指...                   <- or "N. term definition"
    22. 工单路由 工单系统的工作处理...
    通过设置路由规则,工单就会...                  <- continuation of entry 22

The term runs from the number to the first space. Lines before the first
numbered entry are noise; a continuation line belongs to the entry above it.
Numbers must run 1, 2, 3, ... so that a stray line cannot pose as an entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from glossa.corpus.entry import Entry
from glossa.corpus.errors import LayoutError
from glossa.corpus.parsers._common import make_entry, paragraphs

_NUMBERED = re.compile(r"^(?P<n>\d{1,3})\.\s*(?P<term>\S+)\s+(?P<definition>\S.*)$")
_ACR = r"[A-Z][A-Za-z0-9]{1,7}"
# "客户努力得分(CES)", "净推荐值NPS", "业务流程外包或BPO", "IVR即互动式语音应答系统"
_RESTATED_ACRONYM = r"^{term}\s*(?:[(（]\s*(?P<a>{acr})\s*[)）]|或\s*(?P<b>{acr})|(?P<c>{acr}))"
_EXPANSION = r"^{term}即(?P<x>[\u4e00-\u9fff]+)"
# "服务台也叫帮助台或者呼叫台", "客户旅程地图也称购买地图或体验地图", "客户忠诚度又称客户粘度"
_ALSO_CALLED = re.compile(
    r"(?:也称|又称|也叫|又叫)(?P<names>[\u4e00-\u9fff]+(?:(?:或者|或)[\u4e00-\u9fff]+)?)"
)
# a Latin phrase at the end of a line is trailing page noise only if unnumbered and very short
_MAX_NOISE_CHARS = 20


def parse(text: str, source: str, lang: str = "zh") -> Iterator[Entry]:
    current: list = []  # [line, n, term, [definition parts]]
    expected = 1
    for number, para in paragraphs(text):
        m = _NUMBERED.match(para)
        if m and int(m.group("n")) == expected:
            if current:
                yield _entry(current[2], "\n".join(current[3]), source, lang)
            current = [number, expected, m.group("term"), [m.group("definition")]]
            expected += 1
        elif current and len(para) > _MAX_NOISE_CHARS:
            current[3].append(para)
        elif current:
            continue  # short unnumbered line after an entry: page noise (e.g. "分享", "返回顶部")
        # text before the first numbered entry is a page header
    if current:
        yield _entry(current[2], "\n".join(current[3]), source, lang)
    elif expected == 1:
        raise LayoutError(source, 1, "no numbered entry '1.term definition' found")


def _entry(term: str, definition: str, source: str, lang: str) -> Entry:
    aliases: list[str] = []
    t = re.escape(term)
    acr = re.match(_RESTATED_ACRONYM.format(term=t, acr=_ACR), definition)
    if acr:
        aliases.append(acr.group("a") or acr.group("b") or acr.group("c"))
    expansion = re.match(_EXPANSION.format(term=t), definition)
    if expansion:
        aliases.append(expansion.group("x"))
    for m in _ALSO_CALLED.finditer(definition.split("。")[0]):
        aliases.extend(re.split(r"或者|或", m.group("names")))
    return make_entry(source=source, lang=lang, term=term, definition=definition, aliases=aliases)

"""Segmentation: folded text cut into words by script.

Chinese has no spaces, so its runs are segmented with jieba in search mode
(客户服务 also yields 客户 and 服务); every other script is cut at non-word
characters.
"""

from __future__ import annotations

import re
import warnings
from functools import lru_cache

from glossa.analysis.folding import fold

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"([{CJK}]+)|([^\W{CJK}]+)")


@lru_cache(maxsize=1)
def _jieba():
    # jieba imports pkg_resources, which recent setuptools deprecates with a warning
    # on every import; that is jieba's business, not something a user can act on.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
        import jieba

    jieba.setLogLevel(60)
    return jieba


def words(text: str) -> list[str]:
    """Folded words; Chinese runs segmented by jieba."""
    out: list[str] = []
    for cjk, other in _RUNS.findall(fold(text)):
        if cjk:
            out.extend(w for w in _jieba().lcut_for_search(cjk) if w.strip())
        else:
            out.append(other)
    return out


def is_han(word: str) -> bool:
    """Whether the word holds a Han character (stems and n-grams leave those whole)."""
    return any("\u3400" <= c <= "\u9fff" for c in word)

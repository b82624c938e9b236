"""A checked text as HTML: each recognised term marked, its equivalents in the
mark's title (shown on hover), discouraged terms marked as such. Everything from
the text and the termbase is escaped; ``dir="auto"`` lets Persian and Arabic
read right to left."""

from __future__ import annotations

from html import escape

from glossa.recognition.results import Recognition, TermMatch

STYLE = (
    "mark{background:#fff3b0;border-radius:3px;padding:0 2px}"
    "mark.discouraged{background:#ffd6d6;text-decoration:underline wavy #c00}"
    "body{font:16px/1.6 system-ui,sans-serif;max-width:48rem;margin:2rem auto;white-space:pre-wrap}"
)


def describe(match: TermMatch) -> str:
    """One line per match: the entry, how it matched, its equivalents."""
    flag = " (discouraged)" if match.discouraged else ""
    score = f" {match.score:.2f}" if match.score is not None else ""
    head = f"{match.term} [{match.lang}, {match.match}{score}{flag}]"
    if match.equivalents is None:
        return f"{head}: equivalents still being computed"
    found = "; ".join(f"{e.lang}: {e.term}" + (f" ({e.status})" if e.status else "")
                      for e in match.equivalents)  # fmt: skip
    return f"{head} → {found or 'no equivalent'}"


def to_html(text: str, recognition: Recognition) -> str:
    """The whole text with its matches marked (non-overlapping matches only; with
    several entries at one place the first mark holds them all)."""
    out, position = [], 0
    by_start: dict[tuple[int, int], list[TermMatch]] = {}
    for m in recognition.matches:
        by_start.setdefault((m.start, m.end), []).append(m)
    for (start, end), here in sorted(by_start.items()):
        if start < position:
            continue  # overlapping matches (asked for) are listed, not nested
        out.append(escape(text[position:start]))
        css = ' class="discouraged"' if any(m.discouraged for m in here) else ""
        title = escape("\n".join(describe(m) for m in here), quote=True)
        out.append(f'<mark{css} title="{title}">{escape(text[start:end])}</mark>')
        position = end
    out.append(escape(text[position:]))
    lang = escape(recognition.lang or "", quote=True)
    return (f'<!doctype html><html lang="{lang}"><meta charset="utf-8">'
            f"<title>Glossa: terms in the text</title><style>{STYLE}</style>"
            f'<body dir="auto">{"".join(out)}</body></html>\n')  # fmt: skip

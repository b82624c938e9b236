"""Language tags as people write them, read as BCP 47 (langcodes, the IANA registry).

Why: spreadsheets and tools write ``FR``, ``fr_FR``, ``deu`` or ``ger`` for the
languages Glossa keys by ``fr`` and ``de``; kept as written, ``deu`` became a
language of its own beside ``de`` (and ``--lang de`` then found nothing). A tag
is standardised (the shortest ISO 639 code, deprecated codes replaced), written
in lower case, and its script and region are kept: ``pt-BR`` stays ``pt-br``,
for a termbase that tells Brazilian from European Portuguese.
"""

from __future__ import annotations

import re

import langcodes

# what Glossa stores: a language subtag, then script/region/variant subtags
STORED = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")


def normalised_tag(raw: str) -> str | None:
    """``raw`` as Glossa stores it, or None when it is no language tag. A code the
    registry does not know but Glossa's own rule accepts (two or three letters)
    is kept as written."""
    text = raw.strip().replace("_", "-")
    try:
        tag = langcodes.standardize_tag(text, macro=True)
        valid = langcodes.Language.get(tag).is_valid()
    except (ValueError, langcodes.LanguageTagError):
        tag, valid = text, False
    if valid and STORED.match(tag.lower()):
        return tag.lower()
    return text.lower() if STORED.match(text.lower()) and len(text) <= 3 else None

"""Ids and folded names held as one UTF-8 buffer: the same answers as a sorted
NumPy string array, memory that follows the bytes, and lookups written before
the change still load."""

from __future__ import annotations

import numpy as np
from glossa.analysis import name_key
from glossa.indexer.store.segments import LOOKUP, SEGMENTS, Lookup
from glossa.indexer.store.sorted_strings import SortedStrings

from tests.fakes import FakeEncoder


def test_spans_equal_a_sorted_string_array_in_every_script():
    words = sorted(
        ["nps", "nps", "客户努力得分", "امتیاز تلاش مشتری", "obsługa", "a", "ą", "z", ""]
    )
    strings = SortedStrings.of(words)
    reference = np.array(words, dtype=str)
    for key in [*words, "b", "zz", "客", "\uffff", "nps "]:
        expected = (int(np.searchsorted(reference, key, "left")),
                    int(np.searchsorted(reference, key, "right")))  # fmt: skip
        assert strings.span(key) == expected, key
    assert strings.find("nps") == words.index("nps") and strings.find("b") is None
    for key in [*words, "b", "zz", "客", "\uffff", "nps "]:  # one bisection, the same answer
        assert strings.find(key) == (words.index(key) if key in words else None), key
    assert SortedStrings.of([]).find("x") is None
    assert SortedStrings.of([]).span("x") == (0, 0)


def test_spans_across_blocks_equal_a_sorted_string_array():
    """Many blocks of the lookup sample, runs of one key longer than a block and
    starting or ending on a block's first string: every span and find as NumPy's."""
    import random

    from glossa.indexer.store.sorted_strings import BLOCK

    rng = random.Random(7)
    words = [f"{rng.randrange(400):03d}" for _ in range(20 * BLOCK)]
    words += ["200"] * (3 * BLOCK) + ["050"] * (BLOCK - 1) + ["客"] * (BLOCK + 1)
    words.sort()
    strings, reference = SortedStrings.of(words), np.array(words, dtype=str)
    keys = sorted(set(words)) + ["", "0", "2000", "zz", "客户", "\uffff"]
    keys += [words[i] for i in range(0, len(words), BLOCK)]  # every block's first string
    for key in keys:
        left, right = (int(np.searchsorted(reference, key, side)) for side in ("left", "right"))
        assert strings.span(key) == (left, right), key
        assert strings.find(key) == (left if right > left else None), key


def test_one_long_name_does_not_pad_every_other():
    keys = sorted([f"k{i}" for i in range(10_000)] + ["x" * 500])
    assert SortedStrings.of(keys).nbytes < 150_000
    assert np.array(keys, dtype=str).nbytes > 19_000_000  # what the string array took


def test_lookups_written_as_string_arrays_still_load(tmp_path, bundled_entries):
    from glossa.indexer.build import build_index

    out = tmp_path / "idx"
    build_index(bundled_entries, FakeEncoder(), out)
    path = next((out / SEGMENTS).iterdir()) / LOOKUP
    current = Lookup.load(path)
    old = {name: getattr(current, name) for name in Lookup.__dataclass_fields__}
    old["ids"] = np.array([b.decode() for b in current.ids], dtype=str)
    old["name_keys"] = np.array([b.decode() for b in current.name_keys], dtype=str)
    with path.open("wb") as f:
        np.savez(f, **old)
    loaded = Lookup.load(path)
    for row, entry in enumerate(bundled_entries):
        assert loaded.row_of(entry.id) == current.row_of(entry.id) == row
        key = name_key(entry.term)
        assert loaded.rows_named(key).tolist() == current.rows_named(key).tolist()
        assert row in current.rows_named(key).tolist()
    assert loaded.row_of("no-such-id") is None

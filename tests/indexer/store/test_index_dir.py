import json
import os

import pytest
from glossa.indexer.build import EmptyCorpusError, build_index
from glossa.indexer.store.index_dir import (
    FORMAT_VERSION,
    MANIFEST,
    IndexLoadError,
)
from glossa.indexer.store.reader import load_index_dir
from glossa.indexer.store.segments import DOC_STATS, ENTRIES, LOOKUP, NAMES, POSTINGS, SEGMENTS

from tests.fakes import FakeEncoder


@pytest.fixture()
def small(bundled_entries):
    return bundled_entries[:20]


def test_round_trip(tmp_path, small, fake_encoder):
    out = tmp_path / "idx"
    manifest = build_index(small, fake_encoder, out)
    loaded = load_index_dir(out, expected_model="fake-encoder", expected_dimension=16)
    assert loaded.entries == tuple(small)
    assert len(loaded.segments) == 1 and manifest.count == 20
    on_disk = json.loads((out / MANIFEST).read_text())
    assert on_disk["model"] == "fake-encoder" and on_disk["dimension"] == 16
    assert on_disk["format_version"] == FORMAT_VERSION and len(on_disk["corpus_checksum"]) == 64
    assert on_disk["sources"] == {"000_56f73cb24ade583f.txt": 20}
    # the stored vectors are the encoder's, row for row
    expected = fake_encoder.encode_documents([f"{e.term}" for e in small])
    assert loaded.doc_vectors().shape == expected.shape
    assert loaded.doc_stats.shape == (20, 2) and (loaded.doc_stats[:, 1] > 0).all()
    assert loaded.name_vectors.shape == (20, 16)
    assert {p.name for p in out.iterdir()} == {MANIFEST, manifest.pseudo, SEGMENTS}
    assert manifest.pseudo.startswith("pseudo.g") and manifest.made_by == "build"
    segment = out / SEGMENTS / "s000001"
    assert {p.name for p in segment.iterdir()} == {
        "vectors.faiss",
        ENTRIES,
        DOC_STATS,
        NAMES,
        POSTINGS,
        LOOKUP,
    }
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert leftovers == [".idx.lock"]  # no temp dirs left; the (empty) lock file stays


def test_rebuild_replaces_and_checksum_is_order_independent(tmp_path, small, fake_encoder):
    out = tmp_path / "idx"
    first = build_index(small, fake_encoder, out)
    second = build_index(list(reversed(small)), fake_encoder, out)
    assert first.corpus_checksum == second.corpus_checksum
    assert load_index_dir(out).entries[0] == small[-1]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"expected_model": "other-model"},
            "built with model 'fake-encoder' but the settings select 'other-model'",
        ),
        ({"expected_dimension": 384}, "holds 16-dimensional vectors but the model makes 384"),
        ({"expected_doc_text": "term"}, "embeds 'names+definition' but the settings select 'term'"),
    ],
)
def test_mismatch_is_refused_with_rebuild_hint(tmp_path, small, fake_encoder, kwargs, message):
    out = tmp_path / "idx"
    build_index(small, fake_encoder, out)
    with pytest.raises(IndexLoadError) as info:
        load_index_dir(out, **kwargs)
    assert message in str(info.value)
    assert "glossa rebuild --index" in str(info.value)  # re-embeds its own entries


def test_format_version_and_damage_are_refused(tmp_path, small, fake_encoder):
    out = tmp_path / "idx"
    build_index(small, fake_encoder, out)
    manifest = json.loads((out / MANIFEST).read_text())
    (out / MANIFEST).write_text(json.dumps({**manifest, "format_version": 99}))
    with pytest.raises(IndexLoadError, match="format version 99"):
        load_index_dir(out)
    (out / MANIFEST).write_text(json.dumps(manifest))
    segment = out / SEGMENTS / "s000001"
    with (segment / ENTRIES).open("a") as f:
        f.write("\n")
    with pytest.raises(
        IndexLoadError, match=f"{ENTRIES} is damaged or truncated.*keep every readable entry with: glossa rebuild"
    ):
        load_index_dir(out)
    for name in ("vectors.faiss", DOC_STATS, NAMES, POSTINGS, LOOKUP):
        build_index(small, fake_encoder, out)  # a new version: its segment has a new name
        segment = out / SEGMENTS / json.loads((out / MANIFEST).read_text())["segments"][0]["name"]
        (segment / name).write_bytes((segment / name).read_bytes()[:100])  # truncated
        with pytest.raises(
            IndexLoadError, match=f"{name} is damaged or truncated.*glossa rebuild --index"
        ):
            load_index_dir(out)


def test_missing_index_says_how_to_build(tmp_path):
    with pytest.raises(
        IndexLoadError, match=r"no index at .*nothing.*glossa index GLOSSARY... --out .*bundled"
    ):
        load_index_dir(tmp_path / "nothing")


class ExplodingEncoder(FakeEncoder):
    def encode_documents(self, texts, progress=None):
        raise KeyboardInterrupt  # the user pressed Ctrl-C half-way through embedding


def test_interrupted_build_leaves_previous_index_loadable(tmp_path, small, fake_encoder):
    out = tmp_path / "idx"
    build_index(small, fake_encoder, out)
    with pytest.raises(KeyboardInterrupt):
        build_index(small[:5], ExplodingEncoder(), out)
    assert len(load_index_dir(out).entries) == 20


def test_crash_during_write_leaves_previous_index_and_no_temp(
    tmp_path, small, fake_encoder, monkeypatch
):
    out = tmp_path / "idx"
    build_index(small, fake_encoder, out)
    import glossa.indexer.store.index_dir as index_dir

    def crash(*_args, **_kwargs):
        raise OSError("disk full")

    before = {p.relative_to(out) for p in out.rglob("*")}
    monkeypatch.setattr(index_dir, "_keep_in_history", crash)  # inside the commit
    with pytest.raises(OSError, match="disk full"):
        build_index(small[:5], fake_encoder, out)
    assert len(load_index_dir(out).entries) == 20
    assert sorted(p.name for p in tmp_path.iterdir()) == [".idx.lock", "idx"]
    # the fresh segment and sample the build wrote are gone at once
    assert {p.relative_to(out) for p in out.rglob("*")} == before


def test_swap_interrupted_between_renames_recovers_previous(tmp_path, small, fake_encoder):
    out = tmp_path / "idx"
    build_index(small, fake_encoder, out)
    os.replace(out, tmp_path / ".idx.previous")  # died right after moving the old index aside
    assert len(load_index_dir(out).entries) == 20
    assert out.is_dir()


def test_empty_corpus_is_an_error(tmp_path, fake_encoder):
    with pytest.raises(EmptyCorpusError):
        build_index([], fake_encoder, tmp_path / "idx")


def test_reading_an_index_that_does_not_exist_leaves_nothing_behind(tmp_path):
    """A read (search, info, check) of a missing index says so and creates no lock
    file and no folder (issue 29: `.my-index.lock` was left behind)."""
    import pytest
    from glossa.indexer.store.index_dir import IndexLoadError
    from glossa.indexer.store.reader import load_index_dir

    missing = tmp_path / "nested" / "my-index"
    with pytest.raises(IndexLoadError):
        load_index_dir(missing)
    assert not (tmp_path / "nested").exists()
    (tmp_path / "here").mkdir()
    with pytest.raises(IndexLoadError):
        load_index_dir(tmp_path / "here" / "my-index")
    assert list((tmp_path / "here").iterdir()) == []

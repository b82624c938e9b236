"""A writer process is killed with SIGKILL at every step of an update and of a
rebuild; afterwards the index must load and hold exactly the old or exactly the
new entries: never a mix, never fewer than one of the two states."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from glossa.corpus.entry import Entry
from glossa.indexer.build import build_index
from glossa.indexer.store.files import FAILPOINT_ENV
from glossa.indexer.store.index_dir import (
    PREVIOUS,
    Manifest,
    history,
)
from glossa.indexer.store.reader import load_index_dir
from glossa.indexer.writes import apply_changes

from tests.fakes import FakeEncoder

pytestmark = pytest.mark.slow  # SIGKILLs writer processes

ROOT = Path(__file__).resolve().parents[3]
WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from glossa.corpus.entry import Entry
    from glossa.corpus.sources import load_entries
    from glossa.indexer.build import build_index
    from glossa.indexer.writes import apply_changes
    from tests.fakes import FakeEncoder

    op, path = sys.argv[1], Path(sys.argv[2])
    if op == "update":
        first = load_entries()[0]
        new = [Entry(f"de-crash{i}", f"Begriff {i}", f"Definition {i}.", "de", "crash")
               for i in range(2)]
        apply_changes(path, FakeEncoder(), add=new, delete=[first.id])
    elif op == "rebuild":
        build_index(load_entries()[40:100], FakeEncoder(), path)
    elif op == "reembed":  # glossa rebuild: the index's own entries, carried over
        from glossa.indexer.rebuild import rebuild_index
        rebuild_index(path, FakeEncoder())
    elif op == "loop":  # keep adding one entry at a time until killed
        for i in range(10_000):
            apply_changes(path, FakeEncoder(), add=[Entry(f"de-loop{i}", f"Wort {i}", "D.", "de", "l")])
    """
)
UPDATE_POINTS = [
    "update:embedded", "segment:vectors", "segment:written", "update:deletes", "update:merged",
    "commit:written", "commit:renamed",
]  # fmt: skip
# a full build is a commit like a write: fresh segment, fresh sample, manifest rename
REBUILD_POINTS = ["segment:vectors", "segment:written", "commit:written", "commit:renamed"]
# killed after the new manifest was renamed into place
COMMITTED = {"commit:renamed"}


@pytest.fixture(scope="module")
def base_index(tmp_path_factory, bundled_entries) -> Path:
    out = tmp_path_factory.mktemp("crash") / "base"
    build_index(bundled_entries[:40], FakeEncoder(), out)
    return out


def read_previous(index: Path) -> Manifest:
    return Manifest.model_validate_json((index / PREVIOUS).read_text(encoding="utf-8"))


def run_writer(op: str, index: Path, failpoint: str | None = None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop(FAILPOINT_ENV, None)
    if failpoint:
        env[FAILPOINT_ENV] = failpoint
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, op, str(index)], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def expected_states(op: str, bundled_entries: list[Entry]) -> tuple[tuple, tuple]:
    old = tuple(bundled_entries[:40])
    if op == "update":
        added = tuple(
            Entry(f"de-crash{i}", f"Begriff {i}", f"Definition {i}.", "de", "crash")
            for i in range(2)
        )
        return old, old[1:] + added
    if op == "reembed":
        return old, old  # the same entries, embedded again
    return old, tuple(bundled_entries[40:100])


@pytest.mark.parametrize(
    ("op", "point"),
    [("update", p) for p in UPDATE_POINTS] + [("rebuild", p) for p in REBUILD_POINTS]
    + [("reembed", p) for p in REBUILD_POINTS],
)
def test_sigkill_at_each_step_leaves_old_or_new_state(
    tmp_path, base_index, bundled_entries, op, point
):
    index = tmp_path / "idx"
    shutil.copytree(base_index, index)
    writer = run_writer(op, index, point)
    _, stderr = writer.communicate(timeout=120)
    assert writer.returncode == -signal.SIGKILL, stderr.decode()[-2000:]
    old, new = expected_states(op, bundled_entries)
    loaded = load_index_dir(index)  # verifies every checksum
    assert loaded.entries == (new if point in COMMITTED else old)
    assert len(loaded.doc_vectors()) == len(loaded.entries) == loaded.manifest.count
    # the index stays writable: the next write cleans up and succeeds
    apply_changes(index, FakeEncoder(), add=[Entry("de-after", "Danach", "D.", "de", "t")])
    after = load_index_dir(index)
    assert after.entries[-1].id == "de-after"
    # what the killed writer left (a segment or deletes file no manifest names) is gone
    named = after.manifest.files() | read_previous(index).files()
    for kept in history(index):  # the kept versions (glossa restore --to) and what they name
        named |= kept.files() | {f"history/manifest.g{kept.generation:08d}.json"}
    on_disk = {f"{d.parent.name}/{d.name}" for d in index.glob("*/*")}
    on_disk |= {p.name for p in index.glob("pseudo*.npy")}  # the samples of killed builds too
    assert on_disk <= named, on_disk - named
    assert not list(tmp_path.glob(".idx.building-*")) and not (tmp_path / ".idx.previous").exists()


def test_sigkill_at_random_moments_never_loses_a_committed_entry(tmp_path, base_index):
    index = tmp_path / "idx"
    shutil.copytree(base_index, index)
    rng = random.Random(7)
    committed = 40
    for _ in range(4):
        writer = run_writer("loop", index)
        time.sleep(rng.uniform(1.5, 3.0))  # startup takes ~1 s, then writes in a loop
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
        loaded = load_index_dir(index)
        ids = [e.id for e in loaded.entries]
        assert len(ids) == len(set(ids)) == loaded.manifest.count >= committed
        loop_ids = [i for i in ids if i.startswith("de-loop")]
        # each run restarts at de-loop0; re-adding an identical entry is a no-op,
        # so the runs continue where the killed one stopped: no gaps, no repeats
        assert loop_ids == [f"de-loop{i}" for i in range(len(loop_ids))]
        committed = len(ids)
    assert committed > 40

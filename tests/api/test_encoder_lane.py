"""The encoder thread's preparation before a search (``api.encoder_lane``):
queries waiting at the gate are embedded in one call, and threads follow the
cores other processes leave free (issue 29)."""

from __future__ import annotations

import itertools
import os
import time

from glossa.api.encoder_lane import EncoderLane, OtherLoad, threads_for
from glossa.indexer.encoders.encoder import CachedQueryEncoder

from tests.fakes import FakeEncoder


class Counting(FakeEncoder):
    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[str]] = []
        self.threads: list[int] = []

    def encode_queries(self, texts):
        self.batches.append(list(texts))
        return super().encode_queries(texts)

    def set_threads(self, threads: int) -> None:
        self.threads.append(threads)


class Fixed:
    def __init__(self, busy: float) -> None:
        self.busy = busy

    def cores(self) -> float:
        return self.busy


def test_waiting_queries_are_embedded_in_one_call_and_then_found_in_the_cache():
    inner = Counting()
    encoder = CachedQueryEncoder(inner, 100)
    lane = EncoderLane(load=Fixed(0.0))
    for text in ("hold time", "churn", "hold time", "nps"):
        lane.want(text)
    lane.prepare(encoder, "churn")
    assert inner.batches == [["churn", "hold time", "nps"]]  # its own first, each once
    for text in ("hold time", "nps"):  # the searches behind it: no encoder call
        lane.prepare(encoder, text)
        encoder.encode_queries([text])
    assert len(inner.batches) == 1 and lane.batched_queries == 3
    lane.done("churn")
    lane.done("hold time")
    lane.prepare(encoder, "alone")  # nobody else waiting: the search embeds it itself
    assert len(inner.batches) == 1


def test_threads_follow_the_cores_other_processes_leave_free():
    assert threads_for(2.0, 2) == 2
    assert threads_for(1.0, 2) == 1  # one core busy elsewhere: one thread, no contention
    assert threads_for(1.6, 2) == 2
    assert threads_for(0.1, 8) == 1  # never fewer than one
    assert threads_for(8.0, 4) == 4  # never more than asked for
    inner = Counting()
    lane = EncoderLane(most_threads=2, load=Fixed(1.0))
    lane.cores = 2
    lane.prepare(CachedQueryEncoder(inner, 10), "q")
    assert inner.threads == [1]


def test_other_load_subtracts_this_process_and_reads_proc_stat(tmp_path, monkeypatch):
    from glossa.api import encoder_lane

    stat = tmp_path / "stat"
    hz = os.sysconf("SC_CLK_TCK")
    clock = itertools.chain([0.0, 0.0, 1.0, 1.0], itertools.repeat(9.0))
    # this module's own names: patching time.monotonic itself would also feed the
    # clock to every other thread of the session (servers' event loops)
    monkeypatch.setattr(encoder_lane, "monotonic", lambda: next(clock))
    own = iter([os.times_result((0.0, 0.0, 0, 0, 0)), os.times_result((0.5, 0.0, 0, 0, 0))])
    monkeypatch.setattr(encoder_lane, "times", lambda: next(own))
    load = OtherLoad(stat)
    # user nice system idle iowait irq softirq steal, in clock ticks
    stat.write_text(f"cpu  0 0 0 {10 * hz} 0 0 0 0\n")
    assert load.cores() == 0.0  # the first reading has nothing to compare with
    # one second later: 1.5 cores busy in all, 0.5 of them this process
    stat.write_text(f"cpu  {int(1.5 * hz)} 0 0 {int(10.5 * hz)} 0 0 0 0\n")
    assert abs(load.cores() - 1.0) < 1e-6
    assert OtherLoad(tmp_path / "missing").cores() == 0.0  # no /proc: assume idle


def test_the_sampler_reads_the_last_fraction_of_a_second_not_the_time_since_the_last_search(
    tmp_path,
):
    """With the sampler, a burst of other work that has ended is forgotten
    without a search in between: the first search after it sees an idle machine
    (read only when asked, it would see the average over the burst)."""

    class Counted(OtherLoad):
        readings = 0

        def _read(self):
            Counted.readings += 1
            return super()._read()

    def wait_for_readings(n: int) -> None:
        target = Counted.readings + n
        deadline = time.monotonic() + 30  # a bound for a stuck thread, not a speed check
        while Counted.readings < target:
            assert time.monotonic() < deadline, "the sampler thread took no reading"
            time.sleep(0.01)

    stat = tmp_path / "stat"

    def write(line: str) -> None:  # whole, as /proc/stat reads: never a half-written line
        (tmp_path / "next").write_text(line)
        (tmp_path / "next").replace(stat)

    write("cpu  0 0 0 0 0 0 0 0\n")
    load = Counted(stat, sampler=True)
    assert load.cores() == 0.0
    hz = os.sysconf("SC_CLK_TCK")
    write(f"cpu  {1000 * hz} 0 0 0 0 0 0 0\n")  # a burst: 1000 s of other work
    wait_for_readings(2)
    write(f"cpu  {1000 * hz} 0 0 {1000 * hz} 0 0 0 0\n")  # then only idle time
    wait_for_readings(2)
    assert load.cores() == 0.0


def test_an_unreadable_line_is_no_reading(tmp_path):
    stat = tmp_path / "stat"
    stat.write_text("cpu  1 2\n")  # cut short
    assert OtherLoad(stat).cores() == 0.0

"""A short run of the loopback load test (benchmarks/robustness/load_test.py runs it for 60 s):
a real server process, searches with concurrent adds, retries and deletes, then
the served and on-disk entries must equal the expected set exactly."""

import pytest

from benchmarks.robustness.load_test import run

pytestmark = pytest.mark.slow  # a real loopback load run


def test_short_mixed_load_loses_and_duplicates_nothing(real_index_dir):
    report = run(real_index_dir, seconds=3, clients=2)
    assert not report.errors, report.errors[:5]
    # something of each kind happened, so the data checks below mean something;
    # throughput is the benchmark's business (benchmarks/robustness/load_test.py), not a test's
    assert report.searches > 0 and report.writes > 0 and report.added > 0
    assert report.expected_count == report.served_count == report.on_disk_count
    assert report.checksum_matches_server and report.checksum_matches_disk

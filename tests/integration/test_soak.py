"""Short versions of the soak (bench/soak, `make soak`; docs/RELIABILITY.md) that run in
`make test`. They assert outcomes, never timings:

- 100 browsers (SOAK_TEST_CLIENTS) upload mixed real images through presign + POST for 30 s:
  0 errors, every upload acknowledged is stored, processed and every variant decodes (Pillow) at
  its exact size, every job is done, and the server's RSS and open fds stay under bounds;
- the same with `kill -9` of the server at (seeded) random moments and a restart on the same data
  dir: every upload that got its 204 ends processed and verified, no job is left unfinished, no
  temp file is left;
- the data dir on a 64 MiB tmpfs filled up: uploads are refused with a clear error (503/507 and
  an S3 error code, not a 500), nothing partial is left (listing = what was acknowledged, no temp
  file, no orphaned object file after a restart), and uploads work again once space is freed.
  DELETE must work on the full disk, so that space can be freed through the API.
  The tmpfs needs root; if it cannot be mounted the test fails and says why (it never skips).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from helpers import imgpipe_bin  # noqa: E402
from soak import scenarios  # noqa: E402
from soak.procstat import ResourceSampler  # noqa: E402
from soak.server import SoakServer  # noqa: E402
from soak.uploads import UploadSoak, load_corpus  # noqa: E402

CLIENTS = int(os.environ.get("SOAK_TEST_CLIENTS", "100"))
DURATION_S = 30
# Open fds: each client holds at most one connection per port; beside those the server has its
# listeners, SQLite (database, WAL, shared memory), the log, epoll/eventfd per I/O context and
# the files the workers are reading or writing (~40 when idle).
FDS_BOUND = 2 * CLIENTS + 96
# RSS: measured 410-450 MiB at 20-200 clients (two workers decoding 12 MP photos, plus the
# allocator's per-thread arenas). 1 GiB fails if uploads were held in memory (the 30 s moves
# about 400 MB of originals) or memory grew per connection or per job.
RSS_BOUND_MIB = 1024


def test_upload_soak_30s_every_upload_processed_with_bounded_resources(tmp_path):
    server = SoakServer(tmp_path / "data", binary=imgpipe_bin())
    server.start()
    try:
        sampler = ResourceSampler(lambda: server.pid)
        sampler.start()
        soak = UploadSoak(server, clients=CLIENTS, duration_s=DURATION_S, corpus=load_corpus())
        stats = soak.run().summary()
        sampler.stop()
        usage = sampler.window(0, float("inf"))
    finally:
        rc = server.stop() if server.alive else None
    print(stats, usage)
    assert stats["errors"] == 0, stats["first_errors"]
    assert stats["acknowledged"] >= CLIENTS, stats  # each client finished at least one upload
    assert stats["verified"] == stats["acknowledged"] and stats["unverified"] == 0, stats
    jobs = scenarios.jobs_by_state(imgpipe_bin(), tmp_path / "data")
    assert jobs == {"done": stats["acknowledged"]}, jobs
    assert usage["samples"] >= 10, usage
    assert usage["fds_max"] <= FDS_BOUND, usage
    assert usage["rss_max_mib"] <= RSS_BOUND_MIB, usage
    assert rc == 0, server.tail()


def test_kill9_during_upload_soak_loses_no_acknowledged_upload(tmp_path):
    result = scenarios.kill9(imgpipe_bin(), tmp_path, clients=50, duration_s=DURATION_S,
                             kill_every_s=(6, 12), seed=1212)
    print(result)
    assert result["kills"] >= 1, result  # the scenario itself requires it, too
    assert result["stats"]["acknowledged"] > 0, result
    assert result["failures"] == [], result["failures"]


@pytest.fixture(scope="module")
def full_disk(tmp_path_factory) -> dict:
    """One run of the full-disk scenario, shared by the tests below."""
    try:
        result = scenarios.diskfull(imgpipe_bin(), tmp_path_factory.mktemp("diskfull"),
                                    size="64m")
    except scenarios.MountError as e:
        pytest.fail(str(e))
    print(result)
    return result


DELETE_REFUSED = "DELETEs refused on the full disk"


def test_full_disk_refused_cleanly_and_recovers(full_disk):
    assert full_disk["first_refusal"] is not None, full_disk
    assert full_disk["recovery"] and full_disk["orphan_files_after_restart"] == 0, full_disk
    others = [f for f in full_disk["failures"] if DELETE_REFUSED not in f]
    assert others == [], others


# Uploads stop at the store's free-space watermark, so the index keeps room to record deletes
# and space can be freed through the API.
def test_full_disk_still_accepts_delete(full_disk):
    assert full_disk["deleted"] > 0 and full_disk["delete_refusals"] == [], full_disk

"""Graceful drain on SIGTERM against the real binary (every role in one process):

- a 200 MiB upload in flight when SIGTERM arrives completes (200, the object whole after a
  restart) and the process exits 0; the ops listener's /readyz answers 503 meanwhile;
- 20 uploads whose jobs are queued or running at SIGTERM: exit 0, some job still unfinished
  then (handed back to the queue), and after a restart every job ends `done` with its variants
  stored as recorded — nothing lost, no job's outcome differing between runs;
- a job still running when http.drain_timeout runs out is cut short: exit 0 at the timeout, its
  message handed back, and after a restart it ends `done` with every variant.
"""

from __future__ import annotations

import hashlib
import json
import http.client
import signal
import time
from urllib.parse import urlsplit

import pytest
import requests

from helpers import STOP_TIMEOUT_S, TESTDATA, imgpipe_bin, new_server, run
from ops_client import ops_url
from pipeline_client import image_id_for, s3_client, wait_for_state

PHOTO = TESTDATA / "sharp-fixtures" / "2569067123_aca715a2ee_o.jpg"  # 2725x2225
BIG = 200 << 20
CHUNK = 1 << 20


@pytest.fixture
def server(tmp_path):
    srv = new_server(tmp_path / "data", roles=None,
                     env={"IMGPIPE_METRICS_LISTEN": "127.0.0.1:0",
                          "IMGPIPE_WORKER_CONCURRENCY": "1"})
    srv.start()
    yield srv
    if srv.proc is not None:
        srv.stop_and_check()


def wait_for_log(server, msg: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not any(f'"msg":"{msg}"' in line for line in server.log_lines):
        assert time.monotonic() < deadline, f"no '{msg}' log line:\n{server.stderr_text()}"
        time.sleep(0.01)


def chunk(i: int) -> bytes:
    """Deterministic, incompressible-looking content for chunk i."""
    return hashlib.sha256(str(i).encode()).digest() * (CHUNK // 32)


def test_sigterm_during_a_200_mib_upload_lets_it_finish(server):
    s3_client(server).create_bucket(Bucket="big")
    url = s3_client(server).generate_presigned_url(
        "put_object", Params={"Bucket": "big", "Key": "blob.bin"}, ExpiresIn=600)
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    conn.putrequest("PUT", parts.path + "?" + parts.query, skip_accept_encoding=True)
    conn.putheader("Content-Length", str(BIG))
    conn.endheaders()
    md5 = hashlib.md5()
    for i in range(BIG // CHUNK // 2):
        data = chunk(i)
        md5.update(data)
        conn.send(data)

    proc = server.proc
    proc.send_signal(signal.SIGTERM)
    wait_for_log(server, "shutting down")
    ready = requests.get(ops_url(server, "/readyz"), timeout=10)
    assert ready.status_code == 503 and ready.json()["checks"]["drain"] == "draining", ready.text

    for i in range(BIG // CHUNK // 2, BIG // CHUNK):
        data = chunk(i)
        md5.update(data)
        conn.send(data)
    resp = conn.getresponse()
    body = resp.read()
    assert resp.status == 200, body
    assert resp.getheader("ETag") == f'"{md5.hexdigest()}"'
    conn.close()

    assert proc.wait(STOP_TIMEOUT_S) == 0, server.stderr_text()
    server.proc = None
    server.start()
    head = s3_client(server).head_object(Bucket="big", Key="blob.bin")
    assert head["ContentLength"] == BIG
    assert head["ETag"] == f'"{md5.hexdigest()}"'


def states_at_rest(data_dir) -> list[str]:
    """The job states `imgpipe jobs list` reports on a stopped server's data dir."""
    res = run([imgpipe_bin(), "jobs", "list", "--data-dir", data_dir, "--limit", "100"])
    rows = res.stdout.decode().splitlines()[1:]
    return [row.split()[1] for row in rows if row.strip()]


def test_sigterm_with_20_queued_jobs_loses_none(server):
    data = PHOTO.read_bytes()
    keys = [f"drain/{i:02d}.jpg" for i in range(20)]
    client = s3_client(server)
    for key in keys:
        client.put_object(Bucket="uploads", Key=key, Body=data, ContentType="image/jpeg")
    rc = server.stop()
    assert rc == 0, server.stderr_text()

    states = states_at_rest(server.data_dir)
    assert "processing" not in states, f"a job left running at exit: {states}"
    assert states.count("done") < 20, "every job finished before SIGTERM: nothing was handed back"

    server.start()
    client = s3_client(server)  # the new process listens on a new port
    for key in keys:
        job = wait_for_state(server, image_id_for(server, "uploads", key), timeout=120)
        assert job["state"] == "done", job
        assert [v["name"] for v in job["variants"]] == ["400x400", "200x200", "100x100"]
        for v in job["variants"]:
            head = client.head_object(Bucket=v["bucket"], Key=v["key"])
            assert head["ContentLength"] == v["bytes"], (key, v)


@pytest.fixture
def short_drain_server(tmp_path):
    srv = new_server(tmp_path / "data", roles=None,
                     env={"IMGPIPE_HTTP_DRAIN_TIMEOUT": "300ms",
                          "IMGPIPE_WORKER_CONCURRENCY": "1"})
    yield srv
    if srv.proc is not None:  # the test failed with the server up
        srv.proc.kill()
        srv.proc.wait()


def test_a_job_running_past_the_drain_timeout_is_handed_back(short_drain_server):
    # Eight 2000-pixel WebP variants of a 6 MP photo: seconds of work, against a 300 ms drain.
    srv = short_drain_server
    srv.start()
    variants = [{"width": 2000 - i, "height": 1600, "fit": "inside", "format": "webp"}
                for i in range(8)]
    client = s3_client(srv)
    client.put_object(Bucket="uploads", Key="slow.jpg", Body=PHOTO.read_bytes(),
                      ContentType="image/jpeg", Metadata={"variants": json.dumps(variants)})
    image_id = image_id_for(srv, "uploads", "slow.jpg")
    wait_for_state(srv, image_id, states=("processing",))
    rc = srv.stop()
    assert rc == 0, srv.stderr_text()
    assert any('"jobs_handed_back":true' in line for line in srv.log_lines), srv.stderr_text()

    srv.start()
    job = wait_for_state(srv, image_id, timeout=120)
    assert job["state"] == "done", job
    assert [v["name"] for v in job["variants"]] == [f"{v['width']}x1600" for v in variants]
    assert {(v["width"], v["height"]) for v in job["variants"]} == {(1960, 1600)}  # 2725x2225 inside
    srv.stop_and_check()

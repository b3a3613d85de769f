"""The pipeline loses nothing: crashes, restarts, an unreachable webhook receiver and a backlog.

- `kill -9` with 20 jobs in flight, restart → all 20 end done, each output present once and
  byte-identical to what `imgpipe resize` makes of the same file, no job left processing;
- `kill -9` in the middle of an upload → no object, no event, no job, no stray file;
- a webhook receiver gets every event with a valid signature, in order per image, although it
  answers 500 three times and imgpipe restarts in between;
- 500 uploads queued faster than the workers drain them: all end done while the server's RSS
  stays under a bound (see RSS_BOUND_MIB).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from helpers import TESTDATA, imgpipe_bin, new_server, run
from pipeline_client import api, image_id_for, s3_client, status, wait_for_state

PHONE = TESTDATA / "phone-photos" / "Xiaomi_Mi_9T_KeyError.jpg"  # 12 MP, EXIF 6
PHOTO = TESTDATA / "sharp-fixtures" / "2569067123_aca715a2ee_o.jpg"  # 2725x2225
SMALL = TESTDATA / "exif-orientation-examples" / "Landscape_1.jpg"  # 1800x1200

# 500 uploads: what bounds the server's memory is the worker pool (with 2 CPU slots, 2 images
# being decoded and resized — 2725x2225x3 = 17 MiB of pixels each plus the resampled
# intermediates — and 2 more jobs reading an original or storing variants), not the backlog,
# which waits in SQLite. Measured 65-78 MiB at the peak with 320-350
# jobs queued; 160 MiB leaves room for allocator slack and still fails if the backlog were held
# in memory (the 500 originals alone are 400 MB).
RSS_BOUND_MIB = 160


@pytest.fixture
def servers():
    """Makes servers for a test and kills any a failing test left running."""
    made = []

    def make(data_dir, **options):
        made.append(new_server(data_dir, **options))
        return made[-1]

    yield make
    for srv in made:
        if srv.proc is not None:
            srv.proc.kill()
            srv.proc.wait()


def jobs_list(server, *args: str) -> list[list[str]]:
    out = run([imgpipe_bin(), "jobs", "list", "--limit", "100000", "--data-dir",
               server.data_dir, *args]).stdout.decode()
    return [line.split() for line in out.splitlines()[1:]]


def kill9(server) -> None:
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait()
    server.proc = None


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def test_kill9_with_20_jobs_in_flight_loses_nothing(tmp_path, servers):
    # A short lease, renewed while a job runs: the killed process's jobs come back 2 s after it.
    server = servers(tmp_path / "data", roles=None,
                        env={"IMGPIPE_WORKER_CONCURRENCY": "2", "IMGPIPE_WORKER_LEASE": "2s"})
    server.start()
    client = s3_client(server, max_pool_connections=16)
    keys = [f"crash/{i:02d}.jpg" for i in range(20)]
    data = PHONE.read_bytes()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda k: client.put_object(Bucket="uploads", Key=k, Body=data,
                                                  ContentType="image/jpeg"), keys))
    kill9(server)
    before = {row[0]: row[1] for row in jobs_list(server)}
    ids = [image_id_for(server, "uploads", k) for k in keys]
    # Not yet relayed (no job yet) or not yet done: either way the crash interrupted it.
    unfinished = [i for i in ids if before.get(i) != "done"]
    assert unfinished, "the kill came too late to interrupt anything; the test proves nothing"

    server.start()
    for image_id in ids:
        assert wait_for_state(server, image_id, timeout=120)["state"] == "done"
    assert not [row for row in jobs_list(server) if row[1] != "done"]

    # Each output exactly once, and the bytes `imgpipe resize` makes of the same file.
    client = s3_client(server, max_pool_connections=16)  # the restarted server listens on new ports
    reference = tmp_path / "reference"
    run([imgpipe_bin(), "resize", str(PHONE), "--out", str(reference)])
    listed = client.list_objects_v2(Bucket="resized", Prefix="resized-")["Contents"]
    assert sorted(o["Key"] for o in listed) == sorted(
        f"resized-{s}x{s}/{k}" for s in (400, 200, 100) for k in keys)
    for side in (400, 200, 100):
        want = (reference / f"{side}x{side}" / (PHONE.stem + ".jpg")).read_bytes()
        for k in keys:
            got = client.get_object(Bucket="resized", Key=f"resized-{side}x{side}/{k}")
            assert got["Body"].read() == want, k
    server.stop_and_check()


def test_kill9_mid_upload_leaves_nothing(tmp_path, servers):
    server = servers(tmp_path / "data", roles=None)
    server.start()
    answer = requests.post(api(server, "/upload-image"), json={"filename": "half.jpg"},
                           timeout=10).json()
    boundary = "----imgpipe-half-upload"
    head = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{n}"\r\n\r\n{v}\r\n'
                   for n, v in answer["fields"].items())
    head += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
             f'filename="half.jpg"\r\nContent-Type: image/jpeg\r\n\r\n')
    body_len = len(head) + 4 * 1024 * 1024 + len(f"\r\n--{boundary}--\r\n")
    sock = socket.create_connection(("127.0.0.1", server.s3_port))
    sock.sendall((f"POST /uploads HTTP/1.1\r\nHost: {server.host}\r\n"
                  f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                  f"Content-Length: {body_len}\r\n\r\n{head}").encode())
    sock.sendall(os.urandom(2 * 1024 * 1024))  # half of the file
    tmp_dir = server.data_dir / "tmp"
    deadline = time.monotonic() + 30
    while not (tmp_dir.is_dir() and any(tmp_dir.iterdir())):
        assert time.monotonic() < deadline, "the upload never reached the store"
        time.sleep(0.01)
    kill9(server)
    sock.close()

    server.start()
    assert not any(tmp_dir.iterdir()), "the partial upload was swept"
    import botocore.exceptions
    with pytest.raises(botocore.exceptions.ClientError):
        s3_client(server, max_pool_connections=16).head_object(Bucket="uploads", Key=answer["key"])
    assert status(server, answer["id"]).status_code == 404
    assert jobs_list(server) == []
    server.stop_and_check()


class Receiver:
    """A webhook receiver: records every request; answers 500 to the first `failures`."""

    def __init__(self, failures: int):
        self.requests: list[tuple[dict, bytes]] = []
        self.failures = failures
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with outer.lock:
                    outer.requests.append((dict(self.headers), body))
                    failing = outer.failures > 0
                    outer.failures -= 1
                self.send_response(500 if failing else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"

    def delivered(self) -> list[tuple[dict, bytes]]:
        """Requests answered 2xx: every one after the failures."""
        with self.lock:
            return list(self.requests[3:])

    def close(self):
        self.httpd.shutdown()


def test_webhooks_arrive_signed_in_order_despite_failures_and_a_restart(tmp_path, servers):
    receiver = Receiver(failures=3)
    secret = "s3cr3t-for-hmac"
    server = servers(tmp_path / "data", roles=None, env={
        "IMGPIPE_NOTIFY_URLS": receiver.url, "IMGPIPE_NOTIFY_SECRET": secret,
        "IMGPIPE_NOTIFY_RETRY_BACKOFF": "200ms"})
    server.start()
    client = s3_client(server, max_pool_connections=16)
    client.put_object(Bucket="uploads", Key="hooks/a.jpg", Body=SMALL.read_bytes())
    wait_for_state(server, image_id_for(server, "uploads", "hooks/a.jpg"))
    deadline = time.monotonic() + 30
    while len(receiver.requests) < 2:  # it has failed at least twice
        assert time.monotonic() < deadline
        time.sleep(0.01)
    server.restart()
    client = s3_client(server, max_pool_connections=16)
    client.put_object(Bucket="uploads", Key="hooks/b.jpg", Body=SMALL.read_bytes())
    wait_for_state(server, image_id_for(server, "uploads", "hooks/b.jpg"))
    deadline = time.monotonic() + 60
    while len(receiver.delivered()) < 8:
        assert time.monotonic() < deadline, [json.loads(b)["eventName"] if b"eventName" in b
                                             else "ObjectCreated" for _, b in receiver.requests]
        time.sleep(0.02)
    server.stop_and_check()
    receiver.close()

    per_image: dict[str, list[str]] = {}
    deliveries = set()
    for headers, body in receiver.delivered():
        mac = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        assert headers["X-Imgpipe-Signature"] == f"sha256={mac}"
        assert headers["Content-Type"] == "application/json"
        deliveries.add(headers["X-Imgpipe-Delivery"])
        event = json.loads(body)
        if "Records" in event:
            record = event["Records"][0]
            assert record["eventName"] == "ObjectCreated:Put"
            assert record["s3"]["bucket"]["name"] == "resized"
            key = record["s3"]["object"]["key"]  # form-URL-encoded; these keys need none
            source = key.split("/", 1)[1]
            per_image.setdefault(source, []).append(key.split("/", 1)[0])
        else:
            assert event["eventName"] == "ImageProcessed"
            per_image.setdefault(event["image"]["key"], []).append("ImageProcessed")
    # The first delivery was retried (the same delivery id), not sent anew.
    assert len(deliveries) == 8
    for source in ("hooks/a.jpg", "hooks/b.jpg"):
        assert per_image[source] == ["resized-400x400", "resized-200x200", "resized-100x100",
                                     "ImageProcessed"], per_image


def test_500_uploads_faster_than_the_workers_all_end_done_in_bounded_memory(tmp_path, servers):
    server = servers(tmp_path / "data", roles=None, env={"IMGPIPE_WORKER_CONCURRENCY": "2"})
    server.start()
    client = s3_client(server, max_pool_connections=16)
    data = PHOTO.read_bytes()
    keys = [f"backlog/{i:03d}.jpg" for i in range(500)]
    peak = [rss_mib(server.pid)]
    stop = threading.Event()

    def sample():
        while not stop.wait(0.05):
            peak.append(rss_mib(server.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda k: client.put_object(Bucket="uploads", Key=k, Body=data), keys))
    pending = [row for row in jobs_list(server) if row[1] in ("pending", "processing")]
    assert len(pending) >= 50, "the uploads did not outpace the workers; no backlog was tested"
    for k in keys:
        assert wait_for_state(server, image_id_for(server, "uploads", k), timeout=300)["state"] == "done"
    stop.set()
    sampler.join()
    print(f"peak RSS {max(peak):.0f} MiB with {len(pending)} jobs queued at the end of uploading")
    assert max(peak) < RSS_BOUND_MIB, f"peak RSS {max(peak):.0f} MiB"
    server.stop_and_check()

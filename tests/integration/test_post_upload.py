"""A 1 GiB browser-style POST upload into imgpipe streams: it completes (204, full size stored)
while the server's resident memory stays under 64 MiB above its idle level.

The upload API caps policies at upload.max_bytes (25 MiB by default), so the 1 GiB policy is
signed here with boto3 generate_presigned_post and the server's credentials — the same
policy format the API issues, verified by the same POST Object code path."""

from __future__ import annotations

import json
import os
import threading
import time

import requests

from helpers import run

GIB = 1 << 30
RSS_BUDGET = 64 << 20


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


class RssSampler(threading.Thread):
    """Samples a process's RSS every 20 ms until stopped; keeps the peak."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.samples = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak = max(self.peak, rss_bytes(self.pid))
            self.samples += 1
            time.sleep(0.02)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(5)


def test_one_gib_post_upload_streams(server, workdir):
    import boto3
    from botocore.config import Config

    s3 = boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1",
                      aws_access_key_id=server.access_key,
                      aws_secret_access_key=server.secret_key,
                      config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))
    key = "uploads/big/one-gib.bin"
    post = s3.generate_presigned_post(
        "uploads", key, Fields={"Content-Type": "image/jpeg"},
        Conditions=[{"Content-Type": "image/jpeg"}, ["content-length-range", 1, 2 * GIB]],
        ExpiresIn=900)

    # A sparse file: reading it gives zeros without first writing 1 GiB to disk.
    src = workdir / "one-gib.jpg"
    with open(src, "wb") as f:
        f.truncate(GIB)

    # Warm the server (first requests allocate pools), then take the idle level (each warm-up
    # response has been read, so the server is done with them).
    for _ in range(3):
        assert requests.get(f"{server.endpoint}/uploads?list-type=2", timeout=10).status_code < 500
    idle = rss_bytes(server.pid)

    sampler = RssSampler(server.pid)
    sampler.start()
    try:
        args = ["curl", "-sS", "-o", "-", "-w", "\n%{http_code}"]
        for name, value in post["fields"].items():
            args += ["--form-string", f"{name}={value}"]
        args += ["-F", f"file=@{src}", post["url"]]
        res = run(args, timeout=600)
    finally:
        sampler.stop()
    body, _, status = res.stdout.rpartition(b"\n")
    assert int(status) == 204, body[:500]
    head = s3.head_object(Bucket="uploads", Key=key)
    assert head["ContentLength"] == GIB
    growth = sampler.peak - idle
    print(json.dumps({"idle_rss_mib": idle / 2**20, "peak_rss_mib": sampler.peak / 2**20,
                      "growth_mib": growth / 2**20, "samples": sampler.samples}))
    assert sampler.samples > 10
    assert growth < RSS_BUDGET, f"RSS grew by {growth / 2**20:.1f} MiB during a 1 GiB upload"
    s3.delete_object(Bucket="uploads", Key=key)
    os.remove(src)

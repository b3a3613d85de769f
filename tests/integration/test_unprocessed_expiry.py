"""upload.expire_unprocessed against the real binary (issue 12, disk exhaustion): an upload made
through the presigned POST whose processing never starts (no worker runs) is deleted with its
job once older than the setting; an image a worker processed earlier, in the same source bucket
and older still, is kept. Seen through S3 (HEAD), the status API and /metrics."""

from __future__ import annotations

import re

import requests

from helpers import TESTDATA, new_server, run, wait_until
from pipeline_client import api, s3_client, status, wait_for_state

SMALL = TESTDATA / "exif-orientation-examples" / "Landscape_1.jpg"
EXPIRE = {"IMGPIPE_UPLOAD_EXPIRE_UNPROCESSED": "5s"}


def upload(server, path) -> dict:
    """The seed's flow: /upload-image, then a browser-style multipart POST with curl."""
    resp = requests.post(api(server, "/upload-image"), json={"filename": "cat.jpg"}, timeout=10)
    assert resp.status_code == 200, resp.text
    answer = resp.json()
    args = ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}"]
    for name, value in answer["fields"].items():
        args += ["--form-string", f"{name}={value}"]
    args += ["-F", f"file=@{path}", answer["url"]]
    assert run(args).stdout.decode() == "204"
    return answer


def stored(server, key: str) -> bool:
    from botocore.exceptions import ClientError
    try:
        s3_client(server).head_object(Bucket="uploads", Key=key)
        return True
    except ClientError as e:
        assert e.response["Error"]["Code"] in ("404", "NoSuchKey"), e.response
        return False


def expired_total(server) -> float:
    text = requests.get(api(server, "/metrics"), timeout=10).text
    m = re.search(r"^imgpipe_uploads_expired_total (\S+)$", text, re.M)
    assert m, "imgpipe_uploads_expired_total missing from /metrics"
    return float(m.group(1))


def test_unprocessed_upload_expires_and_a_processed_one_stays(tmp_path):
    # First with a worker: this upload is processed, and must outlive the expiry below.
    server = new_server(tmp_path / "data", roles="s3,api,worker")
    server.start()
    try:
        processed = upload(server, SMALL)
        assert wait_for_state(server, processed["id"])["state"] == "done"
    finally:
        server.stop_and_check()

    # Then without one: nothing ever starts the next upload's job.
    server.roles = "s3,api"
    server.env = EXPIRE
    server.start()
    try:
        waiting = upload(server, SMALL)
        assert wait_for_state(server, waiting["id"], states=("pending",))["state"] == "pending"

        wait_until(lambda: not stored(server, waiting["key"]),
                   "the unprocessed upload is deleted", timeout=60)
        assert status(server, waiting["id"]).status_code == 404
        assert expired_total(server) == 1
        # The sweep that deleted it read the whole (one-page) source bucket, the older processed
        # upload included: that one is still there, and still done.
        assert stored(server, processed["key"])
        assert status(server, processed["id"]).json()["state"] == "done"
    finally:
        server.stop_and_check()

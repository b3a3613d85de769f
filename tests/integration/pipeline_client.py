"""Client-side helpers for the pipeline tests: the image id a key gets, the status API and its
server-sent events, and reading variants back through their URLs with an independent decoder
(Pillow; `vipsheader` for AVIF, which Debian's Pillow cannot read)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import subprocess
import time
from pathlib import Path

import requests

TERMINAL = ("done", "failed")


def image_id_for(server, bucket: str, key: str) -> str:
    """The id the pipeline gives an object not uploaded through the API: 22 base64url
    characters of HMAC-SHA256(the server's secret key, bucket NUL key), computed here from that
    definition."""
    mac = hmac.new(server.secret_key.encode(), bucket.encode() + b"\0" + key.encode(),
                   hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode()[:22]


def s3_client(server, secret: str | None = None, **config):
    """boto3 (the python running the tests) against the server's S3 endpoint, path-style, with
    its root credentials (or `secret` in their place); `config` goes to botocore's Config."""
    import boto3
    from botocore.config import Config
    return boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1",
                        aws_access_key_id=server.access_key,
                        aws_secret_access_key=secret or server.secret_key,
                        config=Config(s3={"addressing_style": "path"}, **config))


def api(server, path: str) -> str:
    assert server.api_port, "the server has no api listener"
    return f"http://127.0.0.1:{server.api_port}{path}"


def status(server, image_id: str) -> requests.Response:
    return requests.get(api(server, f"/images/{image_id}"), timeout=10)


def wait_for_state(server, image_id: str, states=TERMINAL, timeout: float = 60) -> dict:
    """Polls GET /images/{id} until its state is one of `states` (404s while the event is on its
    way count as not yet)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        resp = status(server, image_id)
        if resp.status_code == 200:
            last = resp.json()
            if last["state"] in states:
                return last
        elif resp.status_code != 404:
            raise AssertionError(f"GET /images/{image_id}: {resp.status_code} {resp.text}")
        time.sleep(0.02)
    raise AssertionError(f"image {image_id} not in {states} after {timeout}s; last: {last}")


def wait_until_known(server, image_id: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while status(server, image_id).status_code == 404:
        assert time.monotonic() < deadline, f"no job for {image_id} after {timeout}s"
        time.sleep(0.01)


def sse_stream(server, image_id: str, timeout: float = 60):
    """Yields each event of GET /images/{id}/events as it arrives, until the server closes."""
    with requests.get(api(server, f"/images/{image_id}/events"), stream=True,
                      timeout=timeout) as resp:
        assert resp.status_code == 200, resp.text
        assert resp.headers["Content-Type"].startswith("text/event-stream")
        data: list[str] = []
        for line in resp.iter_lines(chunk_size=1, decode_unicode=True):
            if line == "":
                if data:
                    yield json.loads("\n".join(data))
                data = []
            elif line.startswith("data:"):
                data.append(line[5:].lstrip())


def sse_events(server, image_id: str, timeout: float = 60) -> list[dict]:
    """Every event of the stream, once the server has closed it."""
    return list(sse_stream(server, image_id, timeout))


def image_size(data: bytes) -> tuple[str, int, int]:
    """(format, width, height) read by an independent decoder."""
    if data[4:12] == b"ftypavif":
        return avif_size(data)
    from PIL import Image
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        return im.format.lower(), im.width, im.height


def avif_size(data: bytes) -> tuple[str, int, int]:
    tmp = Path("/tmp") / f"imgpipe-avif-{hashlib.sha1(data).hexdigest()}.avif"
    tmp.write_bytes(data)
    try:
        out = subprocess.run(["vipsheader", "-f", "width", str(tmp)], capture_output=True,
                             check=True, text=True).stdout
        height = subprocess.run(["vipsheader", "-f", "height", str(tmp)], capture_output=True,
                                check=True, text=True).stdout
        return "avif", int(out), int(height)
    finally:
        tmp.unlink()


def fetch_variants(job: dict) -> dict[str, bytes]:
    """Each variant's bytes fetched through the URL the status API gave, by variant name;
    asserts the answer's Content-Type and Cache-Control."""
    out = {}
    for v in job["variants"]:
        resp = requests.get(v["url"], timeout=30)
        assert resp.status_code == 200, (v, resp.status_code, resp.text[:300])
        assert resp.headers["Content-Type"] == v["contentType"], v
        assert "max-age" in resp.headers.get("Cache-Control", ""), resp.headers
        assert len(resp.content) == v["bytes"], v
        out[v["name"]] = resp.content
    return out

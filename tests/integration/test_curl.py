"""curl's built-in SigV4 (`--aws-sigv4 "aws:amz:us-east-1:s3"`) against imgpipe, path-style
and virtual-hosted-style (a `Host: <bucket>.localhost:<port>` header, which curl signs).

curl 7.88 signs only host and x-amz-date unless told more; for uploads the caller passes
x-amz-content-sha256 on every request (S3 needs it; curl >= 8 adds it itself), which curl then
signs."""

from __future__ import annotations

import hashlib
import os

import pytest

from helpers import run

BUCKET = "curl-bucket"
EMPTY = ["-H", f"x-amz-content-sha256: {hashlib.sha256(b'').hexdigest()}"]


def curl(server, *args: str, secret: str | None = None, expect_status: int | None = 200):
    res = run(["curl", "-sS", "--aws-sigv4", "aws:amz:us-east-1:s3", "--user",
               f"{server.access_key}:{secret or server.secret_key}", "-w", "\n%{http_code}",
               *args], timeout=60)
    body, _, status = res.stdout.rpartition(b"\n")
    if expect_status is not None:
        assert int(status) == expect_status, f"HTTP {status.decode()}: {body[:500]!r}"
    return int(status), body


@pytest.fixture(scope="module")
def bucket(server) -> str:
    curl(server, "-X", "PUT", *EMPTY, f"{server.endpoint}/{BUCKET}")
    return BUCKET


@pytest.mark.parametrize("style", ["path", "virtual"])
def test_put_signed_body_then_get(server, bucket, workdir, style):
    data = os.urandom(200_000)
    src = workdir / f"curl-{style}.bin"
    src.write_bytes(data)
    key = f"curl/{style}/signed.bin"
    if style == "path":
        url, host = f"{server.endpoint}/{bucket}/{key}", []
    else:
        url, host = f"{server.endpoint}/{key}", ["-H", f"Host: {server.vhost(bucket)}"]
    curl(server, "-X", "PUT", *host, "-H", "Content-Type: application/octet-stream",
         "-H", f"x-amz-content-sha256: {hashlib.sha256(data).hexdigest()}",
         "--data-binary", f"@{src}", url)
    _, got = curl(server, *host, *EMPTY, url)
    assert got == data
    _, head = curl(server, "-I", *host, *EMPTY, url)
    assert f"content-length: {len(data)}".encode() in head.lower()
    assert f'etag: "{hashlib.md5(data).hexdigest()}"'.encode() in head.lower()


@pytest.mark.parametrize("style", ["path", "virtual"])
def test_upload_file_unsigned_payload_then_get(server, bucket, workdir, style):
    data = os.urandom(3 * 1024 * 1024 + 7)
    src = workdir / f"curl-T-{style}.bin"
    src.write_bytes(data)
    key = f"curl/{style}/unsigned.bin"
    if style == "path":
        url, host = f"{server.endpoint}/{bucket}/{key}", []
    else:
        url, host = f"{server.endpoint}/{key}", ["-H", f"Host: {server.vhost(bucket)}"]
    # -T sends Expect: 100-continue and streams the file.
    curl(server, "-T", str(src), *host, "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", url)
    _, got = curl(server, *host, *EMPTY, url)
    assert got == data
    _, part = curl(server, *host, *EMPTY, "-H", "Range: bytes=10-19", url, expect_status=206)
    assert part == data[10:20]


def test_list_bucket_virtual_hosted(server, bucket):
    curl(server, "-X", "PUT", "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", "--data-binary",
         "listed", f"{server.endpoint}/{bucket}/curl/list/one.txt")
    _, xml = curl(server, "-H", f"Host: {server.vhost(bucket)}", *EMPTY,
                  # curl 7.88 does not percent-encode "/" in its canonical query string, so
                  # the prefix avoids it.
                  f"{server.endpoint}/?list-type=2&prefix=curl")
    assert b"<Key>curl/list/one.txt</Key>" in xml, xml


def test_wrong_secret_is_rejected(server, bucket):
    status, body = curl(server, *EMPTY, f"{server.endpoint}/{bucket}/curl/list/one.txt",
                        secret="not-the-secret", expect_status=None)
    assert status == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in body, body

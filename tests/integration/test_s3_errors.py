"""The status and error code of requests S3 refuses, as AWS answers them (ceph s3-tests'
test_object_raw_get_x_amz_expires_* and test_object_raw_get_*_gone; AWS's codes as
../shared/docs/s3-compat.md §1.3 cites them): presigned URLs with an X-Amz-Expires of 0, negative or past
seven days, expired ones, and anonymous requests for buckets or keys that do not exist. The URLs
are presigned by the tests' own SigV4 (s3sig.py; botocore's CRT signer refuses expiries under
1 s), and sent with plain HTTP (urllib)."""

from __future__ import annotations

import datetime as dt
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

import pytest

import s3sig
from helpers import new_server, run

PUBLIC = "errs-public"
PRIVATE = "errs-private"

@pytest.fixture(scope="module")
def public_server(tmp_path_factory):
    srv = new_server(tmp_path_factory.mktemp("data"))
    srv.env["IMGPIPE_S3_PUBLIC_READ_BUCKETS"] = PUBLIC
    srv.start()
    yield srv
    srv.stop_and_check()


def http_get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as res:
            return res.status, ""
    except urllib.error.HTTPError as e:
        body = e.read()
        code = ET.fromstring(body).findtext("Code") if body else ""
        return e.code, code or ""


@pytest.fixture(scope="module")
def buckets(public_server, workdir):
    body = workdir / "errs-body.txt"
    body.write_bytes(b"x")
    env = {"AWS_ACCESS_KEY_ID": public_server.access_key,
           "AWS_SECRET_ACCESS_KEY": public_server.secret_key, "AWS_DEFAULT_REGION": "us-east-1"}
    for bucket in (PUBLIC, PRIVATE):
        run(["/usr/bin/aws", "--endpoint-url", public_server.endpoint, "s3api", "create-bucket",
             "--bucket", bucket], env=env, timeout=60)
        run(["/usr/bin/aws", "--endpoint-url", public_server.endpoint, "s3api", "put-object",
             "--bucket", bucket, "--key", "obj", "--body", str(body)], env=env, timeout=60)
    return env


def presigned(server, expires: int, when: dt.datetime | None = None) -> str:
    path = f"/{PRIVATE}/obj"
    query = s3sig.presign("GET", path, host=server.host, access_key=server.access_key,
                          secret_key=server.secret_key, expires=expires, when=when)
    return f"{server.endpoint}{path}?{query}"


def test_presigned_expiry_out_of_range_or_past(public_server, buckets):
    assert http_get(presigned(public_server, 3600)) == (200, "")
    # Zero: well-formed and expired at once. Negative or past a week: malformed, as AWS (and
    # MinIO, which copies its errors) answers; ceph s3-tests expect 403 for these two, but AWS
    # is the reference.
    assert http_get(presigned(public_server, 0)) == (403, "AccessDenied")
    assert http_get(presigned(public_server, -7)) == (400, "AuthorizationQueryParametersError")
    assert http_get(presigned(public_server, 609901)) == (400,
                                                         "AuthorizationQueryParametersError")
    # Signed two hours ago for one hour: expired.
    two_hours_ago = s3sig.now() - dt.timedelta(hours=2)
    assert http_get(presigned(public_server, 3600, two_hours_ago)) == (403, "AccessDenied")


def test_anonymous_requests_for_what_does_not_exist(public_server, buckets):
    base = public_server.endpoint
    # A bucket that does not exist: 404 NoSuchBucket, whoever asks.
    assert http_get(f"{base}/errs-never-created/obj") == (404, "NoSuchBucket")
    # A missing key in a public-read bucket: 404 NoSuchKey; in a private one: 403 AccessDenied
    # (no one may learn what a private bucket holds).
    assert http_get(f"{base}/{PUBLIC}/obj") == (200, "")
    assert http_get(f"{base}/{PUBLIC}/missing") == (404, "NoSuchKey")
    assert http_get(f"{base}/{PRIVATE}/obj") == (403, "AccessDenied")
    assert http_get(f"{base}/{PRIVATE}/missing") == (403, "AccessDenied")

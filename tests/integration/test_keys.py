"""Access keys against the real binary and boto3: `imgpipe keys create --buckets uploads
--actions write` makes a key the running server accepts for writes to that bucket only (reads
and other buckets are AccessDenied); during a rotation the old and the new key both work; a
revoked key is refused by the running server within a second; `keys list` shows both states and
never a secret."""

from __future__ import annotations

import re
import time

import pytest
from botocore.exceptions import ClientError

from helpers import imgpipe_bin, new_server, run


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = new_server(tmp_path_factory.mktemp("data"))
    srv.start()
    yield srv
    if srv.proc is not None:
        srv.stop_and_check()


def keys(server, *args) -> str:
    res = run([imgpipe_bin(), "keys", *args, "--data-dir", server.data_dir])
    return res.stdout.decode()


def create(server, buckets: str, actions: str) -> tuple[str, str]:
    out = keys(server, "create", "--buckets", buckets, "--actions", actions)
    key = re.search(r"^access key\s+(\S+)$", out, re.M).group(1)
    secret = re.search(r"^secret key\s+(\S+)$", out, re.M).group(1)
    return key, secret


def client(server, key: str, secret: str):
    import boto3
    from botocore.config import Config
    return boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1",
                        aws_access_key_id=key, aws_secret_access_key=secret,
                        config=Config(s3={"addressing_style": "path"},
                                      retries={"max_attempts": 1}))


def error_code(call) -> str | None:
    try:
        call()
    except ClientError as e:
        return e.response["Error"]["Code"]
    return None


def wait_until(predicate, timeout: float) -> float:
    """Polls `predicate` until true; returns the seconds it took (fails after `timeout`)."""
    start = time.monotonic()
    while not predicate():
        assert time.monotonic() - start < timeout, f"not within {timeout}s"
        time.sleep(0.02)
    return time.monotonic() - start


def test_a_key_is_limited_to_its_bucket_and_action(server):
    key, secret = create(server, "uploads", "write")
    c = client(server, key, secret)
    # Picked up without a restart (the watcher looks every 100 ms).
    wait_until(lambda: error_code(lambda: c.put_object(Bucket="uploads", Key="k/a.txt",
                                                       Body=b"hello")) is None, 2)
    assert error_code(lambda: c.get_object(Bucket="uploads", Key="k/a.txt")) == "AccessDenied"
    assert error_code(lambda: c.put_object(Bucket="resized", Key="x", Body=b"x")) == \
        "AccessDenied"
    root = client(server, server.access_key, server.secret_key)
    assert root.get_object(Bucket="uploads", Key="k/a.txt")["Body"].read() == b"hello"


def test_rotation_then_revoked_key_is_refused_within_a_second(server):
    old_key, old_secret = create(server, "*", "read,write")
    old = client(server, old_key, old_secret)
    wait_until(lambda: error_code(lambda: old.list_objects_v2(Bucket="uploads")) is None, 2)

    new_key, new_secret = create(server, "*", "read,write")
    new = client(server, new_key, new_secret)
    wait_until(lambda: error_code(lambda: new.list_objects_v2(Bucket="uploads")) is None, 2)
    # Both valid at once: clients move over without an outage.
    old.put_object(Bucket="uploads", Key="rot/old.txt", Body=b"old")
    new.put_object(Bucket="uploads", Key="rot/new.txt", Body=b"new")
    assert new.get_object(Bucket="uploads", Key="rot/old.txt")["Body"].read() == b"old"

    keys(server, "revoke", old_key)
    wait_until(lambda: error_code(lambda: old.list_objects_v2(Bucket="uploads")) ==
               "InvalidAccessKeyId", 1.0)
    assert new.get_object(Bucket="uploads", Key="rot/new.txt")["Body"].read() == b"new"

    listing = keys(server, "list")
    assert re.search(rf"^{old_key}\s+revoked\s", listing, re.M), listing
    assert re.search(rf"^{new_key}\s+valid\s", listing, re.M), listing
    assert old_secret not in listing and new_secret not in listing


def test_bad_key_commands_are_clear_errors(server):
    res = run([imgpipe_bin(), "keys", "revoke", "NOSUCHKEY", "--data-dir", server.data_dir],
              check=False)
    assert res.returncode == 2 and b"no key NOSUCHKEY" in res.stderr
    res = run([imgpipe_bin(), "keys", "create", "--buckets", "uploads", "--actions", "fly",
               "--data-dir", server.data_dir], check=False)
    assert res.returncode == 2 and b"unknown action 'fly'" in res.stderr

"""awscli against imgpipe's S3 endpoint, unmodified, in both generations on the machine:
Debian's awscli 2.9 (/usr/bin/aws) and the image's awscli 1.45 (pyenv; botocore 1.43 sends the
new default CRC32 checksums). Each CLI works in its own bucket made with `aws s3 mb`."""

from __future__ import annotations

import filecmp
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers import client_env, image_tool, run, write_random

MiB = 1 << 20


@dataclass
class Cli:
    binary: str
    env: dict[str, str]
    endpoint: str
    bucket: str

    def __call__(self, *args: str, check: bool = True, timeout: float = 180):
        return run([self.binary, "--endpoint-url", self.endpoint, *args], env=self.env,
                   check=check, timeout=timeout)

    def json(self, *args: str) -> dict:
        out = self(*args, "--output", "json").stdout.decode()
        return json.loads(out) if out.strip() else {}


@pytest.fixture(scope="module", params=["debian", "image"], ids=["aws-debian", "aws-image"])
def cli(request, server) -> Cli:
    binary = "/usr/bin/aws" if request.param == "debian" else image_tool("aws")
    c = Cli(binary=binary, env=client_env(server), endpoint=server.endpoint,
            bucket=f"cli-{request.param}")
    res = c("s3", "mb", f"s3://{c.bucket}")
    assert f"make_bucket: {c.bucket}" in res.stdout.decode()
    return c


def test_cli_generation(cli):
    res = run([cli.binary, "--version"], env=cli.env)
    version = (res.stdout + res.stderr).decode()
    expected = "aws-cli/2." if cli.binary == "/usr/bin/aws" else "aws-cli/1."
    assert expected in version, version


def test_mb_and_ls_buckets(cli):
    names = {line.split()[-1] for line in cli("s3", "ls").stdout.decode().splitlines() if line}
    assert {cli.bucket, "uploads", "resized"} <= names
    # Making it again is an error the CLI reports (BucketAlreadyOwnedByYou).
    res = cli("s3", "mb", f"s3://{cli.bucket}", check=False)
    assert res.returncode != 0
    assert b"BucketAlreadyOwnedByYou" in res.stderr, res.stderr


@pytest.mark.parametrize("size", [1024, 50 * MiB], ids=["1KiB", "50MiB"])
def test_cp_up_and_down_byte_for_byte(cli, workdir, size):
    src = write_random(workdir / f"{cli.bucket}-{size}.bin", size, seed=size)
    dst = workdir / f"{cli.bucket}-{size}.back"
    key = f"cp/{size}.bin"
    try:
        cli("s3", "cp", str(src), f"s3://{cli.bucket}/{key}")
        head = cli.json("s3api", "head-object", "--bucket", cli.bucket, "--key", key)
        assert head["ContentLength"] == size
        etag = head["ETag"].strip('"')
        if size > 8 * MiB:  # awscli's multipart threshold and part size are 8 MiB
            parts = -(-size // (8 * MiB))
            assert etag.endswith(f"-{parts}"), f"expected a {parts}-part multipart ETag: {etag}"
        else:
            assert etag == hashlib.md5(src.read_bytes()).hexdigest()
        cli("s3", "cp", f"s3://{cli.bucket}/{key}", str(dst))
        assert dst.stat().st_size == size
        assert filecmp.cmp(src, dst, shallow=False), "downloaded bytes differ from uploaded"
    finally:
        for p in (src, dst):
            p.unlink(missing_ok=True)


def _ls(cli: Cli, *args: str) -> list[str]:
    # `aws s3 ls` exits 1 when nothing matches; that is an empty listing, not an error.
    res = cli("s3", "ls", *args, check=False)
    lines = [line.strip() for line in res.stdout.decode().splitlines() if line.strip()]
    assert res.returncode == 0 or (res.returncode == 1 and not lines and not res.stderr.strip()), (
        res.returncode, res.stderr)
    return lines


def test_ls_with_prefixes(cli, workdir):
    body = workdir / f"{cli.bucket}-small.txt"
    body.write_bytes(b"hello ls\n")
    for key in ["ls/a/1.txt", "ls/a/2.txt", "ls/b/1.txt", "ls/top.txt", "lsx/other.txt"]:
        cli("s3", "cp", str(body), f"s3://{cli.bucket}/{key}")
    top = _ls(cli, f"s3://{cli.bucket}/ls/")
    assert "PRE a/" in top and "PRE b/" in top
    files = [line.split()[-1] for line in top if not line.startswith("PRE")]
    assert files == ["top.txt"]
    under_a = [line.split()[-1] for line in _ls(cli, f"s3://{cli.bucket}/ls/a/")]
    assert under_a == ["1.txt", "2.txt"]
    # A bare prefix without a slash matches both "ls/" and "lsx/" as common prefixes.
    assert {"PRE ls/", "PRE lsx/"} <= set(_ls(cli, f"s3://{cli.bucket}/ls"))
    recursive = [line.split()[-1] for line in _ls(cli, "--recursive", f"s3://{cli.bucket}/ls/")]
    assert recursive == ["ls/a/1.txt", "ls/a/2.txt", "ls/b/1.txt", "ls/top.txt"]


def test_sync_up_and_down(cli, workdir):
    local = workdir / f"{cli.bucket}-sync-src"
    (local / "nested" / "deeper").mkdir(parents=True)
    (local / "one.txt").write_bytes(b"one\n")
    (local / "nested" / "two.bin").write_bytes(os.urandom(70_000))
    (local / "nested" / "deeper" / "three.txt").write_bytes(b"three\n")
    out = cli("s3", "sync", str(local), f"s3://{cli.bucket}/sync/").stdout.decode()
    assert out.count("upload:") == 3, out
    keys = [line.split()[-1] for line in _ls(cli, "--recursive", f"s3://{cli.bucket}/sync/")]
    assert keys == ["sync/nested/deeper/three.txt", "sync/nested/two.bin", "sync/one.txt"]
    # Nothing changed: a second sync uploads nothing.
    assert "upload:" not in cli("s3", "sync", str(local), f"s3://{cli.bucket}/sync/").stdout.decode()
    # One changed size, one new: exactly those two go up.
    (local / "one.txt").write_bytes(b"one, longer now\n")
    (local / "four.txt").write_bytes(b"four\n")
    out = cli("s3", "sync", str(local), f"s3://{cli.bucket}/sync/").stdout.decode()
    assert out.count("upload:") == 2, out
    back = workdir / f"{cli.bucket}-sync-back"
    cli("s3", "sync", f"s3://{cli.bucket}/sync/", str(back))
    cmp = filecmp.dircmp(local, back)
    _assert_same_tree(cmp)


def _assert_same_tree(cmp: filecmp.dircmp) -> None:
    assert not cmp.left_only and not cmp.right_only, (cmp.left_only, cmp.right_only)
    _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
    assert not mismatch and not errors, (mismatch, errors)
    for sub in cmp.subdirs.values():
        _assert_same_tree(sub)


def test_rm_recursive(cli, workdir):
    body = workdir / f"{cli.bucket}-rm.txt"
    body.write_bytes(b"to be removed\n")
    for key in ["rm/x/1", "rm/x/2", "rm/y/3", "rm/4", "rmkeep/5"]:
        cli("s3", "cp", str(body), f"s3://{cli.bucket}/{key}")
    out = cli("s3", "rm", "--recursive", f"s3://{cli.bucket}/rm/").stdout.decode()
    assert out.count("delete:") == 4, out
    assert _ls(cli, "--recursive", f"s3://{cli.bucket}/rm/") == []
    left = [line.split()[-1] for line in _ls(cli, "--recursive", f"s3://{cli.bucket}/rmkeep/")]
    assert left == ["rmkeep/5"]


def test_s3api_head_object(cli, workdir):
    body = workdir / f"{cli.bucket}-head.json"
    body.write_bytes(b'{"k": 1}\n')
    cli("s3api", "put-object", "--bucket", cli.bucket, "--key", "head/obj.json", "--body",
        str(body), "--content-type", "application/json", "--metadata", "color=blue")
    head = cli.json("s3api", "head-object", "--bucket", cli.bucket, "--key", "head/obj.json")
    assert head["ContentLength"] == 9
    assert head["ContentType"] == "application/json"
    assert head["ETag"] == '"%s"' % hashlib.md5(body.read_bytes()).hexdigest()
    assert head["Metadata"] == {"color": "blue"}
    assert "LastModified" in head


def test_s3api_list_objects_v2_paging(cli, workdir):
    body = workdir / f"{cli.bucket}-page.txt"
    body.write_bytes(b"p")
    keys = [f"page/{i}.txt" for i in range(5)]
    for key in keys:
        cli("s3api", "put-object", "--bucket", cli.bucket, "--key", key, "--body", str(body))
    # Manual paging with MaxKeys=2 and continuation tokens: pages of 2, 2, 1.
    seen, pages, token = [], [], None
    while True:
        args = ["s3api", "list-objects-v2", "--no-paginate", "--bucket", cli.bucket, "--prefix",
                "page/", "--max-keys", "2"]
        if token:
            args += ["--continuation-token", token]
        page = cli.json(*args)
        pages.append(len(page.get("Contents", [])))
        assert page["KeyCount"] == pages[-1]
        seen += [c["Key"] for c in page.get("Contents", [])]
        if not page["IsTruncated"]:
            assert "NextContinuationToken" not in page
            break
        token = page["NextContinuationToken"]
        assert len(pages) < 10, "paging does not terminate"
    assert pages == [2, 2, 1]
    assert seen == keys
    # The CLI's own paginator with a page size of 2 collects all five.
    auto = cli.json("s3api", "list-objects-v2", "--bucket", cli.bucket, "--prefix", "page/",
                    "--page-size", "2")
    assert [c["Key"] for c in auto["Contents"]] == keys


def test_presign_and_curl_get(cli, workdir):
    body = workdir / f"{cli.bucket}-presign.bin"
    body.write_bytes(os.urandom(4096))
    cli("s3", "cp", str(body), f"s3://{cli.bucket}/presign/file name+x.bin")
    url = cli("s3", "presign", f"s3://{cli.bucket}/presign/file name+x.bin",
              "--expires-in", "300").stdout.decode().strip()
    # awscli 2 signs presigned URLs with SigV4 (X-Amz-Signature); awscli 1 in us-east-1 with
    # SigV2 (AWSAccessKeyId/Signature/Expires). S3 accepts both.
    assert "X-Amz-Signature=" in url or "Signature=" in url, url
    out = workdir / f"{cli.bucket}-presign.back"
    run(["curl", "-sS", "--fail-with-body", "-o", str(out), url])
    assert out.read_bytes() == body.read_bytes()
    # Tampering with the URL breaks the signature.
    bad = run(["curl", "-sS", url.replace("presign/file", "presign/File")], check=True)
    assert b"SignatureDoesNotMatch" in bad.stdout, bad.stdout


def test_missing_key_is_no_such_key(cli, workdir):
    res = cli("s3api", "get-object", "--bucket", cli.bucket, "--key", "does/not/exist",
              str(workdir / "never"), check=False)
    assert res.returncode != 0
    assert b"NoSuchKey" in res.stderr, res.stderr
    res = cli("s3", "cp", f"s3://{cli.bucket}/does/not/exist", str(workdir / "never"),
              check=False)
    assert res.returncode != 0
    assert b"404" in res.stderr or b"Not Found" in res.stderr, res.stderr


def test_rb_removes_a_bucket_left_with_an_upload_in_progress(cli):
    # An interrupted `aws s3 cp` leaves its multipart upload behind; `aws s3 rb` must still work.
    bucket = cli.bucket + "-rb"
    cli("s3", "mb", f"s3://{bucket}")
    upload = cli.json("s3api", "create-multipart-upload", "--bucket", bucket, "--key", "big.bin")
    assert upload["UploadId"]
    cli("s3", "rb", f"s3://{bucket}")
    res = cli("s3api", "head-bucket", "--bucket", bucket, check=False)
    assert res.returncode != 0 and b"404" in res.stderr, res.stderr


def test_complete_multipart_upload_retried(cli, workdir):
    # `aws s3api complete-multipart-upload` sent twice (a timed-out first attempt) succeeds twice.
    key = "retry/complete.bin"
    uid = cli.json("s3api", "create-multipart-upload", "--bucket", cli.bucket,
                   "--key", key)["UploadId"]
    part = write_random(workdir / f"{cli.bucket}-part.bin", 4096, seed=9)
    etag = cli.json("s3api", "upload-part", "--bucket", cli.bucket, "--key", key, "--upload-id",
                    uid, "--part-number", "1", "--body", str(part))["ETag"]
    parts = json.dumps({"Parts": [{"PartNumber": 1, "ETag": etag}]})
    args = ("s3api", "complete-multipart-upload", "--bucket", cli.bucket, "--key", key,
            "--upload-id", uid, "--multipart-upload", parts)
    first = cli.json(*args)
    second = cli.json(*args)
    expected = hashlib.md5(hashlib.md5(part.read_bytes()).digest()).hexdigest() + "-1"
    assert first["ETag"] == second["ETag"] == f'"{expected}"', (first, second)


def test_cp_between_buckets_of_a_large_object(cli, workdir):
    # Over the 8 MiB threshold `aws s3 cp s3://… s3://…` copies in parts (UploadPartCopy).
    size = 20 * MiB
    src = write_random(workdir / f"{cli.bucket}-copy-src.bin", size, seed=33)
    back = workdir / f"{cli.bucket}-copy-back.bin"
    other = cli.bucket + "-copy"
    cli("s3", "mb", f"s3://{other}")
    try:
        cli("s3", "cp", str(src), f"s3://{cli.bucket}/big/src.bin")
        cli("s3", "cp", f"s3://{cli.bucket}/big/src.bin", f"s3://{other}/big/copy.bin")
        head = cli.json("s3api", "head-object", "--bucket", other, "--key", "big/copy.bin",
                        "--part-number", "1")
        assert head["PartsCount"] == 3 and head["ContentLength"] == 8 * MiB, head
        cli("s3", "cp", f"s3://{other}/big/copy.bin", str(back))
        assert filecmp.cmp(src, back, shallow=False), "copied bytes differ"
    finally:
        for p in (src, back):
            p.unlink(missing_ok=True)


def test_features_the_store_lacks_are_refused(cli, workdir):
    src = write_random(workdir / f"{cli.bucket}-sse.bin", 1000, seed=5)
    res = cli("s3", "cp", "--sse", "AES256", str(src), f"s3://{cli.bucket}/sse.bin", check=False)
    assert res.returncode != 0 and b"NotImplemented" in res.stderr, res.stderr
    res = cli("s3api", "put-bucket-versioning", "--bucket", cli.bucket,
              "--versioning-configuration", "Status=Enabled", check=False)
    assert res.returncode != 0 and b"NotImplemented" in res.stderr, res.stderr
    cli("s3", "cp", str(src), f"s3://{cli.bucket}/tags.bin")
    tags = cli.json("s3api", "get-object-tagging", "--bucket", cli.bucket, "--key", "tags.bin")
    assert tags["TagSet"] == [], tags

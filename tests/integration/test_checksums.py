"""Additional checksums (x-amz-checksum-crc32 | crc32c | crc64nvme | sha1 | sha256) end to end
with real clients: boto3 of both generations (1.26: checksums when asked; 1.43: CRC32 on every
upload, response checksums validated with ChecksumMode ENABLED), awscli of both generations,
@aws-sdk/client-s3 (stream bodies send the checksum in an aws-chunked trailer), and a browser
form POST. Expected values come from tests/clients/crc_reference.py (zlib, hashlib and a
catalogue CRC), never from imgpipe."""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import urllib.error
import urllib.request

import boto3
import pytest
from botocore.config import Config

from helpers import CLIENTS_DIR, JS_DIR, client_env, image_tool, run, write_random

sys.path.insert(0, str(CLIENTS_DIR))
from crc_reference import checksum, composite, full_object  # noqa: E402

MiB = 1 << 20
SCRIPT = CLIENTS_DIR / "checksum_client.py"
JS_SCRIPT = JS_DIR / "checksums.mjs"


@pytest.fixture(scope="module", params=["debian", "image"], ids=["py-debian", "py-image"])
def python(request) -> tuple[str, str]:
    return request.param, ("/usr/bin/python3" if request.param == "debian"
                           else image_tool("python3"))


@pytest.mark.parametrize("name", ["put_get", "default", "errors", "multipart",
                                  "multipart_errors", "copy"])
def test_boto3(server, python, name):
    flavour, interpreter = python
    bucket = f"ck-{flavour}-{name.replace('_', '-')}"
    res = run([interpreter, SCRIPT, name, bucket], env=client_env(server), timeout=240)
    summary = json.loads(res.stdout.decode().strip().splitlines()[-1])
    assert summary["scenario"] == name


@pytest.fixture(scope="module", params=["debian", "image"], ids=["aws-debian", "aws-image"])
def aws(request, server):
    binary = "/usr/bin/aws" if request.param == "debian" else image_tool("aws")
    env = client_env(server)
    bucket = f"ck-cli-{request.param}"

    def cli(*args: str, check: bool = True):
        return run([binary, "--endpoint-url", server.endpoint, *args], env=env, check=check,
                   timeout=180)

    cli("s3api", "create-bucket", "--bucket", bucket)
    return request.param, cli, bucket


def test_awscli_put_head_get(aws, workdir):
    flavour, cli, bucket = aws
    src = write_random(workdir / f"cli-{flavour}.bin", 300_000, seed=11)
    data = src.read_bytes()
    # Debian's awscli 2 bundles the CRT (CRC32C); the image's awscli 1 does without.
    algorithms = ["SHA256", "CRC32"] + (["CRC32C"] if flavour == "debian" else [])
    for algorithm in algorithms:
        key = f"cli-{algorithm}"
        put = json.loads(cli("s3api", "put-object", "--bucket", bucket, "--key", key, "--body",
                             str(src), "--checksum-algorithm", algorithm).stdout)
        assert put.get(f"Checksum{algorithm}") == checksum(algorithm, data), put
        head = json.loads(cli("s3api", "head-object", "--bucket", bucket, "--key", key,
                              "--checksum-mode", "ENABLED").stdout)
        assert head.get(f"Checksum{algorithm}") == checksum(algorithm, data), head
        assert head.get("ChecksumType", "FULL_OBJECT") == "FULL_OBJECT", head
        plain = json.loads(cli("s3api", "head-object", "--bucket", bucket, "--key", key).stdout)
        assert f"Checksum{algorithm}" not in plain, plain
        out = workdir / f"cli-{flavour}-{algorithm}.back"
        got = json.loads(cli("s3api", "get-object", "--bucket", bucket, "--key", key,
                             "--checksum-mode", "ENABLED", str(out)).stdout)
        assert got.get(f"Checksum{algorithm}") == checksum(algorithm, data), got
        assert out.read_bytes() == data


def test_awscli_bad_digest(aws, workdir):
    flavour, cli, bucket = aws
    src = write_random(workdir / f"cli-bad-{flavour}.bin", 1000, seed=12)
    res = cli("s3api", "put-object", "--bucket", bucket, "--key", "bad", "--body", str(src),
              "--checksum-sha256", checksum("SHA256", b"other bytes"), check=False)
    assert res.returncode != 0
    assert b"BadDigest" in res.stderr, res.stderr
    missing = cli("s3api", "head-object", "--bucket", bucket, "--key", "bad", check=False)
    assert missing.returncode != 0


ALL_ATTRIBUTES = ("ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize")


def test_awscli_get_object_attributes(aws, workdir):
    """GetObjectAttributes tells what HeadObject and ListParts would, in one answer: expected
    values from hashlib, the reference CRCs and the part sizes this test chose."""
    flavour, cli, bucket = aws

    def attributes(key: str, *names: str, extra: tuple[str, ...] = ()) -> dict:
        return json.loads(cli("s3api", "get-object-attributes", "--bucket", bucket, "--key", key,
                              "--object-attributes", *names, *extra).stdout)

    data = write_random(workdir / f"attr-{flavour}.bin", 200_000, seed=21).read_bytes()
    cli("s3api", "put-object", "--bucket", bucket, "--key", "attr-single", "--body",
        str(workdir / f"attr-{flavour}.bin"), "--checksum-algorithm", "SHA256")
    got = attributes("attr-single", *ALL_ATTRIBUTES)
    assert got["ETag"] == hashlib.md5(data).hexdigest(), got  # unquoted, as S3 answers
    assert got["ObjectSize"] == len(data)
    assert got["StorageClass"] == "STANDARD"
    assert got["Checksum"]["ChecksumSHA256"] == checksum("SHA256", data), got
    assert "ObjectParts" not in got  # a single PUT has no parts
    assert "LastModified" in got
    only_size = attributes("attr-single", "ObjectSize")
    assert {k for k in only_size if k not in ("LastModified", "ResponseMetadata")} == \
        {"ObjectSize"}, only_size

    sizes = [5 * MiB, 1000]
    parts = [write_random(workdir / f"attr-part{i}-{flavour}.bin", n, seed=30 + i)
             for i, n in enumerate(sizes)]
    upload = json.loads(cli("s3api", "create-multipart-upload", "--bucket", bucket, "--key",
                            "attr-multi").stdout)["UploadId"]
    etags = []
    for number, part in enumerate(parts, start=1):
        etags.append(json.loads(cli("s3api", "upload-part", "--bucket", bucket, "--key",
                                    "attr-multi", "--upload-id", upload, "--part-number",
                                    str(number), "--body", str(part)).stdout)["ETag"])
    layout = {"Parts": [{"ETag": e, "PartNumber": n} for n, e in enumerate(etags, start=1)]}
    cli("s3api", "complete-multipart-upload", "--bucket", bucket, "--key", "attr-multi",
        "--upload-id", upload, "--multipart-upload", json.dumps(layout))
    digests = b"".join(hashlib.md5(p.read_bytes()).digest() for p in parts)
    multi = attributes("attr-multi", *ALL_ATTRIBUTES)
    assert multi["ETag"] == f"{hashlib.md5(digests).hexdigest()}-2", multi
    assert multi["ObjectSize"] == sum(sizes)
    assert multi["ObjectParts"]["TotalPartsCount"] == 2, multi
    assert [(p["PartNumber"], p["Size"]) for p in multi["ObjectParts"]["Parts"]] == \
        [(1, sizes[0]), (2, sizes[1])], multi
    first = attributes("attr-multi", "ObjectParts", extra=("--max-parts", "1"))["ObjectParts"]
    assert first["IsTruncated"] is True and first["NextPartNumberMarker"] == 1, first
    assert [p["PartNumber"] for p in first["Parts"]] == [1]
    rest = attributes("attr-multi", "ObjectParts",
                      extra=("--part-number-marker", "1"))["ObjectParts"]
    assert rest["IsTruncated"] is False and [p["Size"] for p in rest["Parts"]] == [sizes[1]], rest

    bogus = cli("s3api", "get-object-attributes", "--bucket", bucket, "--key", "attr-single",
                "--object-attributes", "Colour", check=False)
    assert bogus.returncode != 0 and b"InvalidArgument" in bogus.stderr, bogus.stderr
    missing = cli("s3api", "get-object-attributes", "--bucket", bucket, "--key", "attr-none",
                  "--object-attributes", "ETag", check=False)
    assert missing.returncode != 0 and b"NoSuchKey" in missing.stderr, missing.stderr


def node() -> str:
    found = shutil.which("node")
    if not found:
        pytest.fail("node is not installed")
    if not (JS_DIR / "node_modules" / "@aws-sdk" / "client-s3").is_dir():
        pytest.fail(f"JS test clients missing: run scripts/install-deps.sh (npm ci in {JS_DIR})")
    return found


def js(server, *args: str) -> dict:
    res = run([node(), JS_SCRIPT, *args], env=client_env(server), cwd=JS_DIR, timeout=180)
    return json.loads(res.stdout.decode().strip().splitlines()[-1])


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"])
@pytest.mark.parametrize("scenario", ["putStream", "putBuffer"])
def test_js_put(server, workdir, scenario, algorithm):
    src = write_random(workdir / f"js-{scenario}-{algorithm}.bin", 2 * MiB + 17, seed=13)
    expected = checksum(algorithm, src.read_bytes())
    result = js(server, scenario, "ck-js", algorithm, str(src))
    assert result == {"put": expected, "head": expected, "type": "FULL_OBJECT", "get": expected}


def test_js_bad_digest(server, workdir):
    src = write_random(workdir / "js-bad.bin", 5000, seed=14)
    result = js(server, "badDigest", "ck-js", "CRC32", str(src), checksum("CRC32", b"other"))
    assert result == {"error": "BadDigest"}


@pytest.mark.parametrize("algorithm,kind", [("CRC32", "COMPOSITE"), ("SHA256", "COMPOSITE"),
                                            ("CRC32C", "FULL_OBJECT"),
                                            ("CRC64NVME", "FULL_OBJECT")])
def test_js_multipart(server, workdir, algorithm, kind):
    files = [write_random(workdir / f"js-mp-{algorithm}-{i}.bin", size, seed=20 + i)
             for i, size in enumerate([5 * MiB, 5 * MiB + 3, 777])]
    parts = [f.read_bytes() for f in files]
    expected = composite(algorithm, parts) if kind == "COMPOSITE" else full_object(algorithm, parts)
    result = js(server, "multipart", "ck-js", algorithm, kind, *map(str, files))
    assert result["parts"] == [checksum(algorithm, p) for p in parts]
    assert result["complete"] == expected
    assert result["completeType"] == kind
    assert (result["head"], result["type"]) == (expected, kind)


def test_post_object_checksum_field(server):
    """A browser form with an x-amz-checksum-* field: verified against the file and kept."""
    s3 = boto3.client("s3", endpoint_url=server.endpoint, aws_access_key_id=server.access_key,
                      aws_secret_access_key=server.secret_key, region_name="us-east-1",
                      config=Config(retries={"max_attempts": 1}))
    s3.create_bucket(Bucket="ck-post")
    data = b"posted bytes " * 1000

    def post(key: str, value: str) -> int:
        form = s3.generate_presigned_post(
            "ck-post", key, Fields={"x-amz-checksum-sha256": value},
            Conditions=[{"x-amz-checksum-sha256": value}])
        boundary = "----ckboundary"
        body = b""
        for name, field in form["fields"].items():
            body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                     f"{field}\r\n").encode()
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                 f"filename=\"f.bin\"\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        req = urllib.request.Request(form["url"], data=body, method="POST", headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}"})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status
        except urllib.error.HTTPError as e:
            assert b"BadDigest" in e.read()
            return e.code

    assert post("bad", checksum("SHA256", b"other")) == 400
    assert post("good", checksum("SHA256", data)) == 204
    head = s3.head_object(Bucket="ck-post", Key="good", ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == checksum("SHA256", data)

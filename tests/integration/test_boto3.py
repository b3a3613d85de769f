"""boto3 of both generations on the machine against imgpipe: Debian's /usr/bin/python3 (boto3
1.26, before the 2025 checksum change) and the image's python3 (boto3 1.43: CRC32 checksums by
default). The scenarios live in tests/clients/boto3_client.py and run as subprocesses."""

from __future__ import annotations

import json

import pytest

from helpers import CLIENTS_DIR, client_env, image_tool, run

SCRIPT = CLIENTS_DIR / "boto3_client.py"


@pytest.fixture(scope="module", params=["debian", "image"], ids=["py-debian", "py-image"])
def python(request) -> tuple[str, str]:
    return request.param, ("/usr/bin/python3" if request.param == "debian"
                           else image_tool("python3"))


def scenario(server, python, name: str, workdir, timeout: float = 240) -> dict:
    flavour, interpreter = python
    bucket = f"b3-{flavour}-{name.replace('_', '-')}"
    res = run([interpreter, SCRIPT, name, bucket, workdir], env=client_env(server),
              timeout=timeout)
    return json.loads(res.stdout.decode().strip().splitlines()[-1])


def test_interpreter_generation(server, python, workdir):
    flavour, _ = python
    versions = scenario(server, python, "version", workdir)
    major, minor = (int(x) for x in versions["botocore"].split(".")[:2])
    if flavour == "debian":
        assert (major, minor) < (1, 36), versions  # before default checksums
    else:
        assert (major, minor) >= (1, 36), versions  # sends CRC32 checksums by default


@pytest.mark.parametrize("name", ["core", "multipart", "presign", "presign_default", "copy",
                                  "delete_objects", "list", "list_buckets", "metadata",
                                  "conditional", "delete_bucket_uploads",
                                  "complete_conditional_retry", "part_copy",
                                  "refused_features"])
def test_scenario(server, python, workdir, name):
    scenario(server, python, name, workdir)

"""@aws-sdk/client-s3 and @aws-sdk/lib-storage (latest from npm, pinned by tests/js's lockfile)
against imgpipe, both path-style (forcePathStyle) and virtual-hosted-style (Host:
<bucket>.localhost:<port>). A stream body makes the SDK send STREAMING-UNSIGNED-PAYLOAD-TRAILER
with a CRC32 trailer; string/Buffer bodies send a hex SHA-256 plus x-amz-checksum-crc32."""

from __future__ import annotations

import json
import shutil

import pytest

from helpers import JS_DIR, client_env, run

SCRIPT = JS_DIR / "client.mjs"


def node() -> str:
    found = shutil.which("node")
    if not found:
        pytest.fail("node is not installed")
    if not (JS_DIR / "node_modules" / "@aws-sdk" / "client-s3").is_dir():
        pytest.fail(f"JS test clients missing: run scripts/install-deps.sh (npm ci in {JS_DIR})")
    return found


def js(server, scenario: str, bucket: str, style: str) -> dict:
    res = run([node(), SCRIPT, scenario, bucket, style], env=client_env(server), cwd=JS_DIR,
              timeout=180)
    return json.loads(res.stdout.decode().strip().splitlines()[-1])


@pytest.fixture(scope="module", params=["path", "virtual"])
def style_bucket(request, server) -> tuple[str, str]:
    bucket = f"js-{request.param}"
    assert js(server, "bucket", bucket, request.param) == {"created": bucket}
    return request.param, bucket


@pytest.mark.parametrize("scenario", ["putString", "putStream", "getObject", "listObjectsV2",
                                      "multipartUpload", "conditionalPut",
                                      "conditionalComplete"])
def test_js_sdk(server, style_bucket, scenario):
    style, bucket = style_bucket
    result = js(server, scenario, bucket, style)
    if scenario == "multipartUpload":
        assert result["etag"].endswith('-3"'), result

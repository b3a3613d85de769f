"""The upload API (`POST /upload-image`, `/v1/uploads`) end to end against the real binary:

- the seed's flow with curl: ask for a presigned POST, `curl -F` every field then `file` → 204,
  and the object is in `uploads` with the right Content-Type, size and metadata (boto3);
- the validation table over HTTP (each bad input a JSON 4xx), CORS preflight, 405, huge body;
- interoperability: a policy made by @aws-sdk/s3-presigned-post and ones made by boto3
  generate_presigned_post (Debian's and the image's Python) upload into imgpipe; and for a fixed
  clock and credentials imgpipe's policy and signature equal @aws-sdk/s3-presigned-post's
  (api_presign_tool signs exactly as the API does, with the time and id given).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
from pathlib import Path

import pytest
import requests

from helpers import JS_DIR, TESTDATA, image_tool, imgpipe_bin, run
from pipeline_client import s3_client

SOURCE_BUCKET = "uploads"
JPEG = TESTDATA / "exif-orientation-examples" / "Landscape_1.jpg"


# --------------------------------------------------------------------------- helpers


def api_url(server, path: str) -> str:
    assert server.api_port, "the server has no api listener"
    return f"http://127.0.0.1:{server.api_port}{path}"


def presign(server, body: dict, path: str = "/upload-image") -> dict:
    resp = requests.post(api_url(server, path), json=body, timeout=10)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    return resp.json()


def curl_post(url: str, fields: dict, file_path: Path, content_type: str | None = None) -> tuple[int, bytes]:
    """`curl -F` of every field, then the file last; returns (status, body)."""
    args = ["curl", "-sS", "-o", "-", "-w", "\n%{http_code}"]
    for name, value in fields.items():
        args += ["--form-string", f"{name}={value}"]
    file_arg = f"file=@{file_path}"
    if content_type:
        file_arg += f";type={content_type}"
    args += ["-F", file_arg, url]
    res = run(args, timeout=300)
    body, _, status = res.stdout.rpartition(b"\n")
    return int(status), body



def node() -> str:
    found = shutil.which("node")
    if not found:
        pytest.fail("node is not installed")
    if not (JS_DIR / "node_modules" / "@aws-sdk" / "s3-presigned-post").is_dir():
        pytest.fail(f"@aws-sdk/s3-presigned-post missing: run npm ci in {JS_DIR}")
    return found


def run_js(source: str, env: dict[str, str] | None = None) -> dict:
    """Runs an ES module with tests/js's node_modules; returns its last stdout line as JSON."""
    res = run([node(), "--input-type=module", "-e", source], cwd=JS_DIR, timeout=120,
              env={**os.environ, **(env or {})})
    return json.loads(res.stdout.decode().strip().splitlines()[-1])


def presign_tool() -> Path:
    tool = Path(os.environ.get("IMGPIPE_PRESIGN_TOOL",
                               imgpipe_bin().parent.parent / "api" / "api_presign_tool"))
    if not tool.is_file():
        pytest.fail(f"api_presign_tool not found at {tool} (set IMGPIPE_PRESIGN_TOOL)")
    return tool


def decode_policy(fields: dict) -> dict:
    policy = fields.get("policy") or fields.get("Policy")
    return json.loads(base64.b64decode(policy))


# --------------------------------------------------------------------------- the seed's flow


@pytest.mark.parametrize("path", ["/upload-image", "/v1/uploads"])
def test_seed_flow_with_curl(server, path):
    data = JPEG.read_bytes()
    answer = presign(server, {"filename": "cat.jpg"}, path)
    for member in ("url", "fields", "id", "key", "expiresAt", "statusUrl"):
        assert member in answer, answer
    assert answer["url"] == f"{server.endpoint}/{SOURCE_BUCKET}"
    assert answer["key"] == f"uploads/{answer['id']}/cat.jpg"
    assert answer["statusUrl"] == f"/images/{answer['id']}"

    status, body = curl_post(answer["url"], answer["fields"], JPEG)
    assert status == 204, body
    head = s3_client(server, retries={"max_attempts": 1}).head_object(Bucket=SOURCE_BUCKET, Key=answer["key"])
    assert head["ContentType"] == "image/jpeg"
    assert head["ContentLength"] == len(data)
    assert head["Metadata"] == {}
    got = s3_client(server, retries={"max_attempts": 1}).get_object(Bucket=SOURCE_BUCKET, Key=answer["key"])["Body"].read()
    assert got == data


def test_requested_variants_travel_as_metadata(server):
    variants = [{"width": 640, "height": 480, "fit": "cover", "format": "webp"},
                {"width": 100, "height": 100}]
    answer = presign(server, {"filename": "holiday photo.JPG", "contentType": "image/jpeg",
                              "size": JPEG.stat().st_size, "variants": variants})
    assert answer["key"].endswith("/holiday photo.JPG")
    status, body = curl_post(answer["url"], answer["fields"], JPEG)
    assert status == 204, body
    head = s3_client(server, retries={"max_attempts": 1}).head_object(Bucket=SOURCE_BUCKET, Key=answer["key"])
    assert head["ContentLength"] == JPEG.stat().st_size
    assert json.loads(head["Metadata"]["variants"]) == variants


def test_seed_style_width_height(server):
    answer = presign(server, {"filename": "a.jpg", "width": 300, "height": 200})
    assert json.loads(answer["fields"]["x-amz-meta-variants"]) == [{"width": 300, "height": 200}]
    status, body = curl_post(answer["url"], answer["fields"], JPEG)
    assert status == 204, body


def test_the_policy_pins_the_upload(server, workdir):
    """What the policy allows is exactly the announced upload: another key, Content-Type or a
    bigger file than declared is refused and stores nothing."""
    size = JPEG.stat().st_size
    answer = presign(server, {"filename": "pinned.jpg", "size": size})
    policy = decode_policy(answer["fields"])
    assert ["content-length-range", 1, size] in policy["conditions"]
    assert {"key": answer["key"]} in policy["conditions"]
    assert {"Content-Type": "image/jpeg"} in policy["conditions"]
    assert {"bucket": SOURCE_BUCKET} in policy["conditions"]

    other_key = dict(answer["fields"], key=answer["key"] + ".exe")
    status, body = curl_post(answer["url"], other_key, JPEG)
    assert status == 403 and b"AccessDenied" in body, body
    other_type = dict(answer["fields"], **{"Content-Type": "text/html"})
    status, body = curl_post(answer["url"], other_type, JPEG)
    assert status == 403 and b"AccessDenied" in body, body
    bigger = workdir / "bigger.jpg"
    bigger.write_bytes(JPEG.read_bytes() + b"\0" * 10)
    status, body = curl_post(answer["url"], answer["fields"], bigger)
    assert status == 400 and b"EntityTooLarge" in body, body
    listing = s3_client(server, retries={"max_attempts": 1}).list_objects_v2(Bucket=SOURCE_BUCKET,
                                                Prefix=f"uploads/{answer['id']}/")
    assert listing["KeyCount"] == 0
    # The right upload still works.
    status, body = curl_post(answer["url"], answer["fields"], JPEG)
    assert status == 204, body


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("body,status,code", [
    (b"", 400, "InvalidJson"),
    (b"filename=cat.jpg", 400, "InvalidJson"),
    (b"[1,2]", 400, "InvalidRequest"),
    (b"{}", 400, "InvalidRequest"),
    (b'{"filename":""}', 400, "InvalidFilename"),
    (json.dumps({"filename": "a" * 252 + ".jpg"}).encode(), 400, "InvalidFilename"),
    (b'{"filename":"a\\u0000.jpg"}', 400, "InvalidFilename"),
    (b'{"filename":"a\\u0007.jpg"}', 400, "InvalidFilename"),
    (b'{"filename":"setup.exe"}', 415, "UnsupportedMediaType"),
    (b'{"filename":"x.jpg","contentType":"image/png"}', 400, "ContentTypeMismatch"),
    (b'{"filename":"x.jpg","contentType":"text/html"}', 415, "UnsupportedMediaType"),
    (b'{"filename":42}', 400, "InvalidRequest"),
    (b'{"filename":"x.jpg","size":"big"}', 400, "InvalidSize"),
    (b'{"filename":"x.jpg","size":26214401}', 413, "EntityTooLarge"),
    (json.dumps({"filename": "x.jpg", "variants": [{"width": 8, "height": 8}] * 9}).encode(),
     400, "InvalidVariants"),
    (b'{"filename":"x.jpg","variants":[{"width":5000,"height":10}]}', 400, "InvalidVariants"),
])
def test_bad_input_is_a_json_4xx(server, body, status, code):
    resp = requests.post(api_url(server, "/upload-image"), data=body,
                         headers={"Content-Type": "application/json"}, timeout=10)
    assert resp.status_code == status, resp.text
    error = resp.json()["error"]
    assert error["code"] == code
    assert error["message"]


def test_dot_dot_name_is_sanitised(server):
    answer = presign(server, {"filename": "../../x.jpg"})
    assert answer["key"] == f"uploads/{answer['id']}/x.jpg"


def test_huge_body_is_413(server):
    # Under the server's inline-body limit (1 MiB), over the API's own (16 KiB).
    body = json.dumps({"filename": "x.jpg", "pad": "a" * (512 << 10)})
    resp = requests.post(api_url(server, "/upload-image"), data=body, timeout=30)
    assert resp.status_code == 413, resp.text[:300]
    assert resp.json()["error"]["code"] == "RequestTooLarge"
    # The server keeps serving.
    assert requests.post(api_url(server, "/upload-image"), json={"filename": "x.png"},
                         timeout=10).status_code == 200


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_wrong_method_is_405(server, method):
    resp = requests.request(method, api_url(server, "/upload-image"), timeout=10)
    assert resp.status_code == 405
    assert resp.json()["error"]["code"] == "MethodNotAllowed"
    assert "POST" in resp.headers["Allow"]


def test_cors_preflight_and_actual_request(server):
    origin = "https://app.example"
    pre = requests.options(api_url(server, "/upload-image"), timeout=10, headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert pre.status_code == 204
    assert pre.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]
    assert pre.headers["Access-Control-Allow-Headers"].lower() == "content-type"
    assert int(pre.headers["Access-Control-Max-Age"]) > 0
    resp = requests.post(api_url(server, "/upload-image"), json={"filename": "x.png"},
                         headers={"Origin": origin}, timeout=10)
    assert resp.status_code == 200
    assert resp.headers["Access-Control-Allow-Origin"] == "*"


def test_healthz(server):
    resp = requests.get(api_url(server, "/healthz"), timeout=10)
    assert resp.status_code == 200
    assert resp.json()["status"] == "ok"


# --------------------------------------------------------------------------- interoperability


JS_SIGN = """
import { S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
const input = JSON.parse(process.env.PRESIGN_INPUT);
if (input.nowMs !== undefined) Date.now = () => input.nowMs;
const client = new S3Client({
  region: input.region, endpoint: input.endpoint, forcePathStyle: true,
  credentials: { accessKeyId: input.accessKey, secretAccessKey: input.secretKey },
});
const post = await createPresignedPost(client, {
  Bucket: input.bucket, Key: input.key, Expires: input.expires,
  Conditions: input.conditions, Fields: input.fields,
});
if (input.upload) {
  const form = new FormData();
  for (const [k, v] of Object.entries(post.fields)) form.append(k, v);
  const fs = await import('node:fs');
  form.append('file', new Blob([fs.readFileSync(input.upload)], { type: input.fields['Content-Type'] }),
              'upload.jpg');
  const resp = await fetch(post.url, { method: 'POST', body: form });
  post.status = resp.status;
  post.body = await resp.text();
}
console.log(JSON.stringify(post));
"""


@pytest.mark.parametrize("request_body", [
    {"filename": "cat.jpg"},
    {"filename": "Grüße aus Köln \"1\".heic", "contentType": "image/heif", "size": 12345},
    {"filename": "v.png", "variants": [{"width": 64, "height": 48, "fit": "inside",
                                        "format": "avif", "quality": 50}]},
])
def test_policy_and_signature_match_aws_sdk_js(request_body):
    """For a fixed clock and credentials, imgpipe signs the same policy bytes as
    @aws-sdk/s3-presigned-post given the same conditions: decoded policies equal, signatures
    identical."""
    now_s = 1767323045  # 2026-01-02T03:04:05Z
    params = {"now": now_s, "id": "Zx9_-fixedID0123456789", "bucket": "uploads",
              "bucketUrl": "http://127.0.0.1:9000/uploads", "region": "eu-central-1",
              "accessKey": "AKIAFIXEDTEST", "secretKey": "fixed/Secret+Key=0123456789abcdef",
              "expirySeconds": 900, "maxUploadBytes": 25 << 20, "request": request_body}
    res = run([presign_tool(), json.dumps(params)])
    ours = json.loads(res.stdout)
    fields = ours["fields"]
    policy = decode_policy(fields)
    assert ours["policyJson"] == base64.b64decode(fields["policy"]).decode()

    # The same upload described to the SDK: the range as a condition, the fixed-value fields
    # as Fields (the SDK turns each into an exact condition), the same bucket and key.
    range_condition = policy["conditions"][0]
    assert range_condition[0] == "content-length-range"
    js_fields = {k: v for k, v in fields.items()
                 if k in ("Content-Type", "success_action_status") or k.startswith("x-amz-meta-")}
    theirs = run_js(JS_SIGN, {"PRESIGN_INPUT": json.dumps({
        "nowMs": now_s * 1000, "region": params["region"], "endpoint": "http://127.0.0.1:9000",
        "accessKey": params["accessKey"], "secretKey": params["secretKey"],
        "bucket": "uploads", "key": ours["key"], "expires": 900,
        "conditions": [range_condition], "fields": js_fields})})

    assert decode_policy(theirs["fields"]) == policy
    assert theirs["fields"]["Policy"] == fields["policy"]
    assert theirs["fields"]["X-Amz-Signature"] == fields["x-amz-signature"]
    assert theirs["fields"]["X-Amz-Credential"] == fields["x-amz-credential"]
    assert theirs["fields"]["X-Amz-Date"] == fields["x-amz-date"]
    assert theirs["url"] == ours["url"]


def test_aws_sdk_js_presigned_post_uploads_into_imgpipe(server):
    key = "uploads/js-sdk/cat.jpg"
    result = run_js(JS_SIGN, {"PRESIGN_INPUT": json.dumps({
        "region": "us-east-1", "endpoint": server.endpoint, "accessKey": server.access_key,
        "secretKey": server.secret_key, "bucket": SOURCE_BUCKET, "key": key, "expires": 600,
        "conditions": [["content-length-range", 1, 10 << 20]],
        "fields": {"Content-Type": "image/jpeg", "x-amz-meta-origin": "js"},
        "upload": str(JPEG)})})
    assert result["status"] == 204, result
    head = s3_client(server, retries={"max_attempts": 1}).head_object(Bucket=SOURCE_BUCKET, Key=key)
    assert head["ContentType"] == "image/jpeg"
    assert head["ContentLength"] == JPEG.stat().st_size
    assert head["Metadata"] == {"origin": "js"}


BOTO3_SIGN = """
import json, sys
import boto3
from botocore.config import Config
p = json.loads(sys.argv[1])
s3 = boto3.client("s3", endpoint_url=p["endpoint"], region_name="us-east-1",
                  aws_access_key_id=p["accessKey"], aws_secret_access_key=p["secretKey"],
                  config=Config(s3={"addressing_style": "path"}))
post = s3.generate_presigned_post(
    p["bucket"], p["key"], Fields={"Content-Type": "image/jpeg", "x-amz-meta-origin": "boto3"},
    Conditions=[{"Content-Type": "image/jpeg"}, {"x-amz-meta-origin": "boto3"},
                ["content-length-range", 1, 10485760]], ExpiresIn=600)
post["boto3"] = boto3.__version__
print(json.dumps(post))
"""


@pytest.mark.parametrize("python", ["debian", "image"])
def test_boto3_presigned_post_uploads_into_imgpipe(server, python):
    interpreter = "/usr/bin/python3" if python == "debian" else image_tool("python3")
    key = f"uploads/boto3-{python}/${{filename}}"
    res = run([interpreter, "-c", BOTO3_SIGN, json.dumps({
        "endpoint": server.endpoint, "accessKey": server.access_key,
        "secretKey": server.secret_key, "bucket": SOURCE_BUCKET, "key": key})],
        env={k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON"))})
    post = json.loads(res.stdout)
    assert post["url"] == f"{server.endpoint}/{SOURCE_BUCKET}"
    status, body = curl_post(post["url"], post["fields"], JPEG)
    assert status == 204, (post["boto3"], body)
    head = s3_client(server, retries={"max_attempts": 1}).head_object(Bucket=SOURCE_BUCKET,
                                         Key=f"uploads/boto3-{python}/{JPEG.name}")
    assert head["ContentType"] == "image/jpeg"
    assert head["ContentLength"] == JPEG.stat().st_size
    assert head["Metadata"] == {"origin": "boto3"}

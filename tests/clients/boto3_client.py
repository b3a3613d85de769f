"""boto3 scenarios against an S3 endpoint, run as a subprocess under a given interpreter (Debian's
python3 with boto3 1.26, or the image's with boto3 1.43) by tests/integration/test_boto3.py.

Usage: boto3_client.py SCENARIO BUCKET [WORKDIR]
Env: S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION.
Each scenario asserts what it checks and exits 0; any failure raises (non-zero exit, traceback on
stderr). The last stdout line is a JSON summary.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import urllib.error
import urllib.request

import boto3
import botocore
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

MiB = 1 << 20


def client(**config):
    return boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT"],
                        config=Config(retries={"max_attempts": 1, "mode": "standard"}, **config))


def error_code(fn, *args, **kwargs) -> str:
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"]
    raise AssertionError(f"{fn.__name__} unexpectedly succeeded")


def expect(actual, expected, what: str) -> None:
    if actual != expected:
        raise AssertionError(f"{what}: expected {expected!r}, got {actual!r}")


def random_bytes(size: int, seed: int) -> bytes:
    import random
    return random.Random(seed).randbytes(size)


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


# --------------------------------------------------------------------------- scenarios


def scenario_version(bucket: str, workdir: str) -> dict:
    return {"boto3": boto3.__version__, "botocore": botocore.__version__,
            "python": sys.version.split()[0]}


def scenario_core(bucket: str, workdir: str) -> dict:
    s3 = client()
    s3.create_bucket(Bucket=bucket)
    s3.head_bucket(Bucket=bucket)
    expect(error_code(s3.create_bucket, Bucket=bucket), "BucketAlreadyOwnedByYou", "create twice")
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    for name in (bucket, "uploads", "resized"):
        assert name in names, names
    expect(s3.get_bucket_location(Bucket=bucket).get("LocationConstraint"), None, "location")

    body = b"hello from boto3 " + random_bytes(1000, 1)
    put = s3.put_object(Bucket=bucket, Key="core/a.txt", Body=body, ContentType="text/plain",
                        Metadata={"Owner": "tests", "x": "1"})
    expect(put["ETag"], f'"{md5(body)}"', "put ETag")
    got = s3.get_object(Bucket=bucket, Key="core/a.txt")
    expect(got["Body"].read(), body, "get body")
    expect(got["ContentType"], "text/plain", "content type")
    expect(got["Metadata"], {"owner": "tests", "x": "1"}, "metadata")
    expect(got["ContentLength"], len(body), "content length")

    rng = s3.get_object(Bucket=bucket, Key="core/a.txt", Range="bytes=6-9")
    expect(rng["ResponseMetadata"]["HTTPStatusCode"], 206, "range status")
    expect(rng["Body"].read(), body[6:10], "range body")
    expect(rng["ContentRange"], f"bytes 6-9/{len(body)}", "content-range")
    tail = s3.get_object(Bucket=bucket, Key="core/a.txt", Range="bytes=-5")["Body"].read()
    expect(tail, body[-5:], "suffix range")
    expect(error_code(s3.get_object, Bucket=bucket, Key="core/a.txt",
                      Range=f"bytes={len(body) + 10}-"), "InvalidRange", "unsatisfiable range")

    head = s3.head_object(Bucket=bucket, Key="core/a.txt")
    expect(head["ContentLength"], len(body), "head length")
    expect(head["ETag"], put["ETag"], "head ETag")
    expect(error_code(s3.get_object, Bucket=bucket, Key="core/a.txt", IfNoneMatch=put["ETag"]),
           "304", "If-None-Match")
    expect(error_code(s3.get_object, Bucket=bucket, Key="core/a.txt", IfMatch='"0000"'),
           "PreconditionFailed", "If-Match")

    s3.put_object(Bucket=bucket, Key="core/a.txt", Body=b"replaced")
    expect(s3.get_object(Bucket=bucket, Key="core/a.txt")["Body"].read(), b"replaced",
           "overwrite")
    s3.put_object(Bucket=bucket, Key="core/empty", Body=b"")
    expect(s3.get_object(Bucket=bucket, Key="core/empty")["Body"].read(), b"", "empty object")

    expect(error_code(s3.delete_bucket, Bucket=bucket), "BucketNotEmpty", "delete non-empty")
    for key in ("core/a.txt", "core/empty"):
        expect(s3.delete_object(Bucket=bucket, Key=key)["ResponseMetadata"]["HTTPStatusCode"],
               204, "delete status")
    expect(error_code(s3.get_object, Bucket=bucket, Key="core/a.txt"), "NoSuchKey", "get deleted")
    expect(error_code(s3.head_object, Bucket=bucket, Key="core/a.txt"), "404", "head deleted")
    # Deleting a missing key is not an error in S3.
    s3.delete_object(Bucket=bucket, Key="core/never-existed")
    expect(s3.list_objects_v2(Bucket=bucket)["KeyCount"], 0, "empty listing")
    expect(error_code(s3.get_object, Bucket="no-such-bucket-xyz", Key="k"), "NoSuchBucket",
           "missing bucket")
    s3.delete_bucket(Bucket=bucket)
    expect(error_code(s3.head_bucket, Bucket=bucket), "404", "head deleted bucket")
    return {"ok": True}


def scenario_multipart(bucket: str, workdir: str) -> dict:
    s3 = client()
    s3.create_bucket(Bucket=bucket)
    size = 20 * MiB
    src = os.path.join(workdir, f"{bucket}-mp.bin")
    dst = os.path.join(workdir, f"{bucket}-mp.back")
    data = random_bytes(size, 20)
    with open(src, "wb") as f:
        f.write(data)
    cfg = TransferConfig(multipart_threshold=8 * MiB, multipart_chunksize=8 * MiB,
                         max_concurrency=4)
    try:
        s3.upload_file(src, bucket, "mp/big.bin", Config=cfg)
        head = s3.head_object(Bucket=bucket, Key="mp/big.bin")
        expect(head["ContentLength"], size, "multipart size")
        parts = [data[i:i + 8 * MiB] for i in range(0, size, 8 * MiB)]
        expected_etag = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
        expect(head["ETag"], f'"{expected_etag}-{len(parts)}"', "multipart ETag")
        s3.download_file(bucket, "mp/big.bin", dst, Config=cfg)
        with open(dst, "rb") as f:
            assert f.read() == data, "downloaded bytes differ"
        across = s3.get_object(Bucket=bucket, Key="mp/big.bin",
                               Range=f"bytes={8 * MiB - 3}-{8 * MiB + 2}")["Body"].read()
        expect(across, data[8 * MiB - 3:8 * MiB + 3], "range across a part boundary")
    finally:
        for p in (src, dst):
            if os.path.exists(p):
                os.unlink(p)

    # The low-level calls: parts out of order, ListParts, ListMultipartUploads, Abort.
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp/manual.bin",
                                    ContentType="application/x-test")
    uid = up["UploadId"]
    p1, p2 = random_bytes(5 * MiB, 1), random_bytes(MiB + 17, 2)
    e2 = s3.upload_part(Bucket=bucket, Key="mp/manual.bin", UploadId=uid, PartNumber=2,
                        Body=p2)["ETag"]
    e1 = s3.upload_part(Bucket=bucket, Key="mp/manual.bin", UploadId=uid, PartNumber=1,
                        Body=p1)["ETag"]
    listed = s3.list_parts(Bucket=bucket, Key="mp/manual.bin", UploadId=uid)
    expect([(p["PartNumber"], p["ETag"], p["Size"]) for p in listed["Parts"]],
           [(1, e1, len(p1)), (2, e2, len(p2))], "ListParts")
    uploads = s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    assert any(u["UploadId"] == uid for u in uploads), uploads
    expect(error_code(s3.complete_multipart_upload, Bucket=bucket, Key="mp/manual.bin",
                      UploadId=uid, MultipartUpload={"Parts": [
                          {"PartNumber": 2, "ETag": e2}, {"PartNumber": 1, "ETag": e1}]}),
           "InvalidPartOrder", "parts out of order")
    expect(error_code(s3.complete_multipart_upload, Bucket=bucket, Key="mp/manual.bin",
                      UploadId=uid, MultipartUpload={"Parts": [
                          {"PartNumber": 1, "ETag": e2}]}),
           "InvalidPart", "wrong part ETag")
    s3.complete_multipart_upload(Bucket=bucket, Key="mp/manual.bin", UploadId=uid,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1},
                                                            {"PartNumber": 2, "ETag": e2}]})
    got = s3.get_object(Bucket=bucket, Key="mp/manual.bin")
    assert got["Body"].read() == p1 + p2, "manual multipart content"
    expect(got["ContentType"], "application/x-test", "multipart content type")

    aborted = s3.create_multipart_upload(Bucket=bucket, Key="mp/aborted.bin")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="mp/aborted.bin", UploadId=aborted, PartNumber=1,
                   Body=b"x" * 1000)
    s3.abort_multipart_upload(Bucket=bucket, Key="mp/aborted.bin", UploadId=aborted)
    expect(error_code(s3.list_parts, Bucket=bucket, Key="mp/aborted.bin", UploadId=aborted),
           "NoSuchUpload", "parts of an aborted upload")
    expect(error_code(s3.head_object, Bucket=bucket, Key="mp/aborted.bin"), "404",
           "aborted upload leaves no object")
    return {"etag": head["ETag"]}


def _http(method: str, url: str, data: bytes | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def scenario_presign(bucket: str, workdir: str) -> dict:
    """SigV4 presigned URLs (boto3 needs signature_version="s3v4" for them in us-east-1)."""
    s3 = client(signature_version="s3v4")
    s3.create_bucket(Bucket=bucket)
    key = "presign/dir/ünïcode file+plus.bin"
    body = random_bytes(10_000, 3)
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key},
                                    ExpiresIn=600)
    status, got = _http("GET", url)
    expect(status, 200, "presigned GET status")
    assert got == body, "presigned GET body"
    # A presigned PUT, then read back with a presigned GET.
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket,
                                                              "Key": "presign/put.bin"},
                                        ExpiresIn=600)
    status, _ = _http("PUT", put_url, data=b"put via presigned url")
    expect(status, 200, "presigned PUT status")
    expect(s3.get_object(Bucket=bucket, Key="presign/put.bin")["Body"].read(),
           b"put via presigned url", "presigned PUT stored")
    # The signature covers the key: reusing it for another key is refused.
    status, err = _http("GET", url.replace("/presign/dir/", "/presign/other/", 1))
    expect(status, 403, "tampered presigned URL status")
    assert b"SignatureDoesNotMatch" in err, err
    return {"url_prefix": url.split("?")[0]}


def scenario_presign_default(bucket: str, workdir: str) -> dict:
    """generate_presigned_url with boto3's defaults: in us-east-1 both generations produce a
    SigV2 query-string URL (AWSAccessKeyId, Signature, Expires), which S3 accepts."""
    s3 = client()
    s3.create_bucket(Bucket=bucket)
    body = random_bytes(5_000, 5)
    s3.put_object(Bucket=bucket, Key="presign/default.bin", Body=body)
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket,
                                                          "Key": "presign/default.bin"},
                                    ExpiresIn=600)
    status, got = _http("GET", url)
    expect(status, 200, f"default presigned GET status ({got[:200]!r}) for {url}")
    assert got == body, "default presigned GET body"
    return {"url": url.split("?")[0]}


def scenario_copy(bucket: str, workdir: str) -> dict:
    s3 = client()
    s3.create_bucket(Bucket=bucket)
    other = bucket + "-dst"
    s3.create_bucket(Bucket=other)
    body = random_bytes(100_000, 4)
    s3.put_object(Bucket=bucket, Key="copy/src.bin", Body=body, ContentType="image/x-test",
                  Metadata={"a": "1"})
    res = s3.copy_object(Bucket=bucket, Key="copy/same-meta.bin",
                         CopySource={"Bucket": bucket, "Key": "copy/src.bin"})
    expect(res["CopyObjectResult"]["ETag"], f'"{md5(body)}"', "copy ETag")
    got = s3.get_object(Bucket=bucket, Key="copy/same-meta.bin")
    assert got["Body"].read() == body, "copied bytes"
    expect(got["Metadata"], {"a": "1"}, "COPY directive keeps metadata")
    expect(got["ContentType"], "image/x-test", "COPY directive keeps content type")

    s3.copy_object(Bucket=other, Key="copy/replaced.bin", MetadataDirective="REPLACE",
                   Metadata={"b": "2"}, ContentType="application/octet-stream",
                   CopySource={"Bucket": bucket, "Key": "copy/src.bin"})
    got = s3.get_object(Bucket=other, Key="copy/replaced.bin")
    assert got["Body"].read() == body, "cross-bucket copied bytes"
    expect(got["Metadata"], {"b": "2"}, "REPLACE directive metadata")
    expect(got["ContentType"], "application/octet-stream", "REPLACE directive content type")
    expect(error_code(s3.copy_object, Bucket=bucket, Key="copy/x",
                      CopySource={"Bucket": bucket, "Key": "copy/missing"}), "NoSuchKey",
           "copy of a missing source")
    return {"ok": True}


def scenario_delete_objects(bucket: str, workdir: str) -> dict:
    s3 = client()
    s3.create_bucket(Bucket=bucket)
    keys = [f"del/{i}" for i in range(5)]
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=k.encode())
    res = s3.delete_objects(Bucket=bucket, Delete={"Objects": [
        {"Key": "del/0"}, {"Key": "del/2"}, {"Key": "del/never"}]})
    expect(sorted(d["Key"] for d in res.get("Deleted", [])), ["del/0", "del/2", "del/never"],
           "Deleted")
    expect(res.get("Errors", []), [], "delete errors")
    left = [c["Key"] for c in s3.list_objects_v2(Bucket=bucket, Prefix="del/")["Contents"]]
    expect(left, ["del/1", "del/3", "del/4"], "remaining")
    quiet = s3.delete_objects(Bucket=bucket, Delete={"Quiet": True, "Objects": [
        {"Key": "del/1"}, {"Key": "del/3"}]})
    expect(quiet.get("Deleted", []), [], "quiet mode lists nothing")
    left = [c["Key"] for c in s3.list_objects_v2(Bucket=bucket, Prefix="del/")["Contents"]]
    expect(left, ["del/4"], "remaining after quiet delete")
    # Keys made of or padded with whitespace travel as <Key> </Key>: still keys to delete.
    blank = [" ", "   ", " padded ", "\t"]
    for k in blank:
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    res = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in blank]})
    expect(res.get("Errors", []), [], "errors deleting blank keys")
    expect(sorted(d["Key"] for d in res.get("Deleted", [])), sorted(blank), "blank keys deleted")
    left = [c["Key"] for c in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    expect([k for k in left if k.strip() != k or not k.strip()], [], "blank keys left")
    return {"ok": True}


def scenario_metadata(bucket: str, workdir: str) -> dict:
    """Non-ASCII user metadata comes back as sent (ceph s3-tests'
    test_object_set_get_unicode_metadata: http.client puts str header values on the wire as
    Latin-1 and reads them back the same way)."""
    s3 = client()
    s3.create_bucket(Bucket=bucket)

    def set_unicode_metadata(**kwargs):
        kwargs["params"]["headers"]["x-amz-meta-meta1"] = "Hello World\xe9"

    s3.meta.events.register("before-call.s3.PutObject", set_unicode_metadata)
    s3.put_object(Bucket=bucket, Key="unicode", Body=b"bar")
    s3.meta.events.unregister("before-call.s3.PutObject", set_unicode_metadata)
    got = s3.get_object(Bucket=bucket, Key="unicode")["Metadata"]
    expect(got, {"meta1": "Hello World\xe9"}, "unicode metadata via GET")
    expect(s3.head_object(Bucket=bucket, Key="unicode")["Metadata"],
           {"meta1": "Hello World\xe9"}, "unicode metadata via HEAD")
    s3.copy_object(Bucket=bucket, Key="unicode-copy", CopySource={"Bucket": bucket,
                                                                   "Key": "unicode"})
    expect(s3.head_object(Bucket=bucket, Key="unicode-copy")["Metadata"],
           {"meta1": "Hello World\xe9"}, "unicode metadata kept by CopyObject")
    return {"ok": True}


def scenario_conditional(bucket: str, workdir: str) -> dict:
    """Conditional writes: If-None-Match: * and If-Match on PutObject (boto3 1.26 has no
    parameters for them: there a hook adds the headers before signing)."""
    s3 = client()
    s3.create_bucket(Bucket=bucket)
    members = s3.meta.service_model.operation_model("PutObject").input_shape.members
    names = {"IfNoneMatch": "If-None-Match", "IfMatch": "If-Match"}

    def put(key: str, body: bytes, **condition):
        if "IfNoneMatch" in members:
            return s3.put_object(Bucket=bucket, Key=key, Body=body, **condition)

        def add_headers(request, **kwargs):
            for name, value in condition.items():
                request.headers[names[name]] = value

        s3.meta.events.register_first("before-sign.s3.PutObject", add_headers)
        try:
            return s3.put_object(Bucket=bucket, Key=key, Body=body)
        finally:
            s3.meta.events.unregister("before-sign.s3.PutObject", add_headers)

    first = put("lock", b"first", IfNoneMatch="*")
    expect(error_code(put, "lock", b"second", IfNoneMatch="*"), "PreconditionFailed",
           "If-None-Match on an existing key")
    expect(error_code(put, "lock", b"second", IfMatch='"' + "0" * 32 + '"'),
           "PreconditionFailed", "If-Match with another ETag")
    put("lock", b"third", IfMatch=first["ETag"])
    expect(s3.get_object(Bucket=bucket, Key="lock")["Body"].read(), b"third", "after If-Match")
    expect(error_code(put, "never", b"x", IfMatch=first["ETag"]), "NoSuchKey",
           "If-Match on a missing key")
    return {"ok": True, "sdk_parameters": "IfNoneMatch" in members}


def scenario_list_buckets(bucket: str, workdir: str) -> dict:
    """ListBuckets pages (max-buckets, continuation-token, prefix; S3 added them in 2024, so
    boto3 1.26 has no parameters for them: there a hook adds them to the URL before signing)."""
    s3 = client()
    names = [f"{bucket}-{c}" for c in "abc"]
    for name in names:
        s3.create_bucket(Bucket=name)
    shape = s3.meta.service_model.operation_model("ListBuckets").input_shape
    if shape is not None and "MaxBuckets" in shape.members:
        pages = list(s3.get_paginator("list_buckets").paginate(
            Prefix=f"{bucket}-", PaginationConfig={"PageSize": 2}))
        expect([[b["Name"] for b in p["Buckets"]] for p in pages], [names[:2], names[2:]],
               "pages of buckets")
        return {"ok": True, "paginated": True}

    def add_paging(request, **kwargs):
        request.url += f"?max-buckets=2&prefix={bucket}-"

    s3.meta.events.register("before-sign.s3.ListBuckets", add_paging)
    expect([b["Name"] for b in s3.list_buckets()["Buckets"]], names[:2], "first page of buckets")
    return {"ok": True, "paginated": False}


def scenario_list(bucket: str, workdir: str) -> dict:
    s3 = client()
    s3.create_bucket(Bucket=bucket)
    keys = ["list/a.txt", "list/b.txt", "list/c/1.txt", "list/c/2.txt", "list/d e&f+g.txt"]
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    pages = list(s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix="list/", PaginationConfig={"PageSize": 2}))
    expect([p["KeyCount"] for p in pages], [2, 2, 1], "page sizes")
    expect([c["Key"] for p in pages for c in p["Contents"]], sorted(keys), "paged keys")
    first = s3.list_objects_v2(Bucket=bucket, Prefix="list/", MaxKeys=2)
    assert first["IsTruncated"] and first["NextContinuationToken"], first
    second = s3.list_objects_v2(Bucket=bucket, Prefix="list/", MaxKeys=2,
                                ContinuationToken=first["NextContinuationToken"])
    expect([c["Key"] for c in second["Contents"]], sorted(keys)[2:4], "second page")
    empty_token = s3.list_objects_v2(Bucket=bucket, Prefix="list/", ContinuationToken="")
    expect([c["Key"] for c in empty_token["Contents"]], sorted(keys), "empty continuation token")
    delim = s3.list_objects_v2(Bucket=bucket, Prefix="list/", Delimiter="/")
    expect([c["Key"] for c in delim["Contents"]], ["list/a.txt", "list/b.txt", "list/d e&f+g.txt"],
           "delimited keys")
    expect([p["Prefix"] for p in delim["CommonPrefixes"]], ["list/c/"], "common prefixes")
    after = s3.list_objects_v2(Bucket=bucket, Prefix="list/", StartAfter="list/c/2.txt")
    expect([c["Key"] for c in after["Contents"]], ["list/d e&f+g.txt"], "start-after")
    v1 = s3.list_objects(Bucket=bucket, Prefix="list/", MaxKeys=3)
    expect([c["Key"] for c in v1["Contents"]], sorted(keys)[:3], "v1 first page")
    assert v1["IsTruncated"], v1
    v1b = s3.list_objects(Bucket=bucket, Prefix="list/", Marker=sorted(keys)[2])
    expect([c["Key"] for c in v1b["Contents"]], sorted(keys)[3:], "v1 marker")
    for c in first["Contents"]:
        expect(c["Size"], 1, "listed size")
        expect(c["ETag"], f'"{md5(b"x")}"', "listed ETag")
    return {"ok": True}


def scenario_delete_bucket_uploads(bucket: str, workdir: str) -> dict:
    """DeleteBucket on a bucket holding only multipart uploads in progress aborts them and
    deletes the bucket, as S3 does; objects still make it BucketNotEmpty."""
    s3 = client()
    s3.create_bucket(Bucket=bucket)
    uid = s3.create_multipart_upload(Bucket=bucket, Key="pending.bin")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="pending.bin", UploadId=uid, PartNumber=1, Body=b"p" * 100)
    s3.put_object(Bucket=bucket, Key="object", Body=b"x")
    expect(error_code(s3.delete_bucket, Bucket=bucket), "BucketNotEmpty", "objects remain")
    s3.delete_object(Bucket=bucket, Key="object")
    expect(s3.delete_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"], 204,
           "delete a bucket with only an upload in progress")
    expect(error_code(s3.head_bucket, Bucket=bucket), "404", "bucket gone")
    s3.create_bucket(Bucket=bucket)
    expect(s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []), [],
           "a new bucket of that name has no uploads")
    expect(error_code(s3.list_parts, Bucket=bucket, Key="pending.bin", UploadId=uid),
           "NoSuchUpload", "the upload went with the bucket")
    s3.delete_bucket(Bucket=bucket)
    return {"ok": True}


def _with_headers(s3, operation: str, headers: dict, fn, *args, **kwargs):
    """Calls fn with extra request headers added before signing (for parameters an older botocore
    does not model)."""
    def add_headers(request, **_):
        for name, value in headers.items():
            request.headers[name] = value

    s3.meta.events.register_first(f"before-sign.s3.{operation}", add_headers)
    try:
        return fn(*args, **kwargs)
    finally:
        s3.meta.events.unregister(f"before-sign.s3.{operation}", add_headers)


def scenario_complete_conditional_retry(bucket: str, workdir: str) -> dict:
    """CompleteMultipartUpload with If-None-Match: * / If-Match (412 keeps the upload), and a
    retried completion (the SDK timed out and sends it again) answers the same result."""
    s3 = client()
    s3.create_bucket(Bucket=bucket)
    key = "mp/conditional.bin"
    s3.put_object(Bucket=bucket, Key=key, Body=b"existing")
    current = s3.head_object(Bucket=bucket, Key=key)["ETag"]
    uid = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    data = random_bytes(1000, 7)
    etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=1, Body=data)["ETag"]
    parts = {"Parts": [{"PartNumber": 1, "ETag": etag}]}

    def complete(**headers):
        return _with_headers(s3, "CompleteMultipartUpload", headers, s3.complete_multipart_upload,
                             Bucket=bucket, Key=key, UploadId=uid, MultipartUpload=parts)

    expect(error_code(complete, **{"If-None-Match": "*"}), "PreconditionFailed",
           "If-None-Match: * on an existing key")
    expect(error_code(complete, **{"If-Match": '"' + "0" * 32 + '"'}), "PreconditionFailed",
           "If-Match with another ETag")
    expect(len(s3.list_parts(Bucket=bucket, Key=key, UploadId=uid)["Parts"]), 1,
           "the upload survives a failed condition")
    done = complete(**{"If-Match": current})
    expected = hashlib.md5(hashlib.md5(data).digest()).hexdigest() + "-1"
    expect(done["ETag"], f'"{expected}"', "completed ETag")
    again = complete(**{"If-Match": current})
    expect(again["ETag"], done["ETag"], "retried completion")
    expect(again["Key"], key, "retried completion key")
    expect(s3.get_object(Bucket=bucket, Key=key)["Body"].read(), data, "completed content")
    expect(error_code(s3.complete_multipart_upload, Bucket=bucket, Key=key, UploadId=uid,
                      MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"' + "1" * 32 + '"'}]}),
           "NoSuchUpload", "a completion with other parts is no retry")

    fresh = "mp/fresh.bin"
    uid = s3.create_multipart_upload(Bucket=bucket, Key=fresh)["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key=fresh, UploadId=uid, PartNumber=1, Body=b"new")["ETag"]
    _with_headers(s3, "CompleteMultipartUpload", {"If-None-Match": "*"},
                  s3.complete_multipart_upload, Bucket=bucket, Key=fresh, UploadId=uid,
                  MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    expect(s3.get_object(Bucket=bucket, Key=fresh)["Body"].read(), b"new",
           "If-None-Match: * creates a new key")
    return {"ok": True}


def scenario_part_copy(bucket: str, workdir: str) -> dict:
    """UploadPartCopy (whole source and x-amz-copy-source-range), GetObject/HeadObject
    PartNumber with PartsCount, and the managed copy (boto3's s3.copy: multipart over 8 MiB)."""
    s3 = client()
    s3.create_bucket(Bucket=bucket)
    other = bucket + "-dst"
    s3.create_bucket(Bucket=other)
    p1, p2 = random_bytes(5 * MiB, 11), random_bytes(MiB + 5, 12)
    uid = s3.create_multipart_upload(Bucket=bucket, Key="src.bin")["UploadId"]
    etags = [s3.upload_part(Bucket=bucket, Key="src.bin", UploadId=uid, PartNumber=n,
                            Body=body)["ETag"] for n, body in ((1, p1), (2, p2))]
    s3.complete_multipart_upload(Bucket=bucket, Key="src.bin", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": n + 1, "ETag": e} for n, e in enumerate(etags)]})

    head = s3.head_object(Bucket=bucket, Key="src.bin", PartNumber=1)
    expect(head["ContentLength"], len(p1), "HEAD part 1 length")
    expect(head["PartsCount"], 2, "PartsCount")
    got = s3.get_object(Bucket=bucket, Key="src.bin", PartNumber=2)
    expect(got["ResponseMetadata"]["HTTPStatusCode"], 206, "GET part status")
    expect(got["ContentRange"], f"bytes {len(p1)}-{len(p1) + len(p2) - 1}/{len(p1) + len(p2)}",
           "GET part Content-Range")
    assert got["Body"].read() == p2, "GET part 2 bytes"
    expect(error_code(s3.get_object, Bucket=bucket, Key="src.bin", PartNumber=3),
           "InvalidPartNumber", "part past the last")
    s3.put_object(Bucket=bucket, Key="plain.bin", Body=b"plain bytes")
    plain = s3.get_object(Bucket=bucket, Key="plain.bin", PartNumber=1)
    expect(plain["Body"].read(), b"plain bytes", "part 1 of a single-part object")
    assert "PartsCount" not in plain, plain

    uid = s3.create_multipart_upload(Bucket=other, Key="joined.bin")["UploadId"]
    first = s3.upload_part_copy(Bucket=other, Key="joined.bin", UploadId=uid, PartNumber=1,
                                CopySource={"Bucket": bucket, "Key": "src.bin"},
                                CopySourceRange=f"bytes=0-{5 * MiB - 1}")
    expect(first["CopyPartResult"]["ETag"], f'"{md5(p1)}"', "ranged part copy ETag")
    second = s3.upload_part_copy(Bucket=other, Key="joined.bin", UploadId=uid, PartNumber=2,
                                 CopySource={"Bucket": bucket, "Key": "plain.bin"})
    expect(error_code(s3.upload_part_copy, Bucket=other, Key="joined.bin", UploadId=uid,
                      PartNumber=3, CopySource={"Bucket": bucket, "Key": "plain.bin"},
                      CopySourceRange="bytes=5-100"), "InvalidArgument", "range past the end")
    s3.complete_multipart_upload(Bucket=other, Key="joined.bin", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": first["CopyPartResult"]["ETag"]},
                  {"PartNumber": 2, "ETag": second["CopyPartResult"]["ETag"]}]})
    assert s3.get_object(Bucket=other, Key="joined.bin")["Body"].read() == p1 + b"plain bytes"

    cfg = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB)
    s3.copy({"Bucket": bucket, "Key": "src.bin"}, other, "managed.bin", Config=cfg)
    copied = s3.head_object(Bucket=other, Key="managed.bin")
    assert copied["ETag"].endswith('-2"'), copied["ETag"]
    assert s3.get_object(Bucket=other, Key="managed.bin")["Body"].read() == p1 + p2
    return {"ok": True}


def scenario_refused_features(bucket: str, workdir: str) -> dict:
    """Versioning, object lock, SSE, lifecycle, tagging, bucket policies and ACLs this store cannot
    keep (grants, authenticated-read; canned ACLs themselves: test_acl.py) are refused with 501 NotImplemented, never silently ignored; reads that have a truthful
    answer (no tags, versioning never enabled) are answered."""
    s3 = client()
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    refused = {
        "PutObject SSE": lambda: s3.put_object(Bucket=bucket, Key="k2", Body=b"x",
                                               ServerSideEncryption="AES256"),
        "PutObject tags": lambda: s3.put_object(Bucket=bucket, Key="k2", Body=b"x",
                                                Tagging="a=b"),
        "PutObject authenticated-read": lambda: s3.put_object(
            Bucket=bucket, Key="k2", Body=b"x", ACL="authenticated-read"),
        "PutObject GrantRead": lambda: s3.put_object(
            Bucket=bucket, Key="k2", Body=b"x",
            GrantRead="uri=http://acs.amazonaws.com/groups/global/AllUsers"),
        "CreateMultipartUpload SSE": lambda: s3.create_multipart_upload(
            Bucket=bucket, Key="k2", ServerSideEncryption="AES256"),
        "PutObjectTagging": lambda: s3.put_object_tagging(
            Bucket=bucket, Key="k", Tagging={"TagSet": [{"Key": "a", "Value": "b"}]}),
        "PutBucketVersioning": lambda: s3.put_bucket_versioning(
            Bucket=bucket, VersioningConfiguration={"Status": "Enabled"}),
        "PutBucketLifecycleConfiguration": lambda: s3.put_bucket_lifecycle_configuration(
            Bucket=bucket, LifecycleConfiguration={"Rules": [{
                "ID": "x", "Status": "Enabled", "Filter": {"Prefix": ""},
                "Expiration": {"Days": 1}}]}),
        "PutBucketPolicy": lambda: s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
            "Version": "2012-10-17", "Statement": []})),
        "PutBucketEncryption": lambda: s3.put_bucket_encryption(
            Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
                "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}),
        "PutObjectLockConfiguration": lambda: s3.put_object_lock_configuration(
            Bucket=bucket, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"}),
        "CreateBucket with object lock": lambda: s3.create_bucket(
            Bucket=bucket + "-lock", ObjectLockEnabledForBucket=True),
    }
    for what, call in refused.items():
        expect(error_code(call), "NotImplemented", what)
    expect(error_code(s3.head_object, Bucket=bucket, Key="k2"), "404", "nothing was stored")
    expect(s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"], [], "an object has no tags")
    expect(s3.get_bucket_versioning(Bucket=bucket).get("Status"), None, "versioning never on")
    s3.put_object(Bucket=bucket, Key="k3", Body=b"x", ACL="private")  # the default: accepted
    return {"ok": True}


SCENARIOS = {name[len("scenario_"):]: fn for name, fn in globals().items()
             if name.startswith("scenario_")}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in SCENARIOS:
        print(f"usage: {sys.argv[0]} {{{'|'.join(SCENARIOS)}}} [BUCKET] [WORKDIR]",
              file=sys.stderr)
        return 2
    bucket = sys.argv[2] if len(sys.argv) > 2 else ""
    workdir = sys.argv[3] if len(sys.argv) > 3 else "."
    print(json.dumps(SCENARIOS[sys.argv[1]](bucket, workdir)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

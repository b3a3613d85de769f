"""Additional-checksum scenarios (x-amz-checksum-*) for boto3 against an S3 endpoint, run as a
subprocess under Debian's python3 (boto3 1.26: checksums only when asked) or the image's (boto3
1.43: CRC32 on every upload by default, response checksums validated when ChecksumMode is
ENABLED) by tests/integration/test_checksums.py. Expected values come from crc_reference.py
(zlib, hashlib, catalogue CRCs), never from the server.

Usage: checksum_client.py SCENARIO BUCKET
Env: S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION.
Each scenario asserts what it checks and exits 0; the last stdout line is a JSON summary.
"""

from __future__ import annotations

import json
import os
import random
import sys

import boto3
import botocore
import botocore.compat
from botocore.config import Config
from botocore.exceptions import ClientError

from crc_reference import checksum, composite, full_object

MiB = 1 << 20
NEW_BOTOCORE = tuple(int(x) for x in botocore.__version__.split(".")[:2]) >= (1, 36)


def client():
    return boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT"],
                        config=Config(retries={"max_attempts": 1, "mode": "standard"}))


def error_code(fn, **kwargs) -> str:
    try:
        fn(**kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"]
    raise AssertionError(f"{fn.__name__} unexpectedly succeeded")


def expect(actual, expected, what: str) -> None:
    if actual != expected:
        raise AssertionError(f"{what}: expected {expected!r}, got {actual!r}")


def data(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def scenario_put_get(s3, bucket: str) -> dict:
    body = data(100_000, 1)
    # CRC32C needs the AWS CRT (Debian's python3 has it; the image's does not).
    algorithms = ("CRC32", "SHA1", "SHA256") + (("CRC32C",) if botocore.compat.HAS_CRT else ())
    for algorithm in algorithms:
        key = f"put-{algorithm}"
        put = s3.put_object(Bucket=bucket, Key=key, Body=body, ChecksumAlgorithm=algorithm)
        expect(put.get(f"Checksum{algorithm}"), checksum(algorithm, body), f"PUT {algorithm}")
        head = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        expect(head.get(f"Checksum{algorithm}"), checksum(algorithm, body), f"HEAD {algorithm}")
        # Without ChecksumMode the checksum is not returned.
        expect(s3.head_object(Bucket=bucket, Key=key).get(f"Checksum{algorithm}"), None,
               "HEAD without checksum mode")
        # The SDK validates the body against the returned checksum with ChecksumMode ENABLED.
        got = s3.get_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        expect(got["Body"].read(), body, "GET body")
        expect(got.get(f"Checksum{algorithm}"), checksum(algorithm, body), f"GET {algorithm}")
        ranged = s3.get_object(Bucket=bucket, Key=key, Range="bytes=0-99", ChecksumMode="ENABLED")
        expect(ranged["Body"].read(), body[:100], "ranged GET body")
        expect(ranged.get(f"Checksum{algorithm}"), None, "ranged GET checksum")
    return {"algorithms": list(algorithms)}


def scenario_default(s3, bucket: str) -> dict:
    """boto3 1.43 checksums every upload with CRC32 unasked; 1.26 sends none."""
    body = data(4096, 2)
    s3.put_object(Bucket=bucket, Key="default", Body=body)
    head = s3.head_object(Bucket=bucket, Key="default", ChecksumMode="ENABLED")
    expect(head.get("ChecksumCRC32"), checksum("CRC32", body) if NEW_BOTOCORE else None,
           "default CRC32")
    return {"crc32": head.get("ChecksumCRC32")}


def scenario_errors(s3, bucket: str) -> dict:
    body = b"hello world"
    wrong = checksum("CRC32", b"something else")
    expect(error_code(s3.put_object, Bucket=bucket, Key="bad", Body=body, ChecksumCRC32=wrong),
           "BadDigest", "wrong CRC32")
    expect(error_code(s3.head_object, Bucket=bucket, Key="bad"), "404", "nothing stored")
    return {"bad_digest": True}


def scenario_multipart(s3, bucket: str) -> dict:
    parts = [data(5 * MiB, 3), data(5 * MiB, 4), data(1234, 5)]
    result = {}
    for algorithm, kind in (("SHA256", "COMPOSITE"), ("CRC32", "COMPOSITE"),
                            ("CRC32", "FULL_OBJECT")):
        key = f"mp-{algorithm}-{kind}"
        create = {"ChecksumAlgorithm": algorithm}
        if kind == "FULL_OBJECT":
            if not NEW_BOTOCORE:
                continue  # ChecksumType is not in botocore 1.29's model
            create["ChecksumType"] = kind
        upload = s3.create_multipart_upload(Bucket=bucket, Key=key, **create)
        uid = upload["UploadId"]
        listed = []
        for n, part in enumerate(parts, 1):
            r = s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=n, Body=part,
                               ChecksumAlgorithm=algorithm)
            expect(r.get(f"Checksum{algorithm}"), checksum(algorithm, part), f"part {n}")
            listed.append({"PartNumber": n, "ETag": r["ETag"],
                           f"Checksum{algorithm}": r[f"Checksum{algorithm}"]})
        lp = s3.list_parts(Bucket=bucket, Key=key, UploadId=uid)
        expect([p.get(f"Checksum{algorithm}") for p in lp["Parts"]],
               [checksum(algorithm, p) for p in parts], "ListParts checksums")
        expect(lp.get("ChecksumAlgorithm"), algorithm, "ListParts algorithm")
        done = s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=uid,
                                            MultipartUpload={"Parts": listed})
        expected = (composite(algorithm, parts) if kind == "COMPOSITE"
                    else full_object(algorithm, parts))
        expect(done.get(f"Checksum{algorithm}"), expected, f"{key} completion")
        head = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        expect(head.get(f"Checksum{algorithm}"), expected, f"{key} HEAD")
        if NEW_BOTOCORE:
            expect(head.get("ChecksumType"), kind, f"{key} type")
        # boto3 1.43 validates FULL_OBJECT bodies, skips COMPOSITE ones (as against AWS).
        got = s3.get_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        expect(got["Body"].read(), b"".join(parts), f"{key} body")
        result[key] = expected
    return result


def scenario_multipart_errors(s3, bucket: str) -> dict:
    parts = [data(5 * MiB, 6), data(100, 7)]
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mpe", ChecksumAlgorithm="SHA1")
    uid = upload["UploadId"]
    listed = []
    for n, part in enumerate(parts, 1):
        r = s3.upload_part(Bucket=bucket, Key="mpe", UploadId=uid, PartNumber=n, Body=part,
                           ChecksumAlgorithm="SHA1")
        listed.append({"PartNumber": n, "ETag": r["ETag"], "ChecksumSHA1": r["ChecksumSHA1"]})
    # A listed part checksum that is not the part's.
    wrong = [dict(listed[0]), listed[1]]
    wrong[0]["ChecksumSHA1"] = checksum("SHA1", b"not the part")
    expect(error_code(s3.complete_multipart_upload, Bucket=bucket, Key="mpe", UploadId=uid,
                      MultipartUpload={"Parts": wrong}), "InvalidPart", "wrong part checksum")
    # A COMPOSITE upload's parts must all be listed with their checksums.
    bare = [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in listed]
    expect(error_code(s3.complete_multipart_upload, Bucket=bucket, Key="mpe", UploadId=uid,
                      MultipartUpload={"Parts": bare}), "InvalidRequest", "missing part checksum")
    # A part in another algorithm than the upload's.
    expect(error_code(s3.upload_part, Bucket=bucket, Key="mpe", UploadId=uid, PartNumber=3,
                      Body=b"x", ChecksumAlgorithm="CRC32"), "InvalidRequest", "algorithm mismatch")
    done = s3.complete_multipart_upload(Bucket=bucket, Key="mpe", UploadId=uid,
                                        MultipartUpload={"Parts": listed})
    expect(done.get("ChecksumSHA1"), composite("SHA1", parts), "completion after errors")
    return {"errors": 3}


def scenario_copy(s3, bucket: str) -> dict:
    body = data(20_000, 8)
    s3.put_object(Bucket=bucket, Key="src", Body=body, ChecksumAlgorithm="SHA256")
    s3.copy_object(Bucket=bucket, Key="kept", CopySource={"Bucket": bucket, "Key": "src"})
    kept = s3.head_object(Bucket=bucket, Key="kept", ChecksumMode="ENABLED")
    expect(kept.get("ChecksumSHA256"), checksum("SHA256", body), "copy keeps")
    copied = s3.copy_object(Bucket=bucket, Key="redone", CopySource={"Bucket": bucket, "Key": "src"},
                            ChecksumAlgorithm="SHA1")
    expect(copied["CopyObjectResult"].get("ChecksumSHA1"), checksum("SHA1", body), "copy result")
    redone = s3.head_object(Bucket=bucket, Key="redone", ChecksumMode="ENABLED")
    expect(redone.get("ChecksumSHA1"), checksum("SHA1", body), "copy recomputes")
    expect(redone.get("ChecksumSHA256"), None, "old checksum dropped")
    return {"copy": True}


SCENARIOS = {name[len("scenario_"):]: fn for name, fn in globals().items()
             if name.startswith("scenario_")}


def main() -> None:
    name, bucket = sys.argv[1], sys.argv[2]
    s3 = client()
    s3.create_bucket(Bucket=bucket)
    result = SCENARIOS[name](s3, bucket)
    print(json.dumps({"scenario": name, "botocore": botocore.__version__, **result}))


if __name__ == "__main__":
    main()

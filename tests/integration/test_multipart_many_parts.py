"""A many-part multipart upload with boto3 against a server that may hold only a few file
descriptors: CompleteMultipartUpload joins the parts one open file at a time, and (with the
keep-alive interval at 0) answers 200 at once and sends whitespace before its XML, which boto3
must parse as usual. The joined object must be byte-identical and carry the multipart ETag."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

from helpers import client_env, imgpipe_bin, new_server, run

PART = 5 << 20
PARTS = 50
FD_LIMIT = 64  # the idle server holds about 35; the old completion opened one per part

CLIENT = r'''
import hashlib, json, os, sys
import boto3
from botocore.config import Config

bucket, parts, part_size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s3 = boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT"],
                  config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}))
s3.create_bucket(Bucket=bucket)
upload = s3.create_multipart_upload(Bucket=bucket, Key="joined.bin")
whole, md5s, done = hashlib.sha256(), b"", []
for n in range(1, parts + 1):
    # Distinct bytes per part, so a misordered join shows.
    body = (n.to_bytes(4, "big") * (part_size // 4))[: part_size if n < parts else 12345]
    whole.update(body)
    md5s += hashlib.md5(body).digest()
    etag = s3.upload_part(Bucket=bucket, Key="joined.bin", UploadId=upload["UploadId"],
                          PartNumber=n, Body=body)["ETag"]
    done.append({"PartNumber": n, "ETag": etag})
result = s3.complete_multipart_upload(Bucket=bucket, Key="joined.bin",
                                      UploadId=upload["UploadId"],
                                      MultipartUpload={"Parts": done})
got = hashlib.sha256()
for chunk in s3.get_object(Bucket=bucket, Key="joined.bin")["Body"].iter_chunks(1 << 20):
    got.update(chunk)
print(json.dumps({"etag": result["ETag"], "expected_etag":
                  '"%s-%d"' % (hashlib.md5(md5s).hexdigest(), parts),
                  "sha256": got.hexdigest(), "expected_sha256": whole.hexdigest()}))
'''


def test_boto3_many_parts_under_a_low_descriptor_limit(tmp_path: Path):
    wrapper = tmp_path / "imgpipe-few-fds"
    wrapper.write_text(f"#!/bin/sh\nulimit -n {FD_LIMIT} || exit 99\nexec {imgpipe_bin()} \"$@\"\n")
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    server = new_server(tmp_path / "data", binary=wrapper, roles="s3",
                        env={"IMGPIPE_S3_KEEPALIVE_INTERVAL": "0s"})
    server.start()
    try:
        res = run(["/usr/bin/python3", "-c", CLIENT, "many-parts", PARTS, PART],
                  env=client_env(server), timeout=300)
        out = json.loads(res.stdout.decode().strip().splitlines()[-1])
        assert out["etag"] == out["expected_etag"]
        assert out["sha256"] == out["expected_sha256"]
        assert not any((tmp_path / "data" / "parts").iterdir())
    finally:
        server.stop_and_check()

"""Below store.min_free_bytes of free space the real server refuses new uploads with 507
InsufficientStorage (a clear code, not retried by SDKs) while reads go on. The watermark is set
above the data dir's real free space (statvfs, read here independently) to stand for a full disk."""

from __future__ import annotations

import json
import os
from pathlib import Path

from helpers import client_env, new_server, run

CLIENT = r'''
import json, os, sys
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

s3 = boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT"],
                  config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}))
s3.create_bucket(Bucket="full")
out = {"buckets": [b["Name"] for b in s3.list_buckets()["Buckets"]]}
for name, call in [
    ("put", lambda: s3.put_object(Bucket="full", Key="a.jpg", Body=b"bytes")),
    ("part", lambda: s3.upload_part(
        Bucket="full", Key="m", PartNumber=1, Body=b"x",
        UploadId=s3.create_multipart_upload(Bucket="full", Key="m")["UploadId"])),
]:
    try:
        call()
        out[name] = "stored"
    except ClientError as e:
        out[name] = [e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"]]
print(json.dumps(out))
'''


def test_uploads_refused_below_the_free_space_watermark(tmp_path: Path):
    st = os.statvfs(tmp_path)
    free = st.f_bavail * st.f_frsize
    server = new_server(tmp_path / "data", roles="s3",
                        env={"IMGPIPE_STORE_MIN_FREE_BYTES": str(free + (1 << 40))})
    server.start()
    try:
        res = run(["/usr/bin/python3", "-c", CLIENT], env=client_env(server), timeout=120)
        out = json.loads(res.stdout.decode().strip().splitlines()[-1])
        assert "full" in out["buckets"]
        assert out["put"] == [507, "InsufficientStorage"]
        assert out["part"] == [507, "InsufficientStorage"]
        assert not any((tmp_path / "data" / "tmp").iterdir())
    finally:
        server.stop_and_check()

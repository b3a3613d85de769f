"""boto3 canned-ACL scenario against an S3 endpoint, run as a subprocess under a given
interpreter (Debian's python3 with boto3 1.26, or the image's) by
tests/integration/test_acl.py.

Usage: boto3_acl.py BUCKET
Env: S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION.
Asserts what it checks and exits 0; any failure raises. Anonymous reads go through urllib,
without credentials. The last stdout line is a JSON summary.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


def expect(actual, expected, what: str) -> None:
    if actual != expected:
        raise AssertionError(f"{what}: expected {expected!r}, got {actual!r}")


def anonymous_status(bucket: str, key: str) -> int:
    url = f"{os.environ['S3_ENDPOINT']}/{bucket}/{key}"
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code


def public_permissions(acl: dict) -> list[str]:
    """AllUsers permissions of a Get*Acl answer; asserts the owner's FULL_CONTROL is there."""
    owner = acl["Owner"]["ID"]
    grants = acl["Grants"]
    assert {"Grantee": {"ID": owner, "DisplayName": acl["Owner"].get("DisplayName", owner),
                        "Type": "CanonicalUser"},
            "Permission": "FULL_CONTROL"} in grants, grants
    return sorted(g["Permission"] for g in grants if g["Grantee"].get("URI") == ALL_USERS)


def error_code(fn, **kwargs) -> str:
    try:
        fn(**kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"]
    raise AssertionError(f"{fn.__name__} unexpectedly succeeded")


def main(bucket: str) -> dict:
    s3 = boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT"],
                      config=Config(retries={"max_attempts": 1, "mode": "standard"}))
    s3.create_bucket(Bucket=bucket, ACL="public-read")
    expect(public_permissions(s3.get_bucket_acl(Bucket=bucket)), ["READ"], "bucket ACL")
    s3.put_object(Bucket=bucket, Key="in-public-bucket", Body=b"a")
    expect(anonymous_status(bucket, "in-public-bucket"), 200, "object in public-read bucket")

    s3.put_bucket_acl(Bucket=bucket, ACL="private")
    expect(public_permissions(s3.get_bucket_acl(Bucket=bucket)), [], "bucket ACL made private")
    expect(anonymous_status(bucket, "in-public-bucket"), 403, "object in private bucket")

    s3.put_object(Bucket=bucket, Key="open", Body=b"open", ACL="public-read")
    s3.put_object(Bucket=bucket, Key="closed", Body=b"closed")
    expect(anonymous_status(bucket, "open"), 200, "public-read object")
    expect(anonymous_status(bucket, "closed"), 403, "private object")
    expect(public_permissions(s3.get_object_acl(Bucket=bucket, Key="open")), ["READ"],
           "object ACL")
    s3.put_object_acl(Bucket=bucket, Key="open", ACL="private")
    expect(anonymous_status(bucket, "open"), 403, "object made private")
    s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "closed"},
                   ACL="public-read")
    expect(anonymous_status(bucket, "copy"), 200, "public-read copy")

    # The read-modify-write SDKs do: the policy GetBucketAcl answered, plus AllUsers READ.
    policy = s3.get_bucket_acl(Bucket=bucket)
    policy.pop("ResponseMetadata")
    policy["Grants"].append({"Grantee": {"Type": "Group", "URI": ALL_USERS},
                             "Permission": "READ"})
    s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy=policy)
    expect(public_permissions(s3.get_bucket_acl(Bucket=bucket)), ["READ"], "policy body")

    # Grants this store cannot keep are refused, never ignored.
    expect(error_code(s3.put_bucket_acl, Bucket=bucket, GrantRead=f"uri={ALL_USERS}"),
           "NotImplemented", "GrantRead")
    expect(error_code(s3.put_object, Bucket=bucket, Key="k", Body=b"x",
                      ACL="authenticated-read"), "NotImplemented", "authenticated-read")
    policy["Grants"].append({"Grantee": {"Type": "CanonicalUser", "ID": "someone-else"},
                             "Permission": "READ"})
    expect(error_code(s3.put_bucket_acl, Bucket=bucket, AccessControlPolicy=policy),
           "NotImplemented", "grant to another user")
    expect(public_permissions(s3.get_bucket_acl(Bucket=bucket)), ["READ"], "unchanged")
    return {"ok": True}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))

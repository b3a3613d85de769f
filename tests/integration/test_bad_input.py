"""Bad input gets S3's error (code and status) and leaves nothing behind: bad credentials,
expired presigns, skewed clocks, bodies that do not match their hash or checksum, bad bucket
names, over-long keys, malformed XML, tampered aws-chunked bodies. Requests are built with the
tests' own signer (s3sig.py, checked against AWS's examples) or botocore with a fixed clock."""

from __future__ import annotations

import datetime as dt
import os
from unittest import mock

import pytest
import requests

import s3sig
from helpers import assert_s3_error, error_code

BUCKET = "bad-input"


@pytest.fixture(scope="module", autouse=True)
def bucket(raw):
    resp = raw.request("PUT", f"/{BUCKET}")
    assert resp.status_code == 200, resp.content
    return BUCKET


def assert_absent(raw, key: str) -> None:
    resp = raw.request("HEAD", f"/{BUCKET}/{key}")
    assert resp.status_code == 404, f"{key} should not exist; HEAD gave {resp.status_code}"


# --------------------------------------------------------------------------- credentials


def test_wrong_secret_is_signature_does_not_match(raw):
    resp = raw.request("GET", f"/{BUCKET}", query=[("list-type", "2")],
                       secret_key="wrong" + raw.server.secret_key)
    assert_s3_error(resp, 403, "SignatureDoesNotMatch")


def test_unknown_key_id_is_invalid_access_key_id(raw):
    resp = raw.request("GET", f"/{BUCKET}", query=[("list-type", "2")],
                       access_key="AKIDNOSUCHKEY0000000")
    assert_s3_error(resp, 403, "InvalidAccessKeyId")


def test_anonymous_request_is_access_denied(raw):
    resp = raw.request("GET", f"/{BUCKET}", query=[("list-type", "2")], sign=False)
    assert_s3_error(resp, 403, "AccessDenied")


def test_missing_bucket_is_no_such_bucket(raw):
    assert_s3_error(raw.request("GET", "/no-such-bucket-here/key"), 404, "NoSuchBucket")


def test_signature_over_other_headers_is_checked(raw):
    headers = s3sig.sign_request("GET", f"/{BUCKET}", host=raw.server.host,
                                 access_key=raw.server.access_key,
                                 secret_key=raw.server.secret_key, query=[("list-type", "2")],
                                 headers={"x-amz-meta-signed": "a"})
    headers["x-amz-meta-signed"] = "b"  # changed after signing
    resp = requests.get(f"{raw.server.endpoint}/{BUCKET}?list-type=2", headers=headers,
                        timeout=30)
    assert_s3_error(resp, 403, "SignatureDoesNotMatch")


# --------------------------------------------------------------------------- time


def _presigned_get(raw, key: str, *, when: dt.datetime, expires: int) -> requests.Response:
    query = s3sig.presign("GET", f"/{BUCKET}/{key}", host=raw.server.host,
                          access_key=raw.server.access_key, secret_key=raw.server.secret_key,
                          expires=expires, when=when)
    return requests.get(f"{raw.server.endpoint}/{BUCKET}/{key}?{query}", timeout=30)


def test_presign_valid_then_expired(raw):
    assert raw.request("PUT", f"/{BUCKET}/presigned.txt", body=b"presigned").status_code == 200
    fresh = _presigned_get(raw, "presigned.txt", when=s3sig.now(), expires=60)
    assert fresh.status_code == 200 and fresh.content == b"presigned", fresh.content
    # Signed 10 minutes ago (within the allowed clock skew), valid for 60 s: expired.
    old = _presigned_get(raw, "presigned.txt", when=s3sig.now() - dt.timedelta(minutes=10),
                         expires=60)
    assert_s3_error(old, 403, "AccessDenied")


def test_presign_expiry_over_seven_days_is_refused(raw):
    resp = _presigned_get(raw, "presigned.txt", when=s3sig.now(), expires=604801)
    assert resp.status_code in (400, 403), resp.content
    assert error_code(resp) in ("AuthorizationQueryParametersError", "AccessDenied"), resp.content


@pytest.mark.parametrize("minutes", [-20, 20])
def test_skewed_clock_is_request_time_too_skewed(raw, minutes):
    when = s3sig.now() + dt.timedelta(minutes=minutes)
    resp = raw.request("GET", f"/{BUCKET}", query=[("list-type", "2")], when=when)
    assert_s3_error(resp, 403, "RequestTimeTooSkewed")


def test_skewed_clock_botocore_signed(raw):
    """The same through botocore's own signer, with its clock fixed 20 minutes behind."""
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    skewed = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=20)

    class FixedDatetime(dt.datetime):
        @classmethod
        def utcnow(cls):
            return skewed.replace(tzinfo=None)

        @classmethod
        def now(cls, tz=None):
            return skewed if tz else skewed.replace(tzinfo=None)

    url = f"{raw.server.endpoint}/{BUCKET}/skewed.txt"
    request = AWSRequest(method="PUT", url=url, data=b"skewed")
    creds = Credentials(raw.server.access_key, raw.server.secret_key)
    with mock.patch.object(dt, "datetime", FixedDatetime):
        S3SigV4Auth(creds, "s3", "us-east-1").add_auth(request)
    assert request.headers["X-Amz-Date"] == skewed.strftime("%Y%m%dT%H%M%SZ")
    prepared = request.prepare()
    resp = requests.put(url, data=b"skewed", headers=dict(prepared.headers), timeout=30)
    assert_s3_error(resp, 403, "RequestTimeTooSkewed")
    assert_absent(raw, "skewed.txt")


# --------------------------------------------------------------------------- bodies


def test_body_not_matching_sha256_is_rejected_and_not_stored(raw):
    body = os.urandom(1 << 20)
    resp = raw.request("PUT", f"/{BUCKET}/sha-mismatch.bin", body=body,
                       # Flip a bit of the last byte: appending a fixed byte would match the real
                       # body whenever it happens to end in that byte (1 run in 256).
                       payload_hash=s3sig.sha256_hex(body[:-1] + bytes([body[-1] ^ 1])))
    assert_s3_error(resp, 400, "XAmzContentSHA256Mismatch")
    assert_absent(raw, "sha-mismatch.bin")


def test_bad_overwrite_keeps_the_old_object(raw):
    assert raw.request("PUT", f"/{BUCKET}/keep.txt", body=b"old version").status_code == 200
    body = os.urandom(300_000)
    resp = raw.request("PUT", f"/{BUCKET}/keep.txt", body=body,
                       payload_hash=s3sig.sha256_hex(b"something else"))
    assert_s3_error(resp, 400, "XAmzContentSHA256Mismatch")
    got = raw.request("GET", f"/{BUCKET}/keep.txt")
    assert got.status_code == 200 and got.content == b"old version"


def test_body_not_matching_crc32_is_bad_digest_and_not_stored(raw):
    body = os.urandom(100_000)
    resp = raw.request("PUT", f"/{BUCKET}/crc-mismatch.bin", body=body,
                       headers={"x-amz-checksum-crc32": s3sig.crc32_b64(b"other"),
                                "x-amz-sdk-checksum-algorithm": "CRC32"})
    assert_s3_error(resp, 400, "BadDigest")
    assert_absent(raw, "crc-mismatch.bin")
    ok = raw.request("PUT", f"/{BUCKET}/crc-match.bin", body=body,
                     headers={"x-amz-checksum-crc32": s3sig.crc32_b64(body)})
    assert ok.status_code == 200, ok.content


def test_body_not_matching_content_md5_is_bad_digest_and_not_stored(raw):
    body = os.urandom(50_000)
    resp = raw.request("PUT", f"/{BUCKET}/md5-mismatch.bin", body=body,
                       headers={"Content-MD5": s3sig.md5_b64(b"other")})
    assert_s3_error(resp, 400, "BadDigest")
    assert_absent(raw, "md5-mismatch.bin")


def _streaming_signed_put(raw, key: str, data: bytes, tamper_chunk: int | None):
    chunk = 64 * 1024
    headers = s3sig.sign_request(
        "PUT", f"/{BUCKET}/{key}", host=raw.server.host, access_key=raw.server.access_key,
        secret_key=raw.server.secret_key, payload_hash=s3sig.STREAMING_SIGNED,
        headers={"Content-Encoding": "aws-chunked",
                 "Content-Length": str(s3sig.signed_chunked_length(len(data), chunk)),
                 "x-amz-decoded-content-length": str(len(data))})
    body = s3sig.aws_chunked_signed(data, chunk_size=chunk,
                                    seed_sig=s3sig.seed_signature(headers),
                                    stamp=headers["X-Amz-Date"], secret_key=raw.server.secret_key,
                                    tamper_chunk=tamper_chunk)
    return requests.put(f"{raw.server.endpoint}/{BUCKET}/{key}", data=body, headers=headers,
                        timeout=60)


def test_streaming_signed_payload_roundtrip_and_tampered_chunk(raw):
    data = os.urandom(200_000)
    ok = _streaming_signed_put(raw, "chunked-ok.bin", data, None)
    assert ok.status_code == 200, ok.content
    got = raw.request("GET", f"/{BUCKET}/chunked-ok.bin")
    assert got.content == data
    bad = _streaming_signed_put(raw, "chunked-bad.bin", data, tamper_chunk=1)
    assert_s3_error(bad, 403, "SignatureDoesNotMatch")
    assert_absent(raw, "chunked-bad.bin")


def _unsigned_trailer_put(raw, key: str, data: bytes, checksum: str):
    body = s3sig.aws_chunked_unsigned_trailer(data, chunk_size=8192,
                                              trailer_name="x-amz-checksum-crc32",
                                              trailer_value=checksum)
    headers = s3sig.sign_request(
        "PUT", f"/{BUCKET}/{key}", host=raw.server.host, access_key=raw.server.access_key,
        secret_key=raw.server.secret_key, payload_hash=s3sig.STREAMING_UNSIGNED_TRAILER,
        headers={"Content-Encoding": "aws-chunked", "x-amz-trailer": "x-amz-checksum-crc32",
                 "x-amz-decoded-content-length": str(len(data))})

    def gen():  # a generator body makes requests use Transfer-Encoding: chunked, like botocore
        for i in range(0, len(body), 10_000):
            yield body[i:i + 10_000]

    return requests.put(f"{raw.server.endpoint}/{BUCKET}/{key}", data=gen(), headers=headers,
                        timeout=60)


def test_unsigned_trailer_checksum_verified(raw):
    data = os.urandom(50_000)
    ok = _unsigned_trailer_put(raw, "trailer-ok.bin", data, s3sig.crc32_b64(data))
    assert ok.status_code == 200, ok.content
    assert raw.request("GET", f"/{BUCKET}/trailer-ok.bin").content == data
    bad = _unsigned_trailer_put(raw, "trailer-bad.bin", data, s3sig.crc32_b64(data + b"x"))
    assert_s3_error(bad, 400, "BadDigest")
    assert_absent(raw, "trailer-bad.bin")


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize("name", ["ab", "a" * 64, "UpperCase", "under_score", "-leading",
                                  "trailing-", "double..dot", "192.168.5.4",
                                  "xn--prefixed", "suffix-s3alias"])
def test_bad_bucket_name_is_invalid_bucket_name(raw, name):
    assert_s3_error(raw.request("PUT", f"/{name}"), 400, "InvalidBucketName")


def test_valid_unusual_bucket_name_is_accepted(raw):
    resp = raw.request("PUT", "/ok-bucket.name-1")
    assert resp.status_code == 200, resp.content
    assert raw.request("HEAD", "/ok-bucket.name-1").status_code == 200


def test_key_of_1025_bytes_is_key_too_long(raw):
    resp = raw.request("PUT", f"/{BUCKET}/" + "k" * 1025, body=b"x")
    assert_s3_error(resp, 400, "KeyTooLongError")
    # 1024 bytes of UTF-8 is the limit, not 1024 characters: 513 two-byte characters is too long.
    resp = raw.request("PUT", f"/{BUCKET}/" + "é" * 513, body=b"x")
    assert_s3_error(resp, 400, "KeyTooLongError")
    longest = "k" * 1024
    assert raw.request("PUT", f"/{BUCKET}/{longest}", body=b"x").status_code == 200
    assert raw.request("GET", f"/{BUCKET}/{longest}").content == b"x"


# --------------------------------------------------------------------------- XML


@pytest.mark.parametrize("body", [b"<Delete><Object><Key>a</Key></Object>", b"not xml at all",
                                  b"<Delete></Delete>"], ids=["truncated", "garbage", "empty"])
def test_delete_objects_malformed_xml(raw, body):
    resp = raw.request("POST", f"/{BUCKET}", query=[("delete", "")], body=body,
                       headers={"Content-MD5": s3sig.md5_b64(body)})
    assert_s3_error(resp, 400, "MalformedXML")


@pytest.mark.parametrize("body", [b"<CompleteMultipartUpload><Part><PartNumber>1",
                                  b"{\"json\": true}"], ids=["truncated", "garbage"])
def test_complete_multipart_malformed_xml(raw, body):
    import xml.etree.ElementTree as ET
    created = raw.request("POST", f"/{BUCKET}/mp-xml.bin", query=[("uploads", "")])
    assert created.status_code == 200, created.content
    ns = {"s3": "http://s3.amazonaws.com/doc/2006-03-01/"}
    root = ET.fromstring(created.content)
    upload_id = (root.find("s3:UploadId", ns) if root.find("s3:UploadId", ns) is not None
                 else root.find("UploadId")).text
    part = raw.request("PUT", f"/{BUCKET}/mp-xml.bin", body=b"part one",
                       query=[("partNumber", "1"), ("uploadId", upload_id)])
    assert part.status_code == 200, part.content
    resp = raw.request("POST", f"/{BUCKET}/mp-xml.bin", query=[("uploadId", upload_id)],
                       body=body)
    assert_s3_error(resp, 400, "MalformedXML")
    assert_absent(raw, "mp-xml.bin")
    aborted = raw.request("DELETE", f"/{BUCKET}/mp-xml.bin", query=[("uploadId", upload_id)])
    assert aborted.status_code == 204, aborted.content

"""Checks the tests' own SigV4 helper (s3sig.py) against the AWS documentation's S3 worked
examples (docs/s3-compat.md §1.6), so that a signature error in any other test is the server's."""

import datetime as dt

import s3sig

AK = "AKIAIOSFODNN7EXAMPLE"
SK = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
WHEN = dt.datetime(2013, 5, 24, tzinfo=dt.timezone.utc)


def test_header_auth_get_with_range():
    headers = s3sig.sign_request("GET", "/test.txt", host="examplebucket.s3.amazonaws.com",
                                 access_key=AK, secret_key=SK, headers={"Range": "bytes=0-9"},
                                 when=WHEN)
    assert s3sig.seed_signature(headers) == (
        "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    assert "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date," in headers["Authorization"]


def test_header_auth_list_with_query():
    headers = s3sig.sign_request("GET", "/", host="examplebucket.s3.amazonaws.com",
                                 access_key=AK, secret_key=SK,
                                 query=[("max-keys", "2"), ("prefix", "J")], when=WHEN)
    assert s3sig.seed_signature(headers) == (
        "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")


def test_presigned_get():
    query = s3sig.presign("GET", "/test.txt", host="examplebucket.s3.amazonaws.com",
                          access_key=AK, secret_key=SK, expires=86400, when=WHEN)
    assert query.endswith(
        "X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")


def test_streaming_signed_chunks():
    headers = s3sig.sign_request(
        "PUT", "/examplebucket/chunkObject.txt", host="s3.amazonaws.com", access_key=AK,
        secret_key=SK, payload_hash=s3sig.STREAMING_SIGNED, when=WHEN,
        headers={"Content-Encoding": "aws-chunked", "Content-Length": "66824",
                 "x-amz-decoded-content-length": "66560",
                 "x-amz-storage-class": "REDUCED_REDUNDANCY"})
    seed = s3sig.seed_signature(headers)
    assert seed == "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
    body = s3sig.aws_chunked_signed(b"a" * 66560, chunk_size=65536, seed_sig=seed,
                                    stamp="20130524T000000Z", secret_key=SK)
    assert len(body) == 66824 == s3sig.signed_chunked_length(66560, 65536)
    assert b"10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648" in body
    assert b"400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497" in body
    assert body.endswith(
        b"0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n")

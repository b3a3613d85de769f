"""Minimal, dependency-free AWS Signature V4 for S3, used by the tests to build requests no SDK
would send (wrong keys, skewed clocks, bad payload hashes, aws-chunked bodies, raw sockets).

Kept deliberately independent of the server's C++ implementation and of botocore, and checked
against the AWS documentation's worked examples in test_sigv4_reference.py, so a failure points at
the server and not at this helper. Pure functions; thread-safe.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import urllib.parse
import zlib

REGION = "us-east-1"
SERVICE = "s3"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNSIGNED = "UNSIGNED-PAYLOAD"
STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def crc32_b64(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def uri_encode(text: str, keep_slash: bool) -> str:
    """RFC 3986 encoding as SigV4 wants it: unreserved kept, everything else %XX upper-case."""
    safe = "-_.~/" if keep_slash else "-_.~"
    return urllib.parse.quote(text, safe=safe)


def amz_date(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def signing_key(secret: str, day: str, region: str = REGION) -> bytes:
    k = _hmac(("AWS4" + secret).encode(), day)
    k = _hmac(k, region)
    k = _hmac(k, SERVICE)
    return _hmac(k, "aws4_request")


def canonical_query(query: list[tuple[str, str]]) -> str:
    pairs = sorted((uri_encode(k, False), uri_encode(v, False)) for k, v in query)
    return "&".join(f"{k}={v}" for k, v in pairs)


def canonical_request(method: str, path: str, query: list[tuple[str, str]],
                      headers: dict[str, str], signed: list[str], payload_hash: str) -> str:
    """`path` is the decoded path (e.g. "/bucket/my key"); it is encoded once, S3 style."""
    lower = {k.lower(): " ".join(str(v).split()) for k, v in headers.items()}
    canon_headers = "".join(f"{h}:{lower[h]}\n" for h in signed)
    return "\n".join([method, uri_encode(path, True), canonical_query(query), canon_headers,
                      ";".join(signed), payload_hash])


def string_to_sign(stamp: str, scope: str, creq: str) -> str:
    return "\n".join(["AWS4-HMAC-SHA256", stamp, scope, sha256_hex(creq.encode())])


def sign_request(method: str, path: str, *, host: str, access_key: str, secret_key: str,
                 query: list[tuple[str, str]] | None = None,
                 headers: dict[str, str] | None = None, payload_hash: str = EMPTY_SHA256,
                 when: dt.datetime | None = None, region: str = REGION) -> dict[str, str]:
    """Returns the full header set (input headers + Host, X-Amz-Date, X-Amz-Content-Sha256,
    Authorization) for a header-authenticated request. Every given header is signed."""
    when = when or now()
    stamp = amz_date(when)
    day = stamp[:8]
    out = dict(headers or {})
    out["Host"] = host
    out["X-Amz-Date"] = stamp
    out["X-Amz-Content-Sha256"] = payload_hash
    signed = sorted(k.lower() for k in out)
    creq = canonical_request(method, path, query or [], out, signed, payload_hash)
    scope = f"{day}/{region}/{SERVICE}/aws4_request"
    sts = string_to_sign(stamp, scope, creq)
    sig = hmac.new(signing_key(secret_key, day, region), sts.encode(), hashlib.sha256).hexdigest()
    out["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, "
                            f"SignedHeaders={';'.join(signed)}, Signature={sig}")
    return out


def presign(method: str, path: str, *, host: str, access_key: str, secret_key: str,
            expires: int, when: dt.datetime | None = None, region: str = REGION,
            query: list[tuple[str, str]] | None = None) -> str:
    """Returns the full query string (already encoded) of a presigned URL for `path`."""
    when = when or now()
    stamp = amz_date(when)
    day = stamp[:8]
    scope = f"{day}/{region}/{SERVICE}/aws4_request"
    q = list(query or []) + [
        ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
        ("X-Amz-Credential", f"{access_key}/{scope}"),
        ("X-Amz-Date", stamp),
        ("X-Amz-Expires", str(expires)),
        ("X-Amz-SignedHeaders", "host"),
    ]
    creq = canonical_request(method, path, q, {"host": host}, ["host"], UNSIGNED)
    sts = string_to_sign(stamp, scope, creq)
    sig = hmac.new(signing_key(secret_key, day, region), sts.encode(), hashlib.sha256).hexdigest()
    return canonical_query(q) + "&X-Amz-Signature=" + sig


def seed_signature(headers: dict[str, str]) -> str:
    return headers["Authorization"].rsplit("Signature=", 1)[1]


def aws_chunked_signed(data: bytes, *, chunk_size: int, seed_sig: str, stamp: str,
                       secret_key: str, region: str = REGION,
                       tamper_chunk: int | None = None) -> bytes:
    """Frames `data` as STREAMING-AWS4-HMAC-SHA256-PAYLOAD. `tamper_chunk` flips one byte of
    that chunk's data after signing (to provoke a chunk signature mismatch)."""
    day = stamp[:8]
    scope = f"{day}/{region}/{SERVICE}/aws4_request"
    key = signing_key(secret_key, day, region)
    prev = seed_sig
    out = bytearray()
    chunks = [data[i:i + chunk_size] for i in range(0, len(data), chunk_size)] + [b""]
    for index, chunk in enumerate(chunks):
        sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", stamp, scope, prev, EMPTY_SHA256,
                         sha256_hex(chunk)])
        sig = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
        if tamper_chunk == index and chunk:
            chunk = bytes([chunk[0] ^ 0xFF]) + chunk[1:]
        out += f"{len(chunk):x};chunk-signature={sig}\r\n".encode() + chunk + b"\r\n"
        prev = sig
    return bytes(out)


def signed_chunked_length(data_len: int, chunk_size: int) -> int:
    sizes = [min(chunk_size, data_len - i) for i in range(0, data_len, chunk_size)] + [0]
    return sum(len(f"{n:x};chunk-signature=") + 64 + 2 + n + 2 for n in sizes)


def aws_chunked_unsigned_trailer(data: bytes, *, chunk_size: int, trailer_name: str,
                                 trailer_value: str) -> bytes:
    """Frames `data` as STREAMING-UNSIGNED-PAYLOAD-TRAILER, the way botocore writes it."""
    out = bytearray()
    for i in range(0, len(data), chunk_size):
        chunk = data[i:i + chunk_size]
        out += f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    out += f"0\r\n{trailer_name}:{trailer_value}\r\n\r\n".encode()
    return bytes(out)

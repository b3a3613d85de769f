"""A client that disconnects mid-upload (declares a Content-Length, sends half, closes) leaves no
object behind and no temp file under <data>/tmp (checked while the server still runs, before a
restart's startup sweep could hide a leak), the server keeps serving, and after a restart on the
same data dir nothing reappears. A client that disconnects mid-download does not take the server down
(a write to a socket whose peer has gone must not raise SIGPIPE)."""

from __future__ import annotations

import os
import socket

import s3sig
from helpers import wait_until

BUCKET = "uploads"


def _half_upload(server, key: str, *, declared: int, payload_hash: str | None,
                 part: tuple[int, str] | None = None) -> None:
    data = os.urandom(declared)
    query = [] if part is None else [("partNumber", str(part[0])), ("uploadId", part[1])]
    headers = s3sig.sign_request(
        "PUT", f"/{BUCKET}/{key}", host=server.host, access_key=server.access_key,
        secret_key=server.secret_key, query=query,
        payload_hash=payload_hash or s3sig.sha256_hex(data),
        headers={"Content-Length": str(declared)})
    target = s3sig.uri_encode(f"/{BUCKET}/{key}", True)
    if query:
        target += "?" + s3sig.canonical_query(query)
    head = f"PUT {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    before = set(_tmp_files(server.data_dir))
    with socket.create_connection(("127.0.0.1", server.s3_port), timeout=10) as sock:
        sock.sendall(head.encode() + b"\r\n")
        sock.sendall(data[:declared // 2])
        # Cut off only once the server is writing the body to a temp file of its own.
        wait_until(lambda: set(_tmp_files(server.data_dir)) - before,
                   f"the server writes a temp file for {key}")
    # closed with half the body unsent


def _status(raw, method: str, path: str, query=None) -> int:
    return raw.request(method, path, query=query).status_code


def _tmp_files(data_dir) -> list[str]:
    tmp = data_dir / "tmp"
    if not tmp.exists():
        return []
    return [os.path.join(d, f) for d, _, files in os.walk(tmp) for f in files]


def test_disconnect_mid_upload_leaves_nothing(server, raw):
    _half_upload(server, "cut/unsigned.bin", declared=8 << 20, payload_hash=s3sig.UNSIGNED)
    _half_upload(server, "cut/signed.bin", declared=4 << 20, payload_hash=None)

    # A multipart part cut off in the middle: the upload has no such part afterwards.
    created = raw.request("POST", f"/{BUCKET}/cut/multi.bin", query=[("uploads", "")])
    assert created.status_code == 200, created.content
    upload_id = created.text.split("<UploadId>")[1].split("</UploadId>")[0]
    _half_upload(server, "cut/multi.bin", declared=6 << 20, payload_hash=s3sig.UNSIGNED,
                 part=(1, upload_id))

    # The server notices each cut connection and removes its temp file; a leak shows here,
    # before any restart sweeps <data>/tmp.
    wait_until(lambda: _tmp_files(server.data_dir) == [],
               lambda: f"the cut uploads' temp files are removed (left: {_tmp_files(server.data_dir)})",
               timeout=10)
    codes = [_status(raw, "HEAD", f"/{BUCKET}/cut/unsigned.bin"),
             _status(raw, "HEAD", f"/{BUCKET}/cut/signed.bin"),
             _status(raw, "HEAD", f"/{BUCKET}/cut/multi.bin")]
    assert codes == [404, 404, 404]
    listing = raw.request("GET", f"/{BUCKET}", query=[("list-type", "2"), ("prefix", "cut/")])
    assert listing.status_code == 200 and b"<Key>" not in listing.content, listing.content
    parts = raw.request("GET", f"/{BUCKET}/cut/multi.bin", query=[("uploadId", upload_id)])
    assert parts.status_code == 200, parts.content
    assert b"<PartNumber>" not in parts.content, parts.content

    # The server still works, on new connections.
    assert raw.request("PUT", f"/{BUCKET}/cut/after.txt", body=b"still alive").status_code == 200
    assert raw.request("GET", f"/{BUCKET}/cut/after.txt").content == b"still alive"

    server.restart()
    assert _tmp_files(server.data_dir) == []
    assert _status(raw, "HEAD", f"/{BUCKET}/cut/unsigned.bin") == 404
    assert raw.request("GET", f"/{BUCKET}/cut/after.txt").content == b"still alive"
    assert raw.request("DELETE", f"/{BUCKET}/cut/multi.bin",
                       query=[("uploadId", upload_id)]).status_code == 204


def _half_download(server, key: str, range_header: str | None = None) -> None:
    extra = {"Range": range_header} if range_header else {}
    headers = s3sig.sign_request(
        "GET", f"/{BUCKET}/{key}", host=server.host, access_key=server.access_key,
        secret_key=server.secret_key, payload_hash=s3sig.EMPTY_SHA256, headers=extra)
    head = (f"GET {s3sig.uri_encode(f'/{BUCKET}/{key}', True)} HTTP/1.1\r\n" +
            "".join(f"{k}: {v}\r\n" for k, v in headers.items()))
    with socket.create_connection(("127.0.0.1", server.s3_port), timeout=10) as sock:
        sock.sendall(head.encode() + b"\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 20")
    # closed with most of the body unread, while the server is still sending it


def test_disconnect_mid_download_keeps_the_server_up(server, raw):
    body = os.urandom(32 << 20)
    assert raw.request("PUT", f"/{BUCKET}/cut/download.bin", body=body).status_code == 200
    for _ in range(5):
        _half_download(server, "cut/download.bin")
        _half_download(server, "cut/download.bin", range_header="bytes=1000-")
    got = raw.request("GET", f"/{BUCKET}/cut/download.bin", headers={"Range": "bytes=5-20"})
    assert got.status_code == 206 and got.content == body[5:21]
    assert raw.request("GET", f"/{BUCKET}/cut/download.bin").content == body
    assert server.proc.poll() is None, "the server exited"


def test_restart_keeps_objects(server, raw):
    body = os.urandom(1 << 20)
    assert raw.request("PUT", f"/{BUCKET}/restart/keep.bin", body=body).status_code == 200
    server.restart()
    got = raw.request("GET", f"/{BUCKET}/restart/keep.bin")
    assert got.status_code == 200 and got.content == body

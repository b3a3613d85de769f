"""Hostile clients against the real binary (issue 12): 250 connections without credentials send a
POST Object's headers and a few body bytes, then pause or trickle, from five client addresses
(127.0.0.2-6); 200 are admitted and stall, 50 are over the per-address cap. Meanwhile a normal client on 127.0.0.1 must get its GET, PUT, POST Object and
upload-API answers within an ordinary client timeout; the connections over the per-address cap
must get the clear refusal (503 SlowDown XML, read before anything else); the stalled ones must
still be waiting (nobody answered them, nobody cut them off); and the stalled connections must
cost the server no threads (/proc/<pid>/status).

Raw sockets for the attackers, so what goes on the wire is exactly what the test writes. Timings
are printed (run with -s to see them), never asserted: the only clock in the assertions is the
normal client's timeout.
"""

from __future__ import annotations

import selectors
import socket
import threading
import time

import pytest
import requests

import s3sig
from helpers import new_server

BUCKET = "uploads"
ADDRESSES = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"]
PER_ADDRESS = 50  # 250 connections in all
CAP = 40  # http.max_connections_per_address: 200 stalled, 50 refused
CLIENT_TIMEOUT = 10
BOUNDARY = "hostileboundary"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = new_server(tmp_path_factory.mktemp("data"), env={
        "IMGPIPE_HTTP_MAX_CONNECTIONS_PER_ADDRESS": str(CAP),
        # Longer than the test: a stalled connection must still be stalled when it is checked.
        "IMGPIPE_HTTP_BODY_TIMEOUT": "300s",
    })
    srv.start()
    yield srv
    if srv.proc is not None:
        srv.stop_and_check()


def threads_of(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    raise AssertionError("no Threads line")


def signed(server, method: str, key: str, body: bytes = b"") -> requests.Response:
    path = f"/{BUCKET}/{key}"
    headers = s3sig.sign_request(method, path, host=server.host, access_key=server.access_key,
                                 secret_key=server.secret_key,
                                 payload_hash=s3sig.sha256_hex(body))
    return requests.request(method, f"{server.endpoint}{path}", data=body, headers=headers,
                            timeout=CLIENT_TIMEOUT)


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def normal_client_round(server, tag: str) -> dict[str, float]:
    """GET, PUT, upload API and POST Object as a well-behaved client; returns latencies (s)."""
    took = {}
    resp, took["GET"] = timed(lambda: signed(server, "GET", "existing.bin"))
    assert resp.status_code == 200 and resp.content == b"existing" * 1000, resp.status_code
    resp, took["PUT"] = timed(lambda: signed(server, "PUT", f"put-{tag}.bin", b"p" * 5000))
    assert resp.status_code == 200, resp.text
    resp, took["upload API"] = timed(lambda: requests.post(
        f"http://127.0.0.1:{server.api_port}/upload-image", json={"filename": f"{tag}.png"},
        timeout=CLIENT_TIMEOUT))
    assert resp.status_code == 200, resp.text
    answer = resp.json()
    resp, took["POST Object"] = timed(lambda: requests.post(
        answer["url"], data=answer["fields"],
        files={"file": (f"{tag}.png", b"\x89PNG fake image bytes", "image/png")},
        timeout=CLIENT_TIMEOUT))
    assert resp.status_code == 204, resp.text
    check = signed(server, "HEAD", answer["key"])
    assert check.status_code == 200
    return took


class Attackers:
    """The stalled POST Object connections and the thread that trickles into half of them."""

    def __init__(self, server):
        self.sockets: list[tuple[str, socket.socket]] = []
        self.stop = threading.Event()
        head = (f"POST /{BUCKET} HTTP/1.1\r\nHost: {server.host}\r\n"
                f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
                f"Content-Length: 10000000\r\n\r\n"
                f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nupl").encode()
        for address in ADDRESSES:
            for _ in range(PER_ADDRESS):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.bind((address, 0))
                s.connect(("127.0.0.1", server.s3_port))
                try:
                    s.sendall(head)
                except OSError:
                    pass  # a refused connection may be shut before its request is sent
                self.sockets.append((address, s))
        self.trickler: threading.Thread | None = None

    def start_trickle(self, targets: list[socket.socket]) -> None:
        self.trickler = threading.Thread(target=self._trickle, args=(targets,), daemon=True)
        self.trickler.start()

    def _trickle(self, targets: list[socket.socket]) -> None:
        while not self.stop.wait(0.5):  # pacing the trickle, not a synchronisation
            for s in targets:
                try:
                    s.send(b"o")
                except OSError:
                    pass

    def close(self) -> None:
        self.stop.set()
        if self.trickler is not None:
            self.trickler.join(5)
        for _, s in self.sockets:
            s.close()


def read_refusals(attackers: Attackers, expected: int, timeout: float) -> dict[socket.socket, bytes]:
    """Waits until `expected` attacker connections have been answered and closed (or timeout);
    returns what each answered connection received."""
    answered: dict[socket.socket, bytes] = {}
    done: set[socket.socket] = set()
    sel = selectors.DefaultSelector()
    for _, s in attackers.sockets:
        sel.register(s, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while len(done) < expected and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=max(0.0, deadline - time.monotonic())):
            s = key.fileobj
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if data:
                answered[s] = answered.get(s, b"") + data
            else:
                done.add(s)
                sel.unregister(s)
    sel.close()
    return answered


def test_stalled_post_object_connections_do_not_stall_other_clients(server):
    assert signed(server, "PUT", "existing.bin", b"existing" * 1000).status_code == 200
    normal_client_round(server, "warmup")
    baseline = [normal_client_round(server, f"base{i}") for i in range(3)]
    threads_before = threads_of(server.pid)

    attackers = Attackers(server)
    try:
        refused_expected = len(ADDRESSES) * (PER_ADDRESS - CAP)
        answered = read_refusals(attackers, refused_expected, timeout=CLIENT_TIMEOUT)
        assert len(answered) == refused_expected, (
            f"{len(answered)} connections were answered; expected the {refused_expected} over "
            f"the per-address cap")
        per_address = {a: 0 for a in ADDRESSES}
        for address, s in attackers.sockets:
            if s in answered:
                per_address[address] += 1
                reply = answered[s].decode("latin-1")
                assert reply.startswith("HTTP/1.1 503 "), reply[:200]
                assert "\r\nRetry-After: 1\r\n" in reply, reply[:400]
                assert "<Code>SlowDown</Code>" in reply, reply
        assert per_address == {a: PER_ADDRESS - CAP for a in ADDRESSES}
        # Half of the admitted ones trickle a byte every half second; the others stay silent.
        stalled = [s for _, s in attackers.sockets if s not in answered]
        attackers.start_trickle(stalled[::2])

        under_attack = [normal_client_round(server, f"attack{i}") for i in range(3)]
        threads_during = threads_of(server.pid)

        # The admitted ones are still stalled: nobody answered them or cut them off.
        assert len(stalled) == len(ADDRESSES) * CAP
        sel = selectors.DefaultSelector()
        for s in stalled:
            sel.register(s, selectors.EVENT_READ)
        assert sel.select(timeout=0) == [], "a stalled connection was answered or closed"
        sel.close()
    finally:
        attackers.close()

    # Waiting connections hold no thread: whatever the handler pools had before is enough.
    assert threads_during <= threads_before + 4, (threads_before, threads_during)

    def median(rounds, op):
        values = sorted(r[op] for r in rounds)
        return values[len(values) // 2]
    print(f"\nthreads: {threads_before} before, {threads_during} with "
          f"{len(ADDRESSES) * CAP} stalled connections")
    for op in baseline[0]:
        print(f"{op:12s} median {median(baseline, op) * 1000:7.1f} ms without attackers, "
              f"{median(under_attack, op) * 1000:7.1f} ms with {len(ADDRESSES) * CAP} stalled "
              f"(+{refused_expected} refused)")


def test_server_still_serves_after_the_attackers_leave(server):
    normal_client_round(server, "after")

"""Normal traffic: N clients, each a thread with a kept-alive connection to each port, each
looping "think, then one request" until stopped. The requests, in proportion 2:1:1:
  GET     a 64 KiB object (SigV4-signed GetObject on the S3 port);
  PUT     a 64 KiB object (SigV4-signed PutObject);
  POST    the browser upload: POST /upload-image on the API port, then the multipart POST
          Object of 64 KiB to the S3 port (two requests, each timed as its own kind).
Every request records (phase, kind, seconds, ok): `phase` is whatever the scenario has set when
the request started, so one run can hold a baseline and an attack phase. A request fails if it
raises (connection refused, reset, timeout) or answers a status other than the one expected.

Thread-safe: Traffic owns its threads; records are appended under a lock.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
import urllib.parse
from dataclasses import dataclass

from .http1 import Connection, multipart_form
from .s3sign import s3sig
from .uploads import percentile

BUCKET = "uploads"
OBJECT_BYTES = 64 * 1024
GET_KEYS = [f"soak-traffic/get-{i}.bin" for i in range(8)]
KINDS = ("GET", "PUT", "presign", "POST")


@dataclass(frozen=True)
class Record:
    phase: str
    kind: str
    seconds: float
    ok: bool
    detail: str = ""


class Traffic:
    def __init__(self, server, *, clients: int, think_s: float = 1.0,
                 request_timeout_s: float = 30.0):
        self.server = server
        self.clients = clients
        self.think_s = think_s
        self.request_timeout_s = request_timeout_s
        self.phase = "warmup"
        self.records: list[Record] = []
        self.resends = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.payload = os.urandom(OBJECT_BYTES)

    # -- requests
    def _signed(self, conn: Connection, method: str, key: str, body: bytes = b""):
        path = f"/{BUCKET}/{key}"
        headers = s3sig.sign_request(
            method, path, host=self.server.s3_host, access_key=self.server.access_key,
            secret_key=self.server.secret_key, payload_hash=s3sig.sha256_hex(body),
            headers={"Content-Length": str(len(body))} if method == "PUT" else None)
        return conn.request(method, s3sig.uri_encode(path, True), body, headers)

    def seed(self) -> None:
        """Stores the objects GETs read. Raises if the server refuses."""
        conn = Connection("127.0.0.1", self.server.s3_port, self.request_timeout_s)
        for key in GET_KEYS:
            r = self._signed(conn, "PUT", key, self.payload)
            if r.status != 200:
                raise RuntimeError(f"seeding {key}: {r.status} {r.body[:200]!r}")
        conn.close()

    def _timed(self, kind: str, want: int, call) -> object | None:
        phase = self.phase
        t0 = time.monotonic()
        try:
            r = call()
        except Exception as e:  # noqa: BLE001 - a failed request is a measurement
            self._record(Record(phase, kind, time.monotonic() - t0, False,
                                f"{type(e).__name__}: {e}"))
            return None
        ok = r.status == want
        self._record(Record(phase, kind, time.monotonic() - t0, ok,
                            "" if ok else f"{r.status} {r.body[:160]!r}"))
        return r if ok else None

    def _record(self, rec: Record) -> None:
        with self._lock:
            self.records.append(rec)

    def _client(self, index: int) -> None:
        rng = random.Random(index)
        s3 = Connection("127.0.0.1", self.server.s3_port, self.request_timeout_s)
        api = Connection("127.0.0.1", self.server.api_port, self.request_timeout_s)
        n = 0
        while not self._stop.wait(self.think_s * rng.uniform(0.5, 1.5)):
            n += 1
            op = rng.choice(("GET", "GET", "PUT", "POST"))
            if op == "GET":
                key = rng.choice(GET_KEYS)
                self._timed("GET", 200, lambda: self._signed(s3, "GET", key))
            elif op == "PUT":
                key = f"soak-traffic/put-{index}-{n % 4}.bin"
                self._timed("PUT", 200, lambda: self._signed(s3, "PUT", key, self.payload))
            else:
                body = json.dumps({"filename": f"c{index}.jpg"}).encode()
                r = self._timed("presign", 200, lambda: api.request(
                    "POST", "/upload-image", body, {"Content-Type": "application/json"}))
                if r is None:
                    continue
                answer = json.loads(r.body)
                boundary = f"----traffic{index}x{n}"
                form = multipart_form(list(answer["fields"].items()), f"c{index}.jpg",
                                      "image/jpeg", self.payload, boundary)
                target = urllib.parse.urlsplit(answer["url"]).path or "/"
                self._timed("POST", 204, lambda: s3.request(
                    "POST", target, form,
                    {"Content-Type": f"multipart/form-data; boundary={boundary}"}))
        with self._lock:
            self.resends += s3.resends + api.resends
        s3.close()
        api.close()

    # -- lifecycle
    def start(self) -> None:
        self._threads = [threading.Thread(target=self._client, args=(i,), daemon=True,
                                          name=f"traffic-{i}") for i in range(self.clients)]
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(self.request_timeout_s * 2 + 10)

    # -- results
    def summary(self, phase: str) -> dict:
        with self._lock:
            recs = [r for r in self.records if r.phase == phase]
        out = {"requests": len(recs), "failures": sum(not r.ok for r in recs),
               "first_failures": [f"{r.kind}: {r.detail}" for r in recs if not r.ok][:5]}
        for kind in KINDS + ("all",):
            times = [r.seconds for r in recs if kind in ("all", r.kind)]
            out[kind] = {"n": len(times), "p50_ms": _ms(percentile(times, 50)),
                         "p99_ms": _ms(percentile(times, 99)),
                         "failures": sum(not r.ok for r in recs if kind in ("all", r.kind))}
        return out


def _ms(s: float | None) -> float | None:
    return None if s is None else s * 1000

"""The upload soak: N simulated browsers, each in its own thread, each uploading real images the
way the web UI does and waiting for them to be processed, one after another, until a deadline.

One cycle of one client:
1. POST /upload-image {"filename": ...} on the API port → {url, fields, id};
2. the browser-style multipart POST of `fields` + `file` (last) to `url` (the S3 port) → 204;
3. GET /images/{id} every `poll_s` until the state is terminal (404 while the event is on its way
   counts as not yet);
4. each variant fetched through the URL the status gives and decoded with Pillow (independent of
   libvips): it must be a JPEG of exactly the size its name says.

Expected values come from outside the server: the corpus below holds only images whose upright
sides are both >= 400 px, so the default variants (400x400, 200x200, 100x100, cover, JPEG; see
DESIGN.md §6) must come out at exactly those sizes.

`interruptible` (the kill -9 scenario): a connection refused or cut while presigning or posting
counts as an interruption, not an error (the outcome of that upload is unknown; the client starts
a new one), and status polls ride through the restart. An upload that got its 204 is
"acknowledged" and must still end done with verified variants; anything else is an error.

Thread-safe: UploadSoak owns its threads; UploadStats is guarded by its lock.
"""

from __future__ import annotations

import io
import json
import os
import random
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from .http1 import Connection, multipart_form

VARIANTS = {"400x400": (400, 400), "200x200": (200, 200), "100x100": (100, 100)}

# (path under IMGPIPE_TESTDATA, upright width, upright height): a mix of formats, sizes and
# orientations, every side >= 400 px so every default variant is an exact crop.
CORPUS = [
    ("sharp-fixtures/2569067123_aca715a2ee_o.jpg", 2725, 2225),  # 6 MP photo
    ("phone-photos/Xiaomi_Mi_9T_KeyError.jpg", 3000, 4000),      # 12 MP, EXIF 6
    ("phone-photos/jolla.jpg", 3264, 2448),                      # 8 MP
    ("phone-photos/iphone_13_pro_max.heic", 3024, 4032),         # 12 MP HEIC, irot
    ("exif-orientation-examples/Landscape_6.jpg", 1800, 1200),   # EXIF 6
    ("exif-orientation-examples/Portrait_3.jpg", 1200, 1800),    # EXIF 3
    ("sharp-fixtures/Landscape_5.jpg", 600, 450),                # EXIF 5 (transposed)
    ("sharp-fixtures/flowers.jpeg", 1920, 1080),
    ("sharp-fixtures/4.webp", 1024, 772),                        # lossy WebP
    ("sharp-fixtures/alpha-premultiply-1024x768-paper.png", 1024, 768),  # RGBA PNG
    ("sharp-fixtures/Flag_of_the_Netherlands-16bit.png", 900, 600),      # 16-bit PNG
    ("sharp-fixtures/gradients-rgb8.png", 1000, 1000),
    ("sharp-fixtures/Crash_test.gif", 800, 533),                 # GIF
    ("sharp-fixtures/fogra-0-100-100-0.tif", 1000, 1000),        # CMYK JPEG-in-TIFF
]


def testdata_dir() -> Path:
    repo = Path(__file__).resolve().parents[2]
    return Path(os.environ.get("IMGPIPE_TESTDATA") or repo.parent / "shared" / "testdata")


@dataclass(frozen=True)
class CorpusImage:
    name: str  # file name the client uploads under
    data: bytes


def load_corpus() -> list[CorpusImage]:
    root = testdata_dir()
    missing = [p for p, _, _ in CORPUS if not (root / p).is_file()]
    if missing:
        raise FileNotFoundError(f"test corpus incomplete under {root} (set IMGPIPE_TESTDATA): "
                                f"missing {missing}")
    return [CorpusImage(Path(p).name, (root / p).read_bytes()) for p, _, _ in CORPUS]


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))]


@dataclass
class UploadStats:
    started: int = 0
    acknowledged: int = 0  # got their 204
    verified: int = 0  # done, every variant fetched and checked
    interrupted: int = 0  # kill -9 scenario: cut before a 204 (outcome unknown, not required)
    errors: list[str] = field(default_factory=list)
    unverified_ids: set[str] = field(default_factory=set)  # acknowledged, not yet verified
    post_seconds: list[float] = field(default_factory=list)
    processing_seconds: list[float] = field(default_factory=list)  # 204 -> state done seen
    resends: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)

    def summary(self) -> dict:
        with self.lock:
            return {
                "started": self.started, "acknowledged": self.acknowledged,
                "verified": self.verified, "interrupted": self.interrupted,
                "errors": len(self.errors), "unverified": len(self.unverified_ids),
                "post_p50_ms": _ms(percentile(self.post_seconds, 50)),
                "post_p99_ms": _ms(percentile(self.post_seconds, 99)),
                "processing_p50_s": percentile(self.processing_seconds, 50),
                "processing_p99_s": percentile(self.processing_seconds, 99),
                "keepalive_resends": self.resends,
                "first_errors": self.errors[:10],
            }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


class Interrupted(Exception):
    """The server went away mid-request (expected only in the kill -9 scenario)."""


CONNECTION_ERRORS = (ConnectionError, TimeoutError, OSError)


class UploadClient:
    """One simulated browser. Not thread-safe: one per thread."""

    def __init__(self, soak: "UploadSoak", index: int):
        self.soak = soak
        self.server = soak.server
        self.rng = random.Random(index)
        self.index = index
        t = soak.request_timeout_s
        # Under kill -9 a resend would hide the interruption (and post the upload twice).
        resend = not soak.interruptible
        self.api = Connection("127.0.0.1", self.server.api_port, t, resend)
        self.s3 = Connection("127.0.0.1", self.server.s3_port, t, resend)

    def close(self) -> None:
        with self.soak.stats.lock:
            self.soak.stats.resends += self.api.resends + self.s3.resends
        self.api.close()
        self.s3.close()

    def _call(self, conn: Connection, method: str, target: str, body: bytes = b"",
              headers: dict[str, str] | None = None):
        try:
            return conn.request(method, target, body, headers)
        except CONNECTION_ERRORS as e:
            if self.soak.interruptible:
                raise Interrupted(f"{type(e).__name__}: {e}") from e
            raise

    def cycle(self) -> None:
        stats = self.soak.stats
        image = self.rng.choice(self.soak.corpus)
        with stats.lock:
            stats.started += 1
        try:
            image_id = self.upload(image)
        except Interrupted:
            with stats.lock:
                stats.interrupted += 1
            time.sleep(0.2)  # the server is restarting
            return
        if image_id is None:
            return
        self.wait_and_verify(image_id)

    def upload(self, image: CorpusImage) -> str | None:
        """Presign + POST; the image id once acknowledged (204), None after a recorded error."""
        stats = self.soak.stats
        body = json.dumps({"filename": image.name}).encode()
        r = self._call(self.api, "POST", "/upload-image", body,
                       {"Content-Type": "application/json"})
        if r.status != 200:
            stats.error(f"presign {image.name}: {r.status} {r.body[:200]!r}")
            return None
        answer = json.loads(r.body)
        url = urllib.parse.urlsplit(answer["url"])
        content_type = answer["fields"].get("Content-Type", "application/octet-stream")
        boundary = f"----soak{self.index}x{self.rng.getrandbits(48):x}"
        form = multipart_form(list(answer["fields"].items()), image.name, content_type,
                              image.data, boundary)
        r = self._call(self.s3, "POST", url.path or "/", form,
                       {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        if r.status not in (200, 201, 204):
            stats.error(f"POST {answer['key']}: {r.status} {r.body[:300]!r}")
            return None
        with stats.lock:
            stats.acknowledged += 1
            stats.unverified_ids.add(answer["id"])
            stats.post_seconds.append(r.seconds)
        return answer["id"]

    def wait_and_verify(self, image_id: str) -> None:
        stats = self.soak.stats
        t_ack = time.monotonic()
        deadline = t_ack + self.soak.process_timeout_s
        job = None
        while time.monotonic() < deadline:
            time.sleep(self.soak.poll_s)
            try:
                r = self._call(self.api, "GET", f"/images/{image_id}")
            except Interrupted:
                continue  # the server is restarting: poll again
            except CONNECTION_ERRORS as e:
                stats.error(f"GET /images/{image_id}: {type(e).__name__}: {e}")
                return
            if r.status == 404:
                continue
            if r.status != 200:
                stats.error(f"GET /images/{image_id}: {r.status} {r.body[:200]!r}")
                return
            job = json.loads(r.body)
            if job["state"] in ("done", "failed"):
                break
        else:
            stats.error(f"image {image_id} not processed within {self.soak.process_timeout_s}s; "
                        f"last: {job}")
            return
        if job["state"] != "done":
            stats.error(f"image {image_id} failed: {job.get('error')}")
            return
        with stats.lock:
            stats.processing_seconds.append(time.monotonic() - t_ack)
        problem = self.verify_variants(job)
        if problem:
            stats.error(f"image {image_id}: {problem}")
            return
        with stats.lock:
            stats.verified += 1
            stats.unverified_ids.discard(image_id)

    def verify_variants(self, job: dict) -> str | None:
        from PIL import Image
        got = {v["name"]: v for v in job.get("variants", [])}
        if set(got) != set(VARIANTS):
            return f"variants {sorted(got)} != {sorted(VARIANTS)}"
        for name, (w, h) in VARIANTS.items():
            url = urllib.parse.urlsplit(got[name]["url"])
            target = url.path + ("?" + url.query if url.query else "")
            for attempt in range(30):
                try:
                    r = self._call(self.s3, "GET", target)
                    break
                except Interrupted:
                    time.sleep(0.5)
            else:
                return f"variant {name}: server unreachable"
            if r.status != 200:
                return f"variant {name}: GET {r.status} {r.body[:200]!r}"
            try:
                with Image.open(io.BytesIO(r.body)) as im:
                    im.load()
                    fmt, size = im.format, im.size
            except Exception as e:  # noqa: BLE001 - any decode failure is the finding
                return f"variant {name}: Pillow cannot decode it: {e}"
            if fmt != "JPEG" or size != (w, h):
                return f"variant {name}: {fmt} {size[0]}x{size[1]}, want JPEG {w}x{h}"
        return None


class UploadSoak:
    """Runs `clients` UploadClients until `duration_s` has passed; each then finishes the upload
    it is in (waits for processing and verifies). run() returns the stats."""

    def __init__(self, server, *, clients: int, duration_s: float, corpus: list[CorpusImage],
                 interruptible: bool = False, poll_s: float = 1.0,
                 process_timeout_s: float = 600, request_timeout_s: float = 120):
        self.server = server
        self.clients = clients
        self.duration_s = duration_s
        self.corpus = corpus
        self.interruptible = interruptible
        self.poll_s = poll_s
        self.process_timeout_s = process_timeout_s
        self.request_timeout_s = request_timeout_s
        self.stats = UploadStats()
        self.deadline = 0.0
        self.t_start = 0.0
        self.t_end = 0.0

    def _client_loop(self, index: int) -> None:
        client = UploadClient(self, index)
        # Spread the first uploads over a second, as browsers arriving would.
        time.sleep(client.rng.random())
        try:
            while time.monotonic() < self.deadline:
                try:
                    client.cycle()
                except Exception as e:  # noqa: BLE001 - every failure is a finding, not a crash
                    self.stats.error(f"client {index}: {type(e).__name__}: {e}")
                    client.api.close()
                    client.s3.close()
        finally:
            client.close()

    def run(self) -> UploadStats:
        self.t_start = time.monotonic()
        self.deadline = self.t_start + self.duration_s
        threads = [threading.Thread(target=self._client_loop, args=(i,), daemon=True,
                                    name=f"upload-{i}") for i in range(self.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.t_end = time.monotonic()
        return self.stats

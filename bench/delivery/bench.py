"""The delivery benchmark (issue 17), each number a ratio to a baseline measured in the same run:

- cached variant GETs per second: wrk on a content-addressed delivery URL
  (GET /i/{id}/400x400@{etag} on the API port) against Debian's nginx serving the same bytes
  from disk (sendfile, etag, the same Cache-Control), same connections, same cores.
  Target >= 0.8x.
- on-demand first-render latency: the first GET of a signed new size (read the original, decode,
  resize, encode, store, serve) against bare `imgpipe resize` making that size from the file
  (its own per-image time, warm), the two alternated; the GET timed by curl. p50 against p50.
  Target <= 1.2x.
- time to first variant: from an upload's 204 until its first JPEG variant is readable in the
  destination bucket, with an AVIF variant requested too against without. p50 against p50.
  Target <= 1.1x.

Usage: bench/delivery/run.sh [BUILD_DIR]   (env DURATION=10s CONNECTIONS=32 ROUNDS=10)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "pipeline"))
from bench import Server  # noqa: E402  (bench/pipeline/bench.py)

ROOT = Path(__file__).resolve().parents[2]
TESTDATA = Path(os.environ.get("IMGPIPE_TESTDATA") or ROOT.parent / "shared" / "testdata")
PHOTO = TESTDATA / "sharp-fixtures" / "2569067123_aca715a2ee_o.jpg"  # 2725x2225
SIGNING_KEY = "bench-delivery-key"
CACHE_CONTROL = "public, max-age=31536000, immutable"
SERVER_ENV = {"IMGPIPE_DELIVERY_SIGNING_KEY": SIGNING_KEY,
              "IMGPIPE_S3_PUBLIC_READ_BUCKETS": "resized"}


def upload(server: Server, session: requests.Session, variants: list[dict]) -> tuple[dict, float]:
    """Presign + browser POST of PHOTO; returns (the presign answer, monotonic time of the 204)."""
    answer = session.post(server.api("/upload-image"),
                          json={"filename": "bench.jpg", "variants": variants}).json()
    files = [(k, (None, v)) for k, v in answer["fields"].items()]
    files.append(("file", ("bench.jpg", PHOTO.read_bytes(), "image/jpeg")))
    resp = session.post(answer["url"], files=files)
    assert resp.status_code == 204, resp.text
    return answer, time.monotonic()


def wait_done(server: Server, session: requests.Session, image_id: str) -> dict:
    while True:
        resp = session.get(server.api(f"/images/{image_id}"))
        if resp.status_code == 200 and resp.json()["state"] in ("done", "failed"):
            job = resp.json()
            assert job["state"] == "done", job
            return job
        time.sleep(0.005)


def wrk_rps(url: str, duration: str, connections: int) -> float:
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}", url],
                         capture_output=True, text=True, check=True).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert match, out
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    assert not non2xx, out
    return float(match.group(1))


def start_nginx(work: Path, body: bytes) -> tuple[subprocess.Popen, int]:
    root = work / "www"
    root.mkdir()
    (root / "variant.jpg").write_bytes(body)
    # Started as root, nginx's workers run as an unprivileged user: they must read the file.
    for path, mode in ((work, 0o755), (root, 0o755), (root / "variant.jpg", 0o644)):
        path.chmod(mode)
    port_probe = __import__("socket").socket()
    port_probe.bind(("127.0.0.1", 0))
    port = port_probe.getsockname()[1]
    port_probe.close()
    conf = work / "nginx.conf"
    conf.write_text(f"""
worker_processes 2;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log {work}/nginx-access.log;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    client_body_temp_path {work}/tmp;
    proxy_temp_path {work}/tmp;
    fastcgi_temp_path {work}/tmp;
    uwsgi_temp_path {work}/tmp;
    scgi_temp_path {work}/tmp;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        etag on;
        add_header Cache-Control "{CACHE_CONTROL}";
    }}
}}
""")
    proc = subprocess.Popen(["/usr/sbin/nginx", "-p", str(work), "-c", str(conf)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while True:
        try:
            if requests.get(f"http://127.0.0.1:{port}/variant.jpg", timeout=1).ok:
                return proc, port
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            raise SystemExit(f"nginx did not start: {proc.stderr.read() if proc.poll() else ''}")
        time.sleep(0.05)


def sign(path: str) -> str:
    mac = hmac.new(SIGNING_KEY.encode(), path.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def curl_ms(url: str) -> float:
    """Milliseconds of one GET of `url` by curl (connect to last byte), which must answer 200."""
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", url],
                         capture_output=True, check=True, text=True).stdout.split()
    assert out[0] == "200", f"GET {url}: {out[0]}"
    return float(out[1]) * 1000


def resize_ms(binary: Path, variant: str, copies: int, work: Path) -> list[float]:
    """Per-image ms of `imgpipe resize` making one variant, warm (the first run dropped)."""
    inputs = []
    for i in range(copies + 1):
        p = work / f"in-{i}.jpg"
        if not p.exists():
            shutil.copy(PHOTO, p)
        inputs.append(str(p))
    out = subprocess.run([str(binary), "resize", *inputs, "--variant", variant, "--out",
                          str(work / "resize-out")], capture_output=True, check=True,
                         text=True).stdout
    return [json.loads(line)["ms"] for line in out.splitlines()][1:]


def main() -> int:
    binary = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "build" / "src" / "app" / "imgpipe")
    duration = os.environ.get("DURATION", "10s")
    connections = int(os.environ.get("CONNECTIONS", "32"))
    rounds = int(os.environ.get("ROUNDS", "10"))
    work = Path(tempfile.mkdtemp(prefix="imgpipe-bench-delivery."))
    rows = []
    server = Server(binary, work / "data", "api,s3,worker", SERVER_ENV)
    nginx = None
    try:
        session = requests.Session()
        answer, _ = upload(server, session, [{"width": 400, "height": 400}])
        job = wait_done(server, session, answer["id"])
        variant = job["variants"][0]
        url = server.api(variant["deliveryPath"])
        got = session.get(url)
        body = got.content
        # Measuring an empty answer would compare nothing: stop (2026-12-05 it was empty).
        if got.status_code != 200 or len(body) != variant["bytes"]:
            raise SystemExit(f"GET {variant['deliveryPath']}: {got.status_code}, {len(body)} bytes "
                             f"of {variant['bytes']}")
        nginx, nginx_port = start_nginx(work, body)
        nginx_url = f"http://127.0.0.1:{nginx_port}/variant.jpg"
        s3_url = server.s3(f"/resized/{variant['key']}")
        ours, theirs, s3_gets = [], [], []
        for _ in range(3):  # alternated, so drift in the machine's load hits both
            ours.append(wrk_rps(url, duration, connections))
            theirs.append(wrk_rps(nginx_url, duration, connections))
            s3_gets.append(wrk_rps(s3_url, duration, connections))
        get_ratio = statistics.median(ours) / statistics.median(theirs)
        rows.append(("cached variant GETs/s (%d B), imgpipe / nginx" % len(body),
                     f"{statistics.median(ours):.0f}", f"{statistics.median(theirs):.0f}",
                     get_ratio, ">= 0.8", get_ratio >= 0.8))
        # For reference: the same object by a plain GET of the S3 endpoint (public bucket).
        s3_ratio = statistics.median(s3_gets) / statistics.median(theirs)
        rows.append(("(reference) S3 endpoint GETs/s of the same object / nginx",
                     f"{statistics.median(s3_gets):.0f}", f"{statistics.median(theirs):.0f}",
                     s3_ratio, "-", True))

        # On-demand: each size new, rendered on its first GET, timed by curl (a C client, as the
        # baseline is C: Python's requests added ~1.5 ms to each). In blocks alternated with bare
        # `imgpipe resize` runs, each side's first in a block dropped as a warm-up, so drift in
        # the machine's speed hits both alike (one bare run after all the GETs swung the ratio
        # 1.14-1.24x; a bare run between single GETs left each GET on caches the run evicted).
        first, bare = [], []
        per_block = max(1, -(-rounds // 4))  # ROUNDS or a few more
        for block in range(4):
            for i in range(per_block + 1):
                n = block * (per_block + 1) + i
                path = f"/i/{answer['id']}/{600 + 2 * n}x{400 + 2 * n}"
                ms = curl_ms(server.api(f"{path}?sig={sign(path)}"))
                if i > 0:
                    first.append(ms)
            bare.extend(resize_ms(binary, "600x400", per_block, work))
        od_ratio = statistics.median(first) / statistics.median(bare)
        rows.append(("on-demand first render p50 ms, GET / bare `imgpipe resize`",
                     f"{statistics.median(first):.1f}", f"{statistics.median(bare):.1f}",
                     od_ratio, "<= 1.2", od_ratio <= 1.2))

        # Time to first variant: upload 204 → the 400x400 JPEG readable in the bucket.
        plain = [{"width": 400, "height": 400}, {"width": 200, "height": 200},
                 {"width": 100, "height": 100}]
        with_avif = plain + [{"width": 400, "height": 400, "format": "avif"}]
        times = {"plain": [], "avif": []}
        for i in range(rounds + 1):
            for name, variants in (("plain", plain), ("avif", with_avif)):
                answer, t_204 = upload(server, session, variants)
                key = f"resized-400x400/{answer['key']}"
                while session.head(server.s3(f"/resized/{key}")).status_code != 200:
                    time.sleep(0.002)
                if i > 0:  # the first of each is a warm-up
                    times[name].append((time.monotonic() - t_204) * 1000)
                wait_done(server, session, answer["id"])  # one image at a time
        ttfv_ratio = statistics.median(times["avif"]) / statistics.median(times["plain"])
        rows.append(("time to first variant p50 ms, with AVIF / without",
                     f"{statistics.median(times['avif']):.1f}",
                     f"{statistics.median(times['plain']):.1f}", ttfv_ratio, "<= 1.1",
                     ttfv_ratio <= 1.1))
    finally:
        if nginx is not None:
            nginx.send_signal(signal.SIGQUIT)
            nginx.wait(10)
        server.stop()
        shutil.rmtree(work, ignore_errors=True)

    print("| measure | imgpipe | baseline | ratio | target | met |")
    print("|---|---|---|---|---|---|")
    for name, a, b, ratio, target, met in rows:
        print(f"| {name} | {a} | {b} | {ratio:.2f}x | {target} | {'yes' if met else 'NO'} |")
    return 0 if all(r[-1] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

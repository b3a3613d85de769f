"""The scale-out cluster of DESIGN.md §7 on this machine, every process on its own loopback port:
an external S3 store; redis-server with its AOF (`appendfsync always`) as the queue and job
state; two `--roles api` nodes and three `--roles worker` nodes, each with its own data dir (no
shared disk: what they share is the store and Redis). The store is, in turn,
- a single-node Ceph cluster's radosgw (tests/cluster/ceph-rgw.sh), whose own persistent bucket
  notifications reach the api's POST /events/s3, and
- an imgpipe `--roles s3` process, whose `--notify-url` notifications do the same.
`imgpipe store setup` prepares the store (buckets; on RGW the topic and bucket notification).

50 real images of several formats and sizes go through both api nodes with the browser-style
presigned POST straight into the store; one worker is killed with SIGKILL while the queue holds a
backlog and redis-server is killed and restarted from its AOF while uploads go on. Every job must
end done with variants of the right size (decoded by Pillow from the store, read with boto3),
nothing failed or dead, and each output written once: the store's own record of writes (RGW's
object versions; the imgpipe store's access log) shows one write per variant, more only for a job
that was run again after its worker died (never more than its attempts, always the same bytes).
Then with every worker stopped, 5 more uploads wait as pending until one new worker makes them.
"""

from __future__ import annotations

import secrets
import urllib.parse
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import pytest
import requests
from botocore.config import Config

from cluster_nodes import CephRgw, Node, RedisServer, free_port
from helpers import TESTDATA, imgpipe_bin, run, wait_until
from pipeline_client import image_size, status

SIDES = (400, 200, 100)
TOTAL = 50


def corpus() -> list[Path]:
    """Images at least 400 px on each side (so every variant is exactly its box), of several
    formats and sizes: 600x450 and 1800x1200 JPEGs with EXIF orientations, RGBA PNGs, a lossy
    WebP, a 2725x2225 photo and 3-8 MP phone photos; repeated in turn up to the 50."""
    picks = sorted((TESTDATA / "exif-orientation-examples").glob("*.jpg"))
    picks += sorted((TESTDATA / "sharp-fixtures").glob("Landscape_[1-8].jpg"))
    picks += sorted((TESTDATA / "sharp-fixtures").glob("Portrait_[1-8].jpg"))
    picks += [TESTDATA / "sharp-fixtures" / n for n in (
        "2569067123_aca715a2ee_o.jpg", "alpha-premultiply-1024x768-paper.png",
        "alpha-premultiply-2048x1536-paper.png", "4.webp")]
    picks += [TESTDATA / "phone-photos" / n for n in ("jolla.jpg", "canon_hdr_NO.jpg")]
    from PIL import Image
    for p in picks:
        with Image.open(p) as im:
            assert min(im.size) >= 400, p
    assert len(picks) >= 40
    return picks


PHOTOS = corpus()


class Store:
    """The external store of one parametrization: its endpoint, region and credentials, an
    independent S3 client (boto3) and a count of the writes it took per destination key."""

    def __init__(self, kind: str, endpoint: str, region: str, access_key: str, secret_key: str):
        self.kind, self.endpoint, self.region = kind, endpoint, region
        self.access_key, self.secret_key = access_key, secret_key
        self.node: Node | None = None  # the imgpipe s3 process

    def client(self):
        return boto3.client("s3", endpoint_url=self.endpoint, region_name=self.region,
                            aws_access_key_id=self.access_key,
                            aws_secret_access_key=self.secret_key,
                            config=Config(s3={"addressing_style": "path"},
                                          retries={"max_attempts": 1}))

    def node_env(self) -> dict[str, str]:
        return {"IMGPIPE_STORE_ACCESS_KEY": self.access_key,
                "IMGPIPE_STORE_SECRET_KEY": self.secret_key}

    def writes(self) -> dict[str, list[str]]:
        """Destination key -> the etag of each write the store took (None where the store does
        not say), from the store's own records."""
        out: dict[str, list[str]] = defaultdict(list)
        if self.kind == "rgw":
            s3 = self.client()
            for page in s3.get_paginator("list_object_versions").paginate(Bucket="resized"):
                assert not page.get("DeleteMarkers"), page["DeleteMarkers"]
                for v in page.get("Versions", []):
                    out[v["Key"]].append(v["ETag"].strip('"'))
            return out
        # The access log is written in batches (each second): a request of the test's own, made
        # now that the jobs are done, is logged after every write they made.
        marker = f"/count-marker-{secrets.token_hex(8)}"
        requests.head(self.endpoint + marker, timeout=10)
        wait_until(lambda: any(e.get("path") == marker for e in self.node.entries()),
                   "the s3 node's access log to reach the marker request")
        deletes = []
        for e in self.node.entries():
            if e.get("msg") != "request" or e.get("server") != "s3":
                continue
            if not e["path"].startswith("/resized/"):
                continue
            key = urllib.parse.unquote(e["path"][len("/resized/"):])
            if e["method"] == "PUT" and e["status"] == 200:
                out[key].append(None)
            elif e["method"] == "DELETE":
                deletes.append(key)
        assert deletes == [], deletes
        return out


@pytest.fixture(scope="module")
def ceph(tmp_path_factory):
    rgw = CephRgw(tmp_path_factory.mktemp("ceph")).start()
    yield rgw
    rgw.stop()


@pytest.fixture(params=["rgw", "imgpipe-s3"])
def cluster(request, tmp_path):
    """Redis, the store of the parametrization, and a factory of imgpipe nodes on them; kills
    whatever is left running at the end."""
    (tmp_path / "redis").mkdir()
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    token = "ingress-" + secrets.token_hex(16)
    # The api nodes' ports are chosen here: the store's notifications are pointed at the first.
    api_ports = [free_port(), free_port()]
    ingress = f"http://127.0.0.1:{api_ports[0]}/events/s3"
    # Every node shares the root secret: image ids are derived with it.
    root = {"IMGPIPE_ACCESS_KEY": "AKIT" + secrets.token_hex(8).upper(),
            "IMGPIPE_SECRET_KEY": secrets.token_urlsafe(30)}
    nodes: list[Node] = []

    if request.param == "rgw":
        rgw = request.getfixturevalue("ceph").env
        store = Store("rgw", rgw["RGW_ENDPOINT"], rgw["RGW_REGION"], rgw["RGW_ACCESS_KEY"],
                      rgw["RGW_SECRET_KEY"])
    else:
        s3_keys = {"IMGPIPE_ACCESS_KEY": "AKIS" + secrets.token_hex(8).upper(),
                   "IMGPIPE_SECRET_KEY": secrets.token_urlsafe(30)}
        s3_node = Node("s3", ["--roles", "s3", "--data-dir", str(tmp_path / "s3"),
                              "--s3-listen", "127.0.0.1:0", "--notify-url", ingress,
                              "--notify-token", token], s3_keys).start()
        nodes.append(s3_node)
        store = Store("imgpipe", f"http://127.0.0.1:{s3_node.s3_port}", "us-east-1",
                      s3_keys["IMGPIPE_ACCESS_KEY"], s3_keys["IMGPIPE_SECRET_KEY"])
        store.node = s3_node

    setup = [str(imgpipe_bin()), "store", "setup", "--store", "s3+" + store.endpoint,
             "--store-region", store.region]
    if store.kind == "rgw":
        setup += ["--notify-url", ingress, "--ingress-token", token]
    out = run(setup, env={**clean_env(), **store.node_env()}).stdout.decode()
    assert "bucket        uploads" in out and "bucket        resized" in out, out
    # Idempotent: a second run finds everything made and says the same.
    assert run(setup, env={**clean_env(), **store.node_env()}).stdout.decode() == out
    if store.kind == "rgw":
        assert "notification  s3:ObjectCreated:* on uploads" in out, out
        # Every write of a variant becomes a version of its own: RGW counts the writes.
        store.client().put_bucket_versioning(Bucket="resized",
                                             VersioningConfiguration={"Status": "Enabled"})

    def node(name: str, roles: str, extra: list[str] | None = None, wait: bool = True,
             **env: str) -> Node:
        args = ["--roles", roles, "--data-dir", str(tmp_path / name), "--queue", redis.url,
                "--store", "s3+" + store.endpoint, "--store-region", store.region,
                *(extra or [])]
        n = Node(name, args, {**root, **store.node_env(),
                              **{k.upper(): v for k, v in env.items()}}).launch()
        nodes.append(n)
        return n.wait_ready() if wait else n

    def api_node(i: int) -> Node:
        return node(f"api{i}", "api", ["--api-listen", f"127.0.0.1:{api_ports[i]}",
                                       "--ingress-token", token])

    def worker(i: int, wait: bool = True) -> Node:
        # Each worker answers /readyz and /metrics on a loopback port of its own. A short lease
        # (renewed while a job runs): a dead worker's jobs come back 2 s after it.
        return node(f"worker{i}", "worker", wait=wait, imgpipe_metrics_listen="127.0.0.1:0",
                    imgpipe_worker_concurrency="1", imgpipe_worker_lease="2s")

    cluster = type("Cluster", (), {})()
    cluster.redis, cluster.store = redis, store
    cluster.api_node, cluster.worker = api_node, worker
    yield cluster
    for n in nodes:
        n.kill()
        # Kept with the test's temp dir, for a look after a failure.
        (tmp_path / f"{n.name}.log").write_text("\n".join(n.lines) + "\n")
    redis.stop()


def clean_env() -> dict[str, str]:
    import os
    return {k: v for k, v in os.environ.items() if not k.startswith(("IMGPIPE_", "AWS_"))}


def upload(node: Node, name: str, photo: Path) -> dict:
    """/upload-image on `node`, then the browser-style POST of `photo` to the URL it gave (the
    store's, not imgpipe's api)."""
    resp = requests.post(f"http://127.0.0.1:{node.api_port}/upload-image",
                         json={"filename": name}, timeout=30)
    assert resp.status_code == 200, resp.text
    answer = resp.json()
    post = requests.post(answer["url"], data=answer["fields"],
                         files={"file": (name, photo.read_bytes(), answer["fields"]
                                         ["Content-Type"])}, timeout=60)
    assert post.status_code == 204, (post.status_code, post.text)
    return answer


def states(node: Node, answers: list[dict]) -> Counter:
    """How many of `answers` are in each state (unknown: no job yet, the event on its way)."""
    out: Counter = Counter()
    for a in answers:
        resp = status(node, a["id"])
        if resp.status_code in (200, 404):
            out[resp.json()["state"] if resp.status_code == 200 else "unknown"] += 1
        else:
            out[f"HTTP {resp.status_code} {resp.text[:200]}"] += 1
    return out


def all_done(node: Node, answers: list[dict], timeout: float) -> list[dict]:
    """Waits until every job is in a terminal state; returns the jobs."""
    wait_until(lambda: states(node, answers)["done"] + states(node, answers)["failed"]
               == len(answers), lambda: f"all done: {states(node, answers)}", timeout=timeout)
    return [status(node, a["id"]).json() for a in answers]


def check_outputs(store: Store, answers: list[dict], jobs: list[dict]) -> None:
    """Every job done with its three variants in the store, each the size asked for as Pillow
    decodes it, and each written once (more only for a job run again, never more than its
    attempts, always the same bytes); nothing else in the destination bucket."""
    s3 = store.client()
    writes = store.writes()
    expected_keys = set()
    for answer, job in zip(answers, jobs):
        assert job["state"] == "done", job
        assert [v["name"] for v in job["variants"]] == [f"{s}x{s}" for s in SIDES], job
        for side, variant in zip(SIDES, job["variants"]):
            key = f"resized-{side}x{side}/{answer['key']}"
            expected_keys.add(key)
            assert (variant["bucket"], variant["key"]) == ("resized", key)
            obj = s3.get_object(Bucket="resized", Key=key)
            body = obj["Body"].read()
            assert image_size(body) == ("jpeg", side, side), key
            assert obj["ETag"].strip('"') == variant["etag"], key
            n = len(writes[key])
            if job["attempts"] == 1:
                assert n == 1, (key, writes[key])
            else:
                assert 1 <= n <= job["attempts"], (key, writes[key], job["attempts"])
            assert {e for e in writes[key] if e is not None} <= {variant["etag"]}, writes[key]
    assert set(writes) == expected_keys, set(writes) ^ expected_keys


def test_cluster_survives_a_dead_worker_and_a_redis_restart(cluster):
    api = [cluster.api_node(0), cluster.api_node(1)]
    names = [(f"img-{i:02d}{PHOTOS[i % len(PHOTOS)].suffix}", PHOTOS[i % len(PHOTOS)])
             for i in range(TOTAL)]
    answers: list[dict] = [None] * TOTAL

    def one(i: int) -> None:
        answers[i] = upload(api[i % 2], *names[i])

    # A backlog first: 20 uploads wait as pending (their events came through the store's
    # notifications) before any worker runs, so that every worker will hold leases.
    first = 20
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(one, range(first)))
    wait_until(lambda: states(api[1], answers[:first]) == Counter(pending=first),
               lambda: f"{first} jobs pending: {states(api[1], answers[:first])}", timeout=120)

    # The first worker runs alone and is killed while it holds a job: once it is dead nothing
    # else moves the jobs, so those still `processing` are the ones it held.
    workers = [cluster.worker(0)]
    held = workers[0].kill9_holding(
        lambda: [a["id"] for a in answers[:first]
                 if status(api[1], a["id"]).json()["state"] == "processing"])

    # Redis dies and comes back from its AOF while the other 30 uploads go on from 4 threads
    # through both api nodes (the store's notifications of that moment wait for Redis or are
    # sent again); then two more workers start.
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(one, i) for i in range(first, TOTAL)]
        cluster.redis.kill9()
        cluster.redis.start()
        workers += [cluster.worker(i, wait=False) for i in (1, 2)]
        for w in workers[1:]:
            w.wait_ready()
        for f in futures:
            f.result()

    jobs = all_done(api[1], answers, timeout=300)
    assert [j["state"] for j in jobs] == ["done"] * TOTAL, Counter(j["state"] for j in jobs)
    # The dead worker's jobs were taken over when their leases ran out.
    for j in jobs:
        if j["id"] in held:
            assert j["attempts"] >= 2, j
    # Both api nodes see the same state (it is in Redis).
    assert states(api[0], answers) == Counter(done=TOTAL)
    check_outputs(cluster.store, answers, jobs)
    dead = run([str(imgpipe_bin()), "jobs", "dead", "--queue", cluster.redis.url,
                "--data-dir", str(Path(api[0].args[api[0].args.index("--data-dir") + 1]))],
               env=clean_env()).stdout.decode().splitlines()
    assert dead[1:] == [], dead

    # No worker: 5 more uploads wait as pending, then one new worker makes them all.
    for w in workers[1:]:
        w.stop_and_check()
    later = [upload(api[i % 2], f"later-{i}.jpg", PHOTOS[i]) for i in range(5)]
    wait_until(lambda: states(api[0], later) == Counter(pending=5), "5 jobs pending")
    cluster.worker(3)
    later_jobs = all_done(api[0], later, timeout=120)
    check_outputs(cluster.store, answers + later, jobs + later_jobs)


def test_store_setup_says_what_is_missing(tmp_path):
    env = clean_env()
    local = run([str(imgpipe_bin()), "store", "setup"], env=env, check=False)
    assert local.returncode == 2
    assert b"store.url is local" in local.stderr, local.stderr
    keys = {"IMGPIPE_STORE_ACCESS_KEY": "AKIAEXAMPLE", "IMGPIPE_STORE_SECRET_KEY": "secret-key-1"}
    no_token = run([str(imgpipe_bin()), "store", "setup", "--store", "s3+http://127.0.0.1:9",
                    "--notify-url", "http://127.0.0.1:8080/events/s3"], env={**env, **keys},
                   check=False)
    assert no_token.returncode == 2
    assert b"needs the ingress token" in no_token.stderr, no_token.stderr
    # Nothing listens on port 9: the store's error, not a crash.
    down = run([str(imgpipe_bin()), "store", "setup", "--store", "s3+http://127.0.0.1:9"],
               env={**env, **keys}, check=False)
    assert down.returncode == 1, down
    assert b"imgpipe store setup: creating bucket uploads:" in down.stderr, down.stderr


def test_a_second_s3_process_on_one_data_dir_refuses(tmp_path):
    keys = {"IMGPIPE_ACCESS_KEY": "AKIT" + secrets.token_hex(8).upper(),
            "IMGPIPE_SECRET_KEY": secrets.token_urlsafe(30)}
    args = ["--data-dir", str(tmp_path / "data"), "--s3-listen", "127.0.0.1:0",
            "--api-listen", "127.0.0.1:0"]
    first = Node("first", ["--roles", "api,s3", *args], keys).start()
    try:
        second = run([str(imgpipe_bin()), "serve", "--roles", "s3", *args],
                     env={**clean_env(), **keys}, check=False, timeout=60)
        assert second.returncode == 1, second
        assert (f"is already served by another imgpipe process (pid {first.proc.pid})"
                .encode() in second.stderr), second.stderr
        # A worker may share the data dir (it reaches the store through it).
        Node("worker", ["--roles", "worker", *args], keys).start().stop_and_check()
    finally:
        first.kill()
    # Gone with its process, the lock no longer stands in the way.
    Node("again", ["--roles", "s3", *args], keys).start().stop_and_check()

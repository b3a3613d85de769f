"""Scale-out on one machine with the queue and the job state in Redis (`--queue redis://…`):
a real redis-server (AOF, `appendfsync always`) started by the test; one `api,s3` process (the
local store), a second `api` process and two `worker` processes, all on one data dir (how a
worker reaches the local store) and one Redis database.

- 40 uploads through both API nodes with the browser-style POST, then one worker starts and is
  killed with `kill -9` while it holds a job, redis-server is killed and restarted once, and a
  second worker starts: every job ends done with the right variants, each written once, none
  failed, and the killed worker's jobs were taken over (their attempts show it);
- then with every worker stopped, 5 more uploads wait as pending; one new worker makes them all,
  and a status stream opened on the second API node sees the change made by that worker;
- `imgpipe jobs list/dead --queue redis://…` read the same jobs.

A worker-only process reads originals and writes variants through the data dir it shares with
the `s3` process; a worker on another machine needs a remote store (`--store`), which is not this
test's subject.
"""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from cluster_nodes import Node as ServeNode
from cluster_nodes import RedisServer
from helpers import TESTDATA, imgpipe_bin, run, wait_until
from pipeline_client import fetch_variants, image_size, sse_stream, status, wait_for_state

PHOTO = TESTDATA / "sharp-fixtures" / "2569067123_aca715a2ee_o.jpg"  # 2725x2225
SIDES = (400, 200, 100)


class Node(ServeNode):
    """One `imgpipe serve` process with the cluster's Redis queue and data dir."""

    def __init__(self, roles: str, data_dir: Path, queue_url: str, access_key: str,
                 secret_key: str, env: dict[str, str]):
        super().__init__(roles, ["--roles", roles, "--data-dir", str(data_dir), "--queue",
                                 queue_url, "--api-listen", "127.0.0.1:0", "--s3-listen",
                                 "127.0.0.1:0"],
                         {"IMGPIPE_ACCESS_KEY": access_key, "IMGPIPE_SECRET_KEY": secret_key,
                          **env})
        self.data_dir, self.queue_url = data_dir, queue_url
        self.access_key, self.secret_key = access_key, secret_key

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"


@pytest.fixture
def cluster(tmp_path):
    """Starts redis-server and returns a factory of nodes sharing it and one data dir; kills
    whatever is left running at the end."""
    (tmp_path / "redis").mkdir()
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    access_key = "AKIT" + secrets.token_hex(8).upper()
    secret_key = secrets.token_urlsafe(30)
    nodes: list[Node] = []

    def node(roles: str, wait: bool = True, **env: str) -> Node:
        """A node, started; with wait=False launched only (call wait_ready())."""
        nodes.append(Node(roles, tmp_path / "data", redis.url, access_key, secret_key,
                          {k.upper(): v for k, v in env.items()}).launch())
        return nodes[-1].wait_ready() if wait else nodes[-1]

    node.redis = redis
    yield node
    for n in nodes:
        if n.proc is not None:
            n.proc.kill()
            n.proc.wait()
    redis.stop()


def upload(node: Node, name: str) -> dict:
    """/upload-image on `node`, then the browser-style POST of PHOTO to the URL it gave."""
    resp = requests.post(f"http://127.0.0.1:{node.api_port}/upload-image",
                         json={"filename": name}, timeout=30)
    assert resp.status_code == 200, resp.text
    answer = resp.json()
    post = requests.post(answer["url"], data=answer["fields"],
                         files={"file": (name, PHOTO.read_bytes(), "image/jpeg")}, timeout=60)
    assert post.status_code == 204, post.text
    return answer


def states(node: Node, answers: list[dict]) -> dict[str, str]:
    out = {}
    for a in answers:
        resp = status(node, a["id"])
        out[a["id"]] = resp.json()["state"] if resp.status_code == 200 else "unknown"
    return out


def assert_variants(job: dict, key: str) -> None:
    assert job["state"] == "done", job
    assert [v["name"] for v in job["variants"]] == [f"{s}x{s}" for s in SIDES], job
    got = fetch_variants(job)
    for side in SIDES:
        name = f"{side}x{side}"
        variant = next(v for v in job["variants"] if v["name"] == name)
        assert (variant["bucket"], variant["key"]) == ("resized", f"resized-{name}/{key}")
        assert image_size(got[name]) == ("jpeg", side, side)


def jobs_cli(node: Node, *args: str) -> list[list[str]]:
    out = run([imgpipe_bin(), "jobs", *args, "--limit", "1000", "--queue", node.queue_url,
               "--data-dir", str(node.data_dir)]).stdout.decode()
    return [line.split() for line in out.splitlines()[1:]]


def test_cluster_loses_nothing_to_a_dead_worker_or_a_redis_restart(cluster):
    front = cluster("api,s3")
    # The second API node presigns for the s3 process's endpoint.
    api2 = cluster("api", imgpipe_s3_public_url=front.endpoint)
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda i: upload((front, api2)[i % 2], f"photo-{i:02d}.jpg"),
                                range(40)))
    # The first worker runs alone, with a short lease (renewed while a job runs), and is killed
    # while it holds a job: nothing else moves the jobs, so those `processing` are the ones it
    # held. Redis dies and comes back from its AOF; a second worker takes over the dead one's jobs
    # once their leases run out, 2 s after it.
    def worker():
        return cluster("worker", imgpipe_worker_concurrency="1", imgpipe_worker_lease="2s")

    first = worker()
    held = first.kill9_holding(
        lambda: [i for i, state in states(front, answers).items() if state == "processing"])
    cluster.redis.kill9()
    cluster.redis.start()
    second = worker()

    for a in answers:
        assert_variants(wait_for_state(api2, a["id"], timeout=240), a["key"])
    for i in held:
        assert status(front, i).json()["attempts"] >= 2, f"{i} of the dead worker not taken over"
    # Each output once: exactly the three variants of each upload in the destination bucket.
    rows = jobs_cli(front, "list")
    assert sorted(r[0] for r in rows) == sorted(a["id"] for a in answers)
    assert {r[1] for r in rows} == {"done"}
    assert jobs_cli(front, "dead") == []
    import boto3
    from botocore.config import Config
    s3 = boto3.client("s3", endpoint_url=front.endpoint, region_name="us-east-1",
                      aws_access_key_id=front.access_key,
                      aws_secret_access_key=front.secret_key,
                      config=Config(s3={"addressing_style": "path"}))
    keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket="resized")
            for o in page.get("Contents", [])]
    assert sorted(keys) == sorted(f"resized-{s}x{s}/{a['key']}" for s in SIDES for a in answers)

    # No worker running: new uploads wait, pending.
    second.stop_and_check()
    later = [upload(front, f"later-{i}.jpg") for i in range(5)]
    wait_until(lambda: set(states(front, later).values()) == {"pending"}, "5 jobs pending")
    events: list[dict] = []
    watcher = threading.Thread(
        target=lambda: events.extend(sse_stream(api2, later[0]["id"], timeout=120)))
    watcher.start()
    wait_until(lambda: events, "the first event of the stream")
    assert events[0]["state"] == "pending"
    cluster("worker", imgpipe_worker_concurrency="1")
    for a in later:
        assert_variants(wait_for_state(front, a["id"], timeout=120), a["key"])
    watcher.join(60)
    assert not watcher.is_alive(), "the stream on the other API node did not end"
    assert events[-1]["state"] == "done", [e["state"] for e in events]

"""Metrics and probes against the real binary (every role, with `metrics.listen`):

- `promtool check metrics` (the Prometheus project's linter) accepts `/metrics`, before and after
  traffic;
- the counters move as requests, uploads (accepted and refused, at the upload API and in the
  store) and jobs happen, and the job latency histogram counts each finished job exactly once;
- `/healthz` and `/readyz` on the metrics listener and `/readyz` on the API port;
- `/readyz` turns 503 naming the store when the data dir becomes read-only (a read-only bind
  mount over it; root ignores permission bits) and 200 again when it is writable.
"""

from __future__ import annotations

import subprocess

import pytest
import requests

from helpers import TESTDATA, new_server, run
from ops_client import ops_url, scrape, scrape_text, value, wait_for_sample
from pipeline_client import api, image_id_for, s3_client, wait_for_state

SMALL = TESTDATA / "exif-orientation-examples" / "Landscape_1.jpg"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = new_server(tmp_path_factory.mktemp("data"), roles=None,
                     env={"IMGPIPE_METRICS_LISTEN": "127.0.0.1:0"})
    srv.start()
    yield srv
    if srv.proc is not None:
        srv.stop_and_check()


def promtool_check(text: str) -> None:
    res = run(["promtool", "check", "metrics"], input_bytes=text.encode(), check=False)
    assert res.returncode == 0 and not res.stdout.strip(), \
        f"promtool: rc {res.returncode}\n{res.stdout.decode()}{res.stderr.decode()}"


def test_promtool_accepts_metrics_before_and_after_traffic(server):
    promtool_check(scrape_text(server))
    requests.get(api(server, "/healthz"), timeout=10)
    requests.get(api(server, "/images/nope"), timeout=10)
    s3_client(server, retries={"max_attempts": 1}).list_buckets()
    text = scrape_text(server)
    assert "imgpipe_http_requests_total{" in text
    promtool_check(text)


def test_counters_move_with_requests_uploads_and_jobs(server):
    before = scrape(server)
    data = SMALL.read_bytes()

    ok = requests.post(api(server, "/v1/uploads"), json={"filename": "a.jpg"}, timeout=10)
    assert ok.status_code == 200, ok.text
    too_big = requests.post(api(server, "/v1/uploads"),
                            json={"filename": "a.jpg", "size": 26214401}, timeout=10)
    assert too_big.status_code == 413, too_big.text

    keys = [f"metrics/{i}.jpg" for i in range(3)]
    for key in keys:
        s3_client(server, retries={"max_attempts": 1}).put_object(Bucket="uploads", Key=key, Body=data, ContentType="image/jpeg")
    with pytest.raises(Exception):
        s3_client(server, secret="wrong-secret-000000", retries={"max_attempts": 1}).put_object(Bucket="uploads", Key="x.jpg",
                                                             Body=b"x")
    for key in keys:
        assert wait_for_state(server, image_id_for(server, "uploads", key))["state"] == "done"

    after = wait_for_sample(server, "imgpipe_jobs_total",
                            value(before, "imgpipe_jobs_total", outcome="done") + 3,
                            outcome="done")

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("imgpipe_http_requests_total", listener="api", method="POST",
                 route="/v1/uploads", status="200") == 1
    assert delta("imgpipe_http_requests_total", listener="api", method="POST",
                 route="/v1/uploads", status="413") == 1
    assert delta("imgpipe_http_requests_total", listener="s3", method="PUT",
                 route="s3:object", status="200") == 3
    assert delta("imgpipe_http_requests_total", listener="s3", method="PUT",
                 route="s3:object", status="403") == 1
    assert delta("imgpipe_uploads_total", stage="presign", outcome="accepted", reason="none") == 1
    assert delta("imgpipe_uploads_total", stage="presign", outcome="refused",
                 reason="too_large") == 1
    assert delta("imgpipe_uploads_total", stage="store", outcome="accepted", reason="none") == 3
    assert delta("imgpipe_uploads_total", stage="store", outcome="refused",
                 reason="forbidden") == 1
    # The three originals came in; the presign answers and the status API's JSON went out.
    assert delta("imgpipe_http_received_bytes_total", listener="s3") >= 3 * len(data)
    assert delta("imgpipe_http_sent_bytes_total", listener="api") > 0
    assert delta("imgpipe_http_request_duration_seconds_count", listener="api",
                 route="/v1/uploads") == 2

    # Each finished job once in the latency histogram, and nothing else in it.
    assert delta("imgpipe_jobs_total", outcome="done") == 3
    assert delta("imgpipe_job_latency_seconds_count") == 3
    assert value(after, "imgpipe_job_latency_seconds_count") == \
        value(after, "imgpipe_jobs_total", outcome="done")
    assert value(after, "imgpipe_job_latency_seconds_bucket", le="+Inf") == \
        value(after, "imgpipe_job_latency_seconds_count")
    assert delta("imgpipe_worker_busy_seconds_total") > 0
    assert value(after, "imgpipe_jobs", state="done") >= 3
    assert value(after, "imgpipe_workers") >= 1
    assert value(after, "process_resident_memory_bytes") > 1 << 20
    assert value(after, "process_open_fds") > 3


def test_queue_gauges_show_depth(server):
    samples = scrape(server)
    for state in ("ready", "leased", "dead"):
        assert ("imgpipe_queue_messages", frozenset({("state", state)})) in samples
    assert value(samples, "imgpipe_queue_oldest_message_age_seconds") >= 0


def test_health_and_ready_probes(server):
    health = requests.get(ops_url(server, "/healthz"), timeout=10)
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    for url in (ops_url(server, "/readyz"), api(server, "/readyz")):
        ready = requests.get(url, timeout=10)
        assert ready.status_code == 200, ready.text
        assert ready.json() == {"status": "ready",
                                "checks": {"store": "ok", "queue": "ok", "drain": "ok"}}


def test_readyz_is_503_while_the_data_dir_is_read_only(server):
    data_dir = str(server.data_dir)
    mounted = subprocess.run(["mount", "--bind", data_dir, data_dir], capture_output=True)
    if mounted.returncode != 0:
        pytest.fail(f"bind mount needs root (CAP_SYS_ADMIN): {mounted.stderr.decode()}")
    try:
        run(["mount", "-o", "remount,ro,bind", data_dir])
        ready = requests.get(ops_url(server, "/readyz"), timeout=10)
        assert ready.status_code == 503, ready.text
        assert ready.json()["status"] == "unavailable"
        assert ready.json()["checks"]["store"] != "ok"
        assert ready.json()["checks"]["queue"] == "ok"
        assert requests.get(ops_url(server, "/healthz"), timeout=10).status_code == 200
    finally:
        run(["umount", data_dir])
    ready = requests.get(ops_url(server, "/readyz"), timeout=10)
    assert ready.status_code == 200, ready.text

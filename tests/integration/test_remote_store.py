"""imgpipe on an external S3 store (DESIGN.md §7): a single-node Ceph cluster with radosgw
(tests/cluster/ceph-rgw.sh) as the store and one `imgpipe serve --roles api,worker --store
s3+http://…`. Browsers' POST uploads go straight into RGW, RGW's own bucket notifications reach
POST /events/s3, the workers read originals from and write variants to RGW. What is checked comes
from independent sources: the image sizes from Pillow, the objects from boto3 talking to RGW,
the notification JSON from RGW itself (and AWS's dialect written here by hand)."""

from __future__ import annotations

import secrets
import subprocess
import time
import urllib.parse
from pathlib import Path

import boto3
import pytest
import requests
from botocore.config import Config

from cluster_nodes import free_port
from helpers import REPO, TESTDATA, new_server, run
from pipeline_client import api, image_id_for, image_size, status, wait_for_state

CEPH = REPO / "tests" / "cluster" / "ceph-rgw.sh"
PHOTOS = sorted((TESTDATA / "exif-orientation-examples").glob("Landscape_*.jpg")) + \
    sorted((TESTDATA / "exif-orientation-examples").glob("Portrait_*.jpg"))
SIDES = (400, 200, 100)


@pytest.fixture(scope="module")
def rgw(tmp_path_factory):
    cluster_dir = tmp_path_factory.mktemp("ceph")
    started = time.monotonic()
    subprocess.run([str(CEPH), "start", str(cluster_dir)], check=True, stdout=subprocess.DEVNULL,
                   timeout=180)
    print(f"ceph cluster with radosgw ready in {time.monotonic() - started:.1f}s")
    env = dict(line.split("=", 1) for line in (cluster_dir / "rgw.env").read_text().split())
    yield env
    subprocess.run([str(CEPH), "stop", str(cluster_dir)], check=True, timeout=60)


@pytest.fixture(scope="module")
def server(tmp_path_factory, rgw):
    # The store's notifications go to api.ingress_url, which the node sets up at start: its
    # port is chosen here so that the URL is known before.
    port = free_port()
    srv = new_server(tmp_path_factory.mktemp("data"), roles="api,worker",
                     api_listen=f"127.0.0.1:{port}", env={
        "IMGPIPE_API_INGRESS_URL": f"http://127.0.0.1:{port}/events/s3",
        "IMGPIPE_STORE_URL": "s3+" + rgw["RGW_ENDPOINT"],
        "IMGPIPE_STORE_REGION": rgw["RGW_REGION"],
        "IMGPIPE_STORE_ACCESS_KEY": rgw["RGW_ACCESS_KEY"],
        "IMGPIPE_STORE_SECRET_KEY": rgw["RGW_SECRET_KEY"],
        "IMGPIPE_API_INGRESS_TOKEN": "ingress-" + secrets.token_hex(16),
    })
    srv.start()
    yield srv
    if srv.proc is not None:
        srv.stop_and_check()


def rgw_client(rgw):
    return boto3.client("s3", endpoint_url=rgw["RGW_ENDPOINT"], region_name="us-east-1",
                        aws_access_key_id=rgw["RGW_ACCESS_KEY"],
                        aws_secret_access_key=rgw["RGW_SECRET_KEY"],
                        config=Config(s3={"addressing_style": "path"}))


def browser_post(answer: dict, path: Path) -> None:
    args = ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}"]
    for name, value in answer["fields"].items():
        args += ["--form-string", f"{name}={value}"]
    args += ["-F", f"file=@{path}", answer["url"]]
    code = run(args).stdout.decode()
    assert code == "204", code


def token(server) -> str:
    return server.env["IMGPIPE_API_INGRESS_TOKEN"]


def test_uploads_into_rgw_become_variants_in_rgw(server, rgw):
    assert len(PHOTOS) >= 10
    answers = []
    for i, photo in enumerate(PHOTOS):
        resp = requests.post(api(server, "/upload-image"), json={"filename": f"photo{i}.jpg"},
                             timeout=10)
        assert resp.status_code == 200, resp.text
        answer = resp.json()
        # The browser is sent to RGW, not to imgpipe.
        assert answer["url"] == rgw["RGW_ENDPOINT"] + "/uploads", answer["url"]
        browser_post(answer, photo)
        answers.append(answer)

    s3 = rgw_client(rgw)
    for answer, photo in zip(answers, PHOTOS):
        job = wait_for_state(server, answer["id"], timeout=120)
        assert job["state"] == "done", job
        assert job["original"]["bytes"] == photo.stat().st_size
        assert [v["name"] for v in job["variants"]] == [f"{s}x{s}" for s in SIDES]
        for side, variant in zip(SIDES, job["variants"]):
            key = f"resized-{side}x{side}/{answer['key']}"
            assert variant["key"] == key
            # Read from RGW by another client, decoded by Pillow.
            body = s3.get_object(Bucket="resized", Key=key)["Body"].read()
            assert image_size(body) == ("jpeg", side, side), key
            # The status API's URL is presigned for RGW and works there.
            assert variant["url"].startswith(rgw["RGW_ENDPOINT"] + "/resized/")
            fetched = requests.get(variant["url"], timeout=30)
            assert fetched.status_code == 200 and fetched.content == body


def test_aws_dialect_keys_are_decoded_and_duplicates_ignored(server, rgw):
    key = "uploads/aws dialect/a+b c.jpg"
    data = PHOTOS[1].read_bytes()
    put = rgw_client(rgw).put_object(Bucket="uploads", Key=key, Body=data,
                                     ContentType="image/jpeg")
    image_id = image_id_for(server, "uploads", key)
    # RGW notifies for this PUT too. An AWS-shaped record of it (the key form-URL-encoded) with
    # a sequencer above any RGW sends makes that creation the job's.
    encoded = urllib.parse.quote_plus(key, safe="/")
    assert encoded == "uploads/aws+dialect/a%2Bb+c.jpg"
    record = {"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
              "eventTime": "2026-01-01T00:00:00.000Z", "eventName": "ObjectCreated:Put",
              "s3": {"bucket": {"name": "uploads"},
                     "object": {"key": encoded, "size": len(data), "eTag": put["ETag"].strip('"'),
                                "sequencer": "F" * 24}}}
    bearer = {"Authorization": "Bearer " + token(server)}
    resp = requests.post(api(server, "/events/s3"), json={"Records": [record]}, timeout=10,
                         headers=bearer)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"records": 1, "jobs": 1}
    job = wait_for_state(server, image_id, timeout=120)
    assert job["state"] == "done", job
    assert job["key"] == key
    assert status(server, image_id_for(server, "uploads", encoded)).status_code == 404

    # The same record again (a store retrying): the job stays as it is.
    again = requests.post(api(server, "/events/s3"), json={"Records": [record]}, timeout=10,
                          headers=bearer)
    assert again.status_code == 200, again.text
    # A later upload done means the queue has moved past anything the duplicate could have queued.
    answer = requests.post(api(server, "/upload-image"), json={"filename": "later.jpg"},
                           timeout=10).json()
    browser_post(answer, PHOTOS[2])
    assert wait_for_state(server, answer["id"], timeout=120)["state"] == "done"
    after = status(server, image_id).json()
    assert (after["state"], after["updatedAt"], after["attempts"]) == \
        ("done", job["updatedAt"], job["attempts"]), after


def test_ingress_refuses_strangers_and_garbage(server):
    url = api(server, "/events/s3")
    body = {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                         "s3": {"bucket": {"name": "uploads"}, "object": {"key": "x.jpg"}}}]}
    assert requests.post(url, json=body, timeout=10).status_code == 401
    assert requests.post(url, json=body, headers={"Authorization": "Bearer wrong"},
                         timeout=10).status_code == 401
    forged = {"Records": [dict(body["Records"][0], opaqueData="wrong")]}
    assert requests.post(url, json=forged, timeout=10).status_code == 401
    bad = requests.post(url, data=b"not json", timeout=10,
                        headers={"Authorization": "Bearer " + token(server)})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "InvalidEvent", bad.text


def test_ingress_takes_basic_auth_and_opaque_data(server):
    url = api(server, "/events/s3")
    # A record for another bucket: accepted and skipped (no job), so nothing else is disturbed.
    record = {"eventSource": "minio:s3", "eventName": "ObjectCreated:Put",
              "s3": {"bucket": {"name": "elsewhere"}, "object": {"key": "x.jpg"}}}
    good = requests.post(url, json={"Records": [record]}, auth=("any-user", token(server)),
                         timeout=10)
    assert good.status_code == 200, good.text
    assert good.json() == {"records": 1, "jobs": 0}
    wrong = requests.post(url, json={"Records": [record]}, auth=("any-user", "nope"), timeout=10)
    assert wrong.status_code == 401
    opaque = requests.post(url, json={"Records": [dict(record, opaqueData=token(server))]},
                           timeout=10)
    assert opaque.status_code == 200, opaque.text

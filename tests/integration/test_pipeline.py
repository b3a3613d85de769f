"""The pipeline end to end against the real binary (every role in one process): every way an
object is created in the source bucket becomes its variants, which are read back through the URLs
the status API gives and measured by an independent decoder (Pillow, vipsheader).

- the seed's flow: /upload-image + a browser-style multipart POST (curl) → three JPEG variants of
  exact size under the seed's keys (`resized-400x400/uploads/<id>/cat.jpg`);
- PUT with awscli (Debian's 2.9 and the image's 1.x), CopyObject and a multipart upload (boto3);
- the client's variants: seed-style width/height, and webp/avif with inside/contain;
- keys with spaces, `+`, `%`, `#` and non-ASCII names;
- a corrupt upload fails with its reason, `imgpipe jobs` lists it, `jobs retry` reruns it, and an
  SSE client sees every transition and then the end of the stream;
- DELETE /images/{id}; unknown ids are a JSON 404.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time

import pytest
import requests

from helpers import TESTDATA, client_env, image_tool, imgpipe_bin, new_server, run
from pipeline_client import (api, fetch_variants, image_id_for, image_size, s3_client,
                             sse_events, sse_stream, status, wait_for_state, wait_until_known)

PHOTO = TESTDATA / "sharp-fixtures" / "2569067123_aca715a2ee_o.jpg"  # 2725x2225
SMALL = TESTDATA / "exif-orientation-examples" / "Landscape_1.jpg"  # 1800x1200
ROTATED = TESTDATA / "exif-orientation-examples" / "Portrait_6.jpg"  # 1800x1200 stored, EXIF 6
CORRUPT = TESTDATA / "sharp-fixtures" / "corrupt-header.jpg"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = new_server(tmp_path_factory.mktemp("data"), roles=None)
    srv.start()
    yield srv
    if srv.proc is not None:
        srv.stop_and_check()


def presign(server, body: dict) -> dict:
    resp = requests.post(api(server, "/upload-image"), json=body, timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()


def browser_post(answer: dict, path) -> None:
    """What the seed's page does: every field of the answer, then the file, to its url."""
    args = ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}"]
    for name, value in answer["fields"].items():
        args += ["--form-string", f"{name}={value}"]
    args += ["-F", f"file=@{path}", answer["url"]]
    code = run(args).stdout.decode()
    assert code == "204", code


def assert_seed_variants(job: dict, key: str) -> None:
    assert job["state"] == "done", job
    assert [v["name"] for v in job["variants"]] == ["400x400", "200x200", "100x100"]
    got = fetch_variants(job)
    for side in (400, 200, 100):
        name = f"{side}x{side}"
        variant = next(v for v in job["variants"] if v["name"] == name)
        assert variant["key"] == f"resized-{name}/{key}"
        assert variant["bucket"] == "resized"
        assert (variant["width"], variant["height"], variant["format"]) == (side, side, "jpeg")
        assert image_size(got[name]) == ("jpeg", side, side)


def test_seed_flow_post_makes_three_variants(server):
    answer = presign(server, {"filename": "cat.jpg"})
    browser_post(answer, PHOTO)
    job = wait_for_state(server, answer["id"])
    assert job["key"] == answer["key"]
    assert job["original"] == {"bytes": PHOTO.stat().st_size, "width": 2725, "height": 2225,
                               "format": "jpeg"}
    assert_seed_variants(job, answer["key"])
    # The variants are in the destination bucket under exactly those keys, and nothing else of
    # this image is.
    listed = s3_client(server).list_objects_v2(Bucket="resized")
    keys = {o["Key"] for o in listed.get("Contents", []) if answer["id"] in o["Key"]}
    assert keys == {f"resized-{s}x{s}/{answer['key']}" for s in (400, 200, 100)}


@pytest.mark.parametrize("aws", ["/usr/bin/aws", "image"])
def test_put_with_awscli(server, aws):
    aws = image_tool("aws") if aws == "image" else aws
    key = f"photos/put by {aws.split('/')[-2]}.jpg"
    run([aws, "--endpoint-url", server.endpoint, "s3", "cp", str(ROTATED), f"s3://uploads/{key}"],
        env=client_env(server))
    job = wait_for_state(server, image_id_for(server, "uploads", key))
    assert (job["original"]["width"], job["original"]["height"]) == (1200, 1800)  # upright
    assert_seed_variants(job, key)


def test_copy_object_makes_a_job_for_the_copy(server):
    client = s3_client(server)
    client.put_object(Bucket="uploads", Key="copies/source.jpg", Body=SMALL.read_bytes(),
                      ContentType="image/jpeg")
    wait_for_state(server, image_id_for(server, "uploads", "copies/source.jpg"))
    client.copy_object(Bucket="uploads", Key="copies/target.jpg",
                       CopySource={"Bucket": "uploads", "Key": "copies/source.jpg"})
    job = wait_for_state(server, image_id_for(server, "uploads", "copies/target.jpg"))
    assert_seed_variants(job, "copies/target.jpg")


def test_multipart_upload_makes_a_job(server):
    client = s3_client(server)
    # Two parts (the first at S3's 5 MiB minimum): the photo, then padding after its end of
    # image, which JPEG decoders ignore.
    data = PHOTO.read_bytes()
    data += b"\0" * (6 * 1024 * 1024 - len(data))
    key = "multi/part.jpg"
    upload = client.create_multipart_upload(Bucket="uploads", Key=key, ContentType="image/jpeg")
    parts = []
    for number, chunk in ((1, data[:5 * 1024 * 1024]), (2, data[5 * 1024 * 1024:])):
        etag = client.upload_part(Bucket="uploads", Key=key, UploadId=upload["UploadId"],
                                  PartNumber=number, Body=chunk)["ETag"]
        parts.append({"PartNumber": number, "ETag": etag})
    client.complete_multipart_upload(Bucket="uploads", Key=key, UploadId=upload["UploadId"],
                                     MultipartUpload={"Parts": parts})
    job = wait_for_state(server, image_id_for(server, "uploads", key))
    assert_seed_variants(job, key)


def test_seed_style_width_and_height(server):
    answer = presign(server, {"filename": "one.jpg", "width": 300, "height": 120})
    browser_post(answer, PHOTO)
    job = wait_for_state(server, answer["id"])
    assert job["state"] == "done", job
    assert [(v["name"], v["width"], v["height"]) for v in job["variants"]] == [
        ("300x120", 300, 120)]
    got = fetch_variants(job)
    assert image_size(got["300x120"]) == ("jpeg", 300, 120)
    assert job["variants"][0]["key"] == f"resized-300x120/{answer['key']}"


def test_client_chosen_formats_and_fits(server):
    variants = [{"width": 320, "height": 240, "fit": "inside", "format": "webp"},
                {"width": 160, "height": 160, "fit": "contain", "format": "avif"},
                {"width": 50, "height": 80, "fit": "fill", "format": "png"}]
    answer = presign(server, {"filename": "pick.jpg", "variants": variants})
    browser_post(answer, PHOTO)
    job = wait_for_state(server, answer["id"])
    assert job["state"] == "done", job
    got = fetch_variants(job)
    # inside 320x240 of 2725x2225: the height binds, 240 * 2725 / 2225 = 293.9 → 294.
    assert image_size(got["320x240"]) == ("webp", 294, 240)
    assert image_size(got["160x160"]) == ("avif", 160, 160)
    assert image_size(got["50x80"]) == ("png", 50, 80)
    types = {v["name"]: v["contentType"] for v in job["variants"]}
    assert types == {"320x240": "image/webp", "160x160": "image/avif", "50x80": "image/png"}


@pytest.mark.parametrize("name", ["with space.jpg", "plus+sign.jpg", "per%cent.jpg",
                                  "hash#tag.jpg", "ünïcödé 猫.jpg"])
def test_awkward_keys_work_end_to_end(server, name):
    key = f"awkward/{name}"
    s3_client(server).put_object(Bucket="uploads", Key=key, Body=SMALL.read_bytes(),
                          ContentType="image/jpeg")
    job = wait_for_state(server, image_id_for(server, "uploads", key))
    assert job["key"] == key
    assert_seed_variants(job, key)


def test_corrupt_upload_fails_and_retry_reruns_it(server):
    answer = presign(server, {"filename": "broken.jpg"})
    browser_post(answer, CORRUPT)
    job = wait_for_state(server, answer["id"])
    assert job["state"] == "failed", job
    assert job["error"]["code"] == "CorruptImage"
    assert job["error"]["message"]
    assert "variants" not in job

    listed = run([imgpipe_bin(), "jobs", "list", "--state", "failed", "--data-dir",
                  server.data_dir]).stdout.decode()
    assert answer["id"] in listed and "CorruptImage" in listed, listed
    shown = json.loads(run([imgpipe_bin(), "jobs", "show", answer["id"], "--data-dir",
                            server.data_dir]).stdout)
    assert shown["state"] == "failed" and shown["error"]["code"] == "CorruptImage"

    # Retried: the job runs again (a later updatedAt, attempts counted afresh), an SSE client
    # sees its states in order, and the stream ends at the terminal one.
    run([imgpipe_bin(), "jobs", "retry", answer["id"], "--data-dir", server.data_dir])
    events = sse_events(server, answer["id"])
    states = [e["state"] for e in events]
    order = ["pending", "processing", "failed"]
    assert states[-1] == "failed", states
    assert [order.index(s) for s in states] == sorted(order.index(s) for s in states), states
    assert events[-1]["error"]["code"] == "CorruptImage"
    assert events[-1]["attempts"] == 1
    assert events[-1]["updatedAt"] > job["updatedAt"]


def test_sse_streams_the_changes_made_by_a_worker_process(tmp_path):
    """The roles apart on one data dir: `api,s3` takes the upload and holds the stream open on a
    pending job; a `worker` process started afterwards makes the variants; the stream shows the
    job pending first and done last, in order, and then ends."""
    front = new_server(tmp_path / "data", roles="api,s3")
    front.start()
    worker = None
    try:
        answer = presign(front, {"filename": "split.jpg"})
        browser_post(answer, PHOTO)
        wait_until_known(front, answer["id"])
        events: list[dict] = []
        reader = threading.Thread(
            target=lambda: [events.append(e) for e in sse_stream(front, answer["id"])])
        reader.start()
        deadline = time.monotonic() + 10
        while not events:  # the first event (pending) is out before the worker exists
            assert time.monotonic() < deadline, "no first event"
            time.sleep(0.01)
        assert events[0]["state"] == "pending"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("IMGPIPE_", "AWS_"))}
        env.update({"IMGPIPE_ACCESS_KEY": front.access_key,
                    "IMGPIPE_SECRET_KEY": front.secret_key})
        worker = subprocess.Popen([str(imgpipe_bin()), "serve", "--roles", "worker",
                                   "--data-dir", str(front.data_dir)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        reader.join(60)
        assert not reader.is_alive(), "the stream did not end"
        states = [e["state"] for e in events]
        order = ["pending", "processing", "done"]
        assert states[0] == "pending" and states[-1] == "done", states
        assert [order.index(x) for x in states] == sorted(order.index(x) for x in states), states
        assert_seed_variants(events[-1], answer["key"])
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(30) == 0
        front.stop_and_check()


def test_stream_of_a_finished_image_ends_at_once(server):
    answer = presign(server, {"filename": "done.jpg"})
    browser_post(answer, SMALL)
    wait_for_state(server, answer["id"])
    events = sse_events(server, answer["id"], timeout=10)
    assert [e["state"] for e in events] == ["done"]


def test_delete_removes_original_and_variants(server):
    answer = presign(server, {"filename": "gone.jpg"})
    browser_post(answer, SMALL)
    job = wait_for_state(server, answer["id"])
    resp = requests.delete(api(server, f"/images/{answer['id']}"), timeout=10)
    assert resp.status_code == 204, resp.text
    client = s3_client(server)
    import botocore.exceptions
    for bucket, key in [("uploads", answer["key"])] + [(v["bucket"], v["key"])
                                                       for v in job["variants"]]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            client.head_object(Bucket=bucket, Key=key)
        assert e.value.response["Error"]["Code"] == "404"
    assert status(server, answer["id"]).status_code == 404


@pytest.mark.parametrize("path", ["/images/AAAAAAAAAAAAAAAAAAAAAA", "/images/not-an-id",
                                  "/images/AAAAAAAAAAAAAAAAAAAAAA/events"])
def test_unknown_image_is_a_json_404(server, path):
    resp = requests.get(api(server, path), timeout=10)
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == "NoSuchImage"
    resp = requests.delete(api(server, "/images/AAAAAAAAAAAAAAAAAAAAAA"), timeout=10)
    assert resp.status_code == 404


def test_variants_do_not_trigger_jobs(server):
    """Nothing written to the destination bucket becomes a job (no trigger loop). Events are
    relayed in commit order, so once a later upload's job exists the earlier event was seen."""
    client = s3_client(server)
    client.put_object(Bucket="resized", Key="manual/x.jpg", Body=SMALL.read_bytes())
    client.put_object(Bucket="uploads", Key="sentinel/after.jpg", Body=SMALL.read_bytes())
    wait_until_known(server, image_id_for(server, "uploads", "sentinel/after.jpg"))
    assert status(server, image_id_for(server, "resized", "manual/x.jpg")).status_code == 404
    listed = run([imgpipe_bin(), "jobs", "list", "--limit", "100000", "--data-dir",
                  server.data_dir]).stdout.decode()
    for line in listed.splitlines()[1:]:
        assert " resized-" not in line and "manual/x.jpg" not in line, line


def test_public_read_destination_gives_plain_urls(tmp_path):
    """With the destination bucket public-read, variant URLs are plain (no signature) and an
    anonymous GET reads them."""
    srv = new_server(tmp_path / "data", roles=None,
                     env={"IMGPIPE_S3_PUBLIC_READ_BUCKETS": "resized"})
    srv.start()
    try:
        answer = presign(srv, {"filename": "open.jpg"})
        browser_post(answer, SMALL)
        job = wait_for_state(srv, answer["id"])
        for v in job["variants"]:
            assert v["url"] == f"{srv.endpoint}/resized/{v['key']}", v
        assert_seed_variants(job, answer["key"])  # fetched anonymously through those URLs
    finally:
        srv.stop_and_check()

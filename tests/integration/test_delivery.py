"""Delivery: the API port as an image origin (GET /i/{id}/...), checked with curl against the
real binary (every role in one process).

- content-addressed URLs (name@etag from the status JSON) answer with a strong ETag equal to the
  body's MD5 (computed here), Last-Modified, `public, max-age=31536000, immutable` and the right
  Content-Type; the alias /i/{id}/{name} with a short max-age;
- If-None-Match / If-Modified-Since → 304, Range → 206 / 416, HEAD, the same on plain S3 GETs of
  the public destination bucket;
- a variant made in JPEG, WebP and AVIF is negotiated by Accept (reduced to avif | webp |
  baseline) with `Vary: Accept`;
- on-demand sizes: unsigned or wrongly signed → 403; 50 concurrent signed requests render once
  (imgpipe_delivery_renders_total), all get the same bytes of the right size (Pillow), and the
  object is in the destination bucket; a named preset renders unsigned; a new upload of the
  original renders the size anew;
- sizes rendered on request are listed by GET /images/{id} under "rendered" (once each, with
  URLs whose bytes match) and DELETE /images/{id} removes them: plain S3 GETs of the public
  destination bucket are then 404 / NoSuchKey.
"""

from __future__ import annotations

import base64
import concurrent.futures
import hashlib
import hmac
import io
import json
import re
import subprocess

import pytest
import requests
from PIL import Image

from helpers import TESTDATA, new_server, wait_until
from pipeline_client import api, image_id_for, image_size, status, wait_for_state

PHOTO = TESTDATA / "exif-orientation-examples" / "Landscape_1.jpg"  # 1800x1200
SIGNING_KEY = "delivery-test-signing-key"
KEY = "photos/delivered.jpg"
VARIANTS = [{"width": 400, "height": 400, "format": "jpeg"},
            {"width": 400, "height": 400, "format": "webp"},
            {"width": 400, "height": 400, "format": "avif"},
            {"width": 200, "height": 200}]
CHROME_ACCEPT = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = new_server(tmp_path_factory.mktemp("data"), roles=None, env={
        "IMGPIPE_DELIVERY_SIGNING_KEY": SIGNING_KEY,
        "IMGPIPE_DELIVERY_PRESETS": "card=320x180:inside:webp",
        "IMGPIPE_S3_PUBLIC_READ_BUCKETS": "resized",
    })
    srv.start()
    yield srv
    if srv.proc is not None:
        srv.stop_and_check()


def s3(server):
    import boto3
    from botocore.config import Config
    return boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1",
                        aws_access_key_id=server.access_key,
                        aws_secret_access_key=server.secret_key,
                        config=Config(s3={"addressing_style": "path"}))


def upload(server, key: str, data: bytes, variants=VARIANTS) -> dict:
    s3(server).put_object(Bucket="uploads", Key=key, Body=data, ContentType="image/jpeg",
                          Metadata={"variants": json.dumps(variants)})
    job = wait_for_state(server, image_id_for(server, "uploads", key))
    assert job["state"] == "done", job
    return job


@pytest.fixture(scope="module")
def job(server):
    return upload(server, KEY, PHOTO.read_bytes())


class Answer:
    def __init__(self, status: int, headers: dict[str, list[str]], body: bytes):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None


def curl(url: str, *headers: str, head: bool = False) -> Answer:
    """One request with curl; the status, every header (lower-case names) and the body."""
    args = ["curl", "-sS", "-D", "-", "-o", "/dev/stderr"]
    if head:
        args.append("-I")
    for h in headers:
        args += ["-H", h]
    done = subprocess.run(args + [url], capture_output=True, timeout=60, check=True)
    head_text = done.stdout.decode("latin-1")
    lines = head_text.split("\r\n")
    status = int(lines[0].split()[1])
    parsed: dict[str, list[str]] = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            parsed.setdefault(name.strip().lower(), []).append(value.strip())
    return Answer(status, parsed, b"" if head else done.stderr)


def variant(job: dict, name: str) -> dict:
    return next(v for v in job["variants"] if v["name"] == name)


def sign(path: str) -> str:
    mac = hmac.new(SIGNING_KEY.encode(), path.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def renders(server) -> float:
    text = requests.get(api(server, "/metrics"), timeout=10).text
    match = re.search(r"^imgpipe_delivery_renders_total (\S+)$", text, re.M)
    assert match, "no imgpipe_delivery_renders_total in /metrics"
    return float(match.group(1))


def test_status_json_names_content_addressed_urls(job):
    names = [v["name"] for v in job["variants"]]
    assert names == ["400x400", "400x400.webp", "400x400.avif", "200x200"]
    for v in job["variants"]:
        assert re.fullmatch(r"[0-9a-f]{32}", v["etag"]), v
        assert v["deliveryPath"] == f"/i/{job['id']}/{v['name']}@{v['etag']}"


def test_content_addressed_url_is_immutable(server, job):
    v = variant(job, "200x200")
    got = curl(api(server, v["deliveryPath"]))
    assert got.status == 200
    assert hashlib.md5(got.body).hexdigest() == v["etag"]
    assert got.header("ETag") == f'"{v["etag"]}"'
    assert got.header("Cache-Control") == "public, max-age=31536000, immutable"
    assert got.header("Content-Type") == "image/jpeg"
    assert got.header("Last-Modified").endswith(" GMT")
    assert got.header("Vary") is None
    assert image_size(got.body) == ("jpeg", 200, 200)


def test_alias_is_short_lived(server, job):
    got = curl(api(server, f"/i/{job['id']}/200x200"))
    assert got.status == 200
    assert got.header("Cache-Control") == "public, max-age=60"
    assert got.header("ETag") == f'"{variant(job, "200x200")["etag"]}"'


def test_conditional_requests_answer_304(server, job):
    v = variant(job, "200x200")
    url = api(server, v["deliveryPath"])
    first = curl(url)
    by_etag = curl(url, f"If-None-Match: {first.header('ETag')}")
    assert by_etag.status == 304 and by_etag.body == b""
    assert by_etag.header("ETag") == first.header("ETag")
    assert by_etag.header("Cache-Control") == "public, max-age=31536000, immutable"
    by_date = curl(url, f"If-Modified-Since: {first.header('Last-Modified')}")
    assert by_date.status == 304
    changed = curl(url, 'If-None-Match: "0123456789abcdef0123456789abcdef"')
    assert changed.status == 200 and changed.body == first.body
    old = curl(url, "If-Modified-Since: Mon, 01 Jan 2001 00:00:00 GMT")
    assert old.status == 200
    failed = curl(url, 'If-Match: "0123456789abcdef0123456789abcdef"')
    assert failed.status == 412


def test_range_and_head(server, job):
    v = variant(job, "200x200")
    url = api(server, v["deliveryPath"])
    whole = curl(url).body
    part = curl(url, "Range: bytes=10-109")
    assert part.status == 206
    assert part.body == whole[10:110]
    assert part.header("Content-Range") == f"bytes 10-109/{len(whole)}"
    suffix = curl(url, "Range: bytes=-50")
    assert suffix.status == 206 and suffix.body == whole[-50:]
    beyond = curl(url, f"Range: bytes={len(whole)}-")
    assert beyond.status == 416
    assert beyond.header("Content-Range") == f"bytes */{len(whole)}"
    head = curl(url, head=True)
    assert head.status == 200
    assert head.header("Content-Length") == str(len(whole))
    assert head.header("ETag") == f'"{v["etag"]}"'
    assert head.header("Accept-Ranges") == "bytes"


def test_replaced_or_unknown_content_is_404(server, job):
    stale = curl(api(server, f"/i/{job['id']}/200x200@0123456789abcdef0123456789abcdef"))
    assert stale.status == 404
    assert json.loads(stale.body)["error"]["code"] == "NoSuchVariant"
    assert stale.header("Cache-Control") == "no-store"
    unknown = curl(api(server, "/i/AAAAAAAAAAAAAAAAAAAAAA/200x200"))
    assert unknown.status == 404
    assert json.loads(unknown.body)["error"]["code"] == "NoSuchImage"
    nothing = curl(api(server, f"/i/{job['id']}/thumbnail"))
    assert nothing.status == 404


def test_served_content_addressed_url_is_404_once_replaced_or_deleted(server):
    """A content-addressed URL served before is answered from where it was found (without the
    job look-up, on the I/O thread): it must still follow the store when that changes."""
    key = "photos/short-lived.jpg"
    sizes = [{"width": 100, "height": 100}]
    first = upload(server, key, PHOTO.read_bytes(), variants=sizes)
    url = api(server, first["variants"][0]["deliveryPath"])
    for _ in range(3):
        assert curl(url).status == 200
    with Image.open(PHOTO) as im:
        out = io.BytesIO()
        im.rotate(90, expand=True).save(out, "JPEG", quality=90)
    s3(server).put_object(Bucket="uploads", Key=key, Body=out.getvalue(),
                          ContentType="image/jpeg", Metadata={"variants": json.dumps(sizes)})
    old_etag = first["variants"][0]["etag"]
    wait_until(lambda: (j := status(server, first["id"]).json())["state"] == "done"
               and j["variants"][0]["etag"] != old_etag, "the new upload is processed")
    assert curl(url).status == 404
    second = status(server, first["id"]).json()
    new_url = api(server, second["variants"][0]["deliveryPath"])
    for _ in range(2):
        assert curl(new_url).status == 200
    assert requests.delete(api(server, f"/images/{first['id']}"), timeout=30).status_code == 204
    gone = curl(new_url)
    assert gone.status == 404, gone.body
    assert gone.header("Cache-Control") == "no-store"


@pytest.mark.parametrize("accept,content_type", [
    (CHROME_ACCEPT, "image/avif"),
    ("image/webp,*/*", "image/webp"),
    ("image/png,image/*;q=0.8,*/*;q=0.5", "image/jpeg"),
    ("*/*", "image/jpeg"),
    ("image/avif;q=0,image/webp", "image/webp"),
])
def test_format_negotiation(server, job, accept, content_type):
    got = curl(api(server, f"/i/{job['id']}/400x400"), f"Accept: {accept}")
    assert got.status == 200
    assert got.header("Content-Type") == content_type
    assert got.header("Vary") == "Accept"
    fmt = content_type.split("/")[1]
    name = "400x400" if fmt == "jpeg" else f"400x400.{fmt}"
    assert got.header("ETag") == f'"{variant(job, name)["etag"]}"'
    # A 304 for a negotiated answer still says what it varies on.
    again = curl(api(server, f"/i/{job['id']}/400x400"), f"Accept: {accept}",
                 f"If-None-Match: {got.header('ETag')}")
    assert again.status == 304 and again.header("Vary") == "Accept"


def test_exact_format_name_is_not_negotiated(server, job):
    got = curl(api(server, f"/i/{job['id']}/400x400.webp"), f"Accept: {CHROME_ACCEPT}")
    assert got.header("Content-Type") == "image/webp"
    assert got.header("Vary") is None


def test_public_destination_bucket_plain_s3_get(server, job):
    v = variant(job, "200x200")
    url = f"{server.endpoint}/resized/{v['key']}"
    got = curl(url)
    assert got.status == 200
    assert got.header("ETag") == f'"{v["etag"]}"'
    assert got.header("Content-Type") == "image/jpeg"
    assert got.header("Last-Modified")
    assert "max-age" in got.header("Cache-Control")
    assert curl(url, f"If-None-Match: {got.header('ETag')}").status == 304
    assert curl(url, f"If-Modified-Since: {got.header('Last-Modified')}").status == 304
    part = curl(url, "Range: bytes=0-9")
    assert part.status == 206 and part.body == got.body[:10]
    assert curl(url, head=True).header("Content-Length") == str(len(got.body))


def test_unsigned_on_demand_size_is_403(server, job):
    path = f"/i/{job['id']}/300x200"
    before = renders(server)
    unsigned = curl(api(server, path))
    assert unsigned.status == 403
    assert json.loads(unsigned.body)["error"]["code"] == "SignatureRequired"
    wrong = curl(api(server, f"{path}?sig={sign(path + 'x')}"))
    assert wrong.status == 403
    other_key = base64.urlsafe_b64encode(
        hmac.new(b"another key", path.encode(), hashlib.sha256).digest()).decode().rstrip("=")
    assert curl(api(server, f"{path}?sig={other_key}")).status == 403
    assert renders(server) == before
    listed = s3(server).list_objects_v2(Bucket="resized", Prefix="resized-300x200/")
    assert listed.get("KeyCount", 0) == 0


def test_signed_size_renders_once_under_50_concurrent_requests(server, job):
    path = f"/i/{job['id']}/360x240:inside.webp"
    url = api(server, f"{path}?sig={sign(path)}")
    before = renders(server)

    def fetch(_):
        resp = requests.get(url, timeout=120)
        return resp.status_code, resp.headers.get("Content-Type"), resp.content

    with concurrent.futures.ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(fetch, range(50)))
    assert {a[0] for a in answers} == {200}
    assert {a[1] for a in answers} == {"image/webp"}
    assert len({a[2] for a in answers}) == 1
    assert renders(server) == before + 1
    with Image.open(io.BytesIO(answers[0][2])) as im:
        assert (im.format, im.size) == ("WEBP", (360, 240))  # 1800x1200 inside 360x240
    # Stored under the output key template, and served from there from then on.
    stored = s3(server).get_object(Bucket="resized", Key=f"resized-360x240-inside.webp/{KEY}")
    assert stored["Body"].read() == answers[0][2]
    assert curl(url).status == 200
    assert renders(server) == before + 1


def test_signed_size_without_format_is_negotiated_by_accept(server, job):
    """One signed URL without a format: each Accept class gets its format (rendered once per
    class) with Vary: Accept, as a precomputed variant is negotiated."""
    path = f"/i/{job['id']}/150x100"
    url = api(server, f"{path}?sig={sign(path)}")
    before = renders(server)
    for accept, content_type, fmt in (("*/*", "image/jpeg", "jpeg"),
                                      ("image/webp,*/*", "image/webp", "webp"),
                                      ("image/webp,*/*", "image/webp", "webp"),
                                      ("image/jpeg", "image/jpeg", "jpeg")):
        got = curl(url, f"Accept: {accept}")
        assert got.status == 200, accept
        assert got.header("Content-Type") == content_type, accept
        assert got.header("Vary") == "Accept", accept
        assert image_size(got.body) == (fmt, 150, 100), accept
    assert renders(server) == before + 2  # one JPEG, one WebP


def test_named_preset_renders_without_signature(server, job):
    before = renders(server)
    got = curl(api(server, f"/i/{job['id']}/card"))
    assert got.status == 200
    assert got.header("Content-Type") == "image/webp"
    with Image.open(io.BytesIO(got.body)) as im:
        assert im.size == (270, 180)  # 1800x1200 inside 320x180
    assert renders(server) == before + 1


def test_new_original_renders_the_size_again(server):
    key = "photos/replaced.jpg"
    first = upload(server, key, PHOTO.read_bytes(), variants=[{"width": 100, "height": 100}])
    path = f"/i/{first['id']}/90x60"
    url = api(server, f"{path}?sig={sign(path)}")
    before = renders(server)
    old = curl(url)
    assert old.status == 200
    # The same key again, now a different picture (the photo turned upside down).
    with Image.open(PHOTO) as im:
        out = io.BytesIO()
        im.rotate(180).save(out, "JPEG", quality=90)
    s3(server).put_object(Bucket="uploads", Key=key, Body=out.getvalue(),
                          ContentType="image/jpeg",
                          Metadata={"variants": json.dumps([{"width": 100, "height": 100}])})
    old_etag = first["variants"][0]["etag"]
    wait_until(lambda: (j := status(server, first["id"]).json())["state"] == "done"
               and j["variants"][0]["etag"] != old_etag, "the new upload is processed")
    new = curl(url)
    assert new.status == 200
    assert new.body != old.body
    assert renders(server) == before + 2


def test_single_variant_of_a_large_photo_is_served_whole(server):
    """The delivery benchmark's setup: the 2725x2225 photo through /upload-image and the
    browser POST, one 400x400 variant. On 2026-12-05 a binary whose delivery code was compiled
    against an older ObjectInfo answered this with 200, Content-Length 0 and a dropped
    connection; every byte must arrive, twice on one keep-alive connection."""
    photo = TESTDATA / "sharp-fixtures" / "2569067123_aca715a2ee_o.jpg"
    answer = requests.post(api(server, "/upload-image"), timeout=10, json={
        "filename": "bench.jpg", "variants": [{"width": 400, "height": 400}]}).json()
    files = [(k, (None, v)) for k, v in answer["fields"].items()]
    files.append(("file", ("bench.jpg", photo.read_bytes(), "image/jpeg")))
    assert requests.post(answer["url"], files=files, timeout=60).status_code == 204
    job = wait_for_state(server, answer["id"])
    assert job["state"] == "done", job
    [v] = job["variants"]
    with requests.Session() as session:
        for path in (v["deliveryPath"], f"/i/{job['id']}/400x400", v["deliveryPath"]):
            got = session.get(api(server, path), timeout=30)
            assert got.status_code == 200, (path, got.text[:300])
            assert got.headers["Content-Length"] == str(v["bytes"]), (path, got.headers)
            assert hashlib.md5(got.content).hexdigest() == v["etag"], path
            assert image_size(got.content) == ("jpeg", v["width"], v["height"])


def rendered_image(server, key: str) -> tuple[dict, dict[str, tuple[str, str]]]:
    """Uploads the photo under `key` and renders on request a signed size in JPEG, a signed size
    in WebP and the `card` preset; the job and, by rendered name, (its key in the destination
    bucket by the output key template resized-{name}/{key}, the MD5 of the bytes served)."""
    job = upload(server, key, PHOTO.read_bytes(), variants=[{"width": 100, "height": 100}])
    made = {}
    for name, signed in (("240x160", True), ("120x80.webp", True), ("card", False)):
        path = f"/i/{job['id']}/{name}"
        got = curl(api(server, f"{path}?sig={sign(path)}" if signed else path), "Accept: */*")
        assert got.status == 200, (name, got.body[:300])
        made[name] = (f"resized-{name}/{key}", hashlib.md5(got.body).hexdigest())
    return job, made


def test_status_lists_rendered_variants(server):
    """GET /images/{id} lists the sizes rendered on request under "rendered" (apart from the
    upload's "variants"), once each however often they are requested, with their URLs."""
    key = "photos/listed-renders.jpg"
    job, made = rendered_image(server, key)
    path = f"/i/{job['id']}/240x160"
    assert curl(api(server, f"{path}?sig={sign(path)}")).status == 200  # served, not re-recorded
    now = status(server, job["id"]).json()
    assert [v["name"] for v in now["variants"]] == ["100x100"]
    rendered = {v["name"]: v for v in now.get("rendered", [])}
    assert sorted(rendered) == sorted(made), now
    sizes = {"240x160": ("jpeg", 240, 160), "120x80.webp": ("webp", 120, 80),
             "card": ("webp", 270, 180)}  # card = 320x180 inside: 1800x1200 → 270x180
    for name, (stored_key, md5) in made.items():
        v = rendered[name]
        assert (v["bucket"], v["key"], v["etag"]) == ("resized", stored_key, md5), v
        assert (v["format"], v["width"], v["height"]) == sizes[name], v
        assert v["contentType"] == f"image/{sizes[name][0]}"
        body = requests.get(v["url"], timeout=10)  # a plain URL: the bucket is public-read
        assert body.status_code == 200, v
        assert hashlib.md5(body.content).hexdigest() == md5
        assert v["bytes"] == len(body.content)
        assert image_size(body.content) == sizes[name]


def test_delete_removes_variants_rendered_on_request(server):
    """DELETE /images/{id} removes the sizes rendered on request too: afterwards a plain S3 GET
    of the public destination bucket finds none of them (the main binary of 2026-12-05 left
    every one readable)."""
    key = "photos/deleted-renders.jpg"
    job, made = rendered_image(server, key)
    bucket = s3(server)
    for stored_key, md5 in made.values():
        assert curl(f"{server.endpoint}/resized/{stored_key}").status == 200, stored_key
        assert bucket.head_object(Bucket="resized", Key=stored_key)["ETag"] == f'"{md5}"'
    upload_variant = f"resized-100x100/{key}"
    assert bucket.head_object(Bucket="resized", Key=upload_variant)

    assert requests.delete(api(server, f"/images/{job['id']}"), timeout=10).status_code == 204
    assert status(server, job["id"]).status_code == 404
    import botocore.exceptions
    for stored_key in [k for k, _ in made.values()] + [upload_variant]:
        assert curl(f"{server.endpoint}/resized/{stored_key}").status == 404, stored_key
        with pytest.raises(botocore.exceptions.ClientError) as gone:
            bucket.get_object(Bucket="resized", Key=stored_key)
        assert gone.value.response["Error"]["Code"] == "NoSuchKey", stored_key
    # And the delivery URLs name nothing any more.
    for name in made:
        path = f"/i/{job['id']}/{name}"
        assert curl(api(server, f"{path}?sig={sign(path)}")).status == 404

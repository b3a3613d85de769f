"""Placeholders: at ingest the worker computes, from the image it already decoded, a ThumbHash
and the dominant colour, which the status JSON, the server-sent events and the ImageProcessed
webhook carry. Each placeholder is decoded here by an independent decoder (thumbhash_decode.py,
from the published algorithm) and compared with the original, turned upright and downscaled to
the placeholder's size by Pillow:

Both composited over mid-grey (a transparent area shows the page behind it):
- the mean colour (the average over the picture, per channel, 0..255) is within 8 of the
  original's: ThumbHash keeps the DC term with 6 bits of L and P/Q, so the average is close;
- the mean per-pixel colour error (mean absolute difference over R, G, B, 0..255) is under 25
  against the original blurred to the detail a ~25-byte hash can keep (Gaussian radius of 1/8 of
  the placeholder's width): a hash of a different picture fails that bound (checked too);
- the aspect ratio is the upright one (EXIF orientation applied), within the hash's quantisation;
- the dominant colour is the colour of a real part of the picture: at least 10% of the
  downscaled original's pixels lie within 48 (Euclidean, 0..255 RGB) of it.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image, ImageFilter, ImageOps

from helpers import TESTDATA, new_server, wait_until
from pipeline_client import image_id_for, sse_events, wait_for_state
from thumbhash_decode import approximate_aspect_ratio, decode, from_base64url

SHARP = TESTDATA / "sharp-fixtures"
EXIF = TESTDATA / "exif-orientation-examples"
IMAGES = {
    "photo.jpg": SHARP / "2569067123_aca715a2ee_o.jpg",
    "flowers.jpeg": SHARP / "flowers.jpeg",
    "rotated.jpg": EXIF / "Portrait_6.jpg",  # stored landscape, EXIF 6: upright portrait
    "grey.jpg": SHARP / "gamma_dalai_lama_gray.jpg",
    "flag.png": SHARP / "Flag_of_the_Netherlands-alpha.png",
    "anim.gif": SHARP / "rotating-squares.gif",
}
# Measured on these images (2026-12-05): mean error <= 4.6, pixel error <= 14.3; the flowers'
# placeholder against the photo: 95.6 and 83.4.
MEAN_BOUND = 8
PIXEL_BOUND = 25


class Receiver:
    """Records the JSON bodies of webhook POSTs."""

    def __init__(self):
        self.bodies: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.bodies.append(json.loads(body))
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"


@pytest.fixture(scope="module")
def receiver():
    r = Receiver()
    yield r
    r.httpd.shutdown()


@pytest.fixture(scope="module")
def server(tmp_path_factory, receiver):
    srv = new_server(tmp_path_factory.mktemp("data"), roles=None,
                     env={"IMGPIPE_NOTIFY_URLS": receiver.url})
    srv.start()
    yield srv
    if srv.proc is not None:
        srv.stop_and_check()


@pytest.fixture(scope="module")
def jobs(server):
    import boto3
    from botocore.config import Config
    client = boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1",
                          aws_access_key_id=server.access_key,
                          aws_secret_access_key=server.secret_key,
                          config=Config(s3={"addressing_style": "path"}))
    for name, path in IMAGES.items():
        client.put_object(Bucket="uploads", Key=f"ph/{name}", Body=path.read_bytes())
    out = {}
    for name in IMAGES:
        job = wait_for_state(server, image_id_for(server, "uploads", f"ph/{name}"))
        assert job["state"] == "done", job
        out[name] = job
    return out


def upright_rgba(path) -> Image.Image:
    with Image.open(path) as im:
        im.seek(0)
        return ImageOps.exif_transpose(im).convert("RGBA")


def placeholder_image(job: dict) -> Image.Image:
    w, h, pixels = decode(from_base64url(job["placeholder"]["thumbhash"]))
    im = Image.new("RGBA", (w, h))
    im.putdata([tuple(round(255 * c) for c in px) for px in pixels])
    return im


def on_grey(im: Image.Image) -> list[tuple[float, float, float]]:
    """The RGB of each pixel composited over mid-grey: where a picture is transparent, what a
    page shows is its background, and a placeholder's alpha is as much a part of it as colour."""
    return [tuple(px[c] * px[3] / 255 + 128 * (1 - px[3] / 255) for c in range(3))
            for px in im.getdata()]


def mean(pixels) -> tuple[float, float, float]:
    n = len(pixels)
    return tuple(sum(p[c] for p in pixels) / n for c in range(3))


def mean_error(a: Image.Image, b: Image.Image) -> float:
    """The largest per-channel difference of the two pictures' mean colours."""
    return max(abs(x - y) for x, y in zip(mean(on_grey(a)), mean(on_grey(b))))


def pixel_error(a: Image.Image, b: Image.Image) -> float:
    """The mean absolute difference per pixel and channel."""
    pa, pb = on_grey(a), on_grey(b)
    return sum(abs(p[c] - q[c]) for p, q in zip(pa, pb) for c in range(3)) / (3 * len(pa))


def reference(path, size) -> Image.Image:
    """The original upright, downscaled to `size` and blurred (premultiplied, so the colour of
    transparent pixels does not bleed)."""
    small = upright_rgba(path).convert("RGBa").resize(size, Image.BOX)
    return small.filter(ImageFilter.GaussianBlur(max(1, size[0] // 8))).convert("RGBA")


@pytest.mark.parametrize("name", list(IMAGES))
def test_placeholder_decodes_close_to_the_original(jobs, name):
    job = jobs[name]
    ph = job["placeholder"]
    assert set(ph) == {"thumbhash", "dominantColor"}
    decoded = placeholder_image(job)
    ref = reference(IMAGES[name], decoded.size)
    assert mean_error(decoded, ref) < MEAN_BOUND, (name, mean_error(decoded, ref))
    error = pixel_error(decoded, ref)
    assert error < PIXEL_BOUND, (name, error)

    upright = upright_rgba(IMAGES[name]).size
    ratio = approximate_aspect_ratio(from_base64url(ph["thumbhash"]))
    # lx/ly are whole numbers up to 7: the ratio is kept to within one step of them.
    assert abs(ratio - upright[0] / upright[1]) <= 0.35 * max(1, upright[0] / upright[1]), (
        name, ratio, upright)


def test_a_different_pictures_placeholder_fails_the_bound(jobs):
    # The check above can fail: the flowers' placeholder against the photo is far off.
    decoded = placeholder_image(jobs["flowers.jpeg"])
    wrong = reference(IMAGES["photo.jpg"], decoded.size)
    assert pixel_error(decoded, wrong) >= PIXEL_BOUND
    assert mean_error(decoded, wrong) >= MEAN_BOUND


def test_rotated_image_placeholder_is_upright(jobs):
    ratio = approximate_aspect_ratio(from_base64url(jobs["rotated.jpg"]["placeholder"]["thumbhash"]))
    assert ratio < 1  # portrait, as the EXIF orientation says


@pytest.mark.parametrize("name", list(IMAGES))
def test_dominant_colour_is_a_real_colour_of_the_picture(jobs, name):
    hex_colour = jobs[name]["placeholder"]["dominantColor"]
    assert len(hex_colour) == 7 and hex_colour[0] == "#"
    colour = tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    pixels = [px[:3] for px in upright_rgba(IMAGES[name]).resize((64, 64), Image.BOX).getdata()
              if px[3] >= 128]
    near = sum(1 for p in pixels if sum((p[c] - colour[c]) ** 2 for c in range(3)) <= 48 ** 2)
    assert near >= 0.1 * len(pixels), (name, hex_colour, near / len(pixels))


def test_events_and_webhooks_carry_the_placeholder(server, jobs, receiver):
    job = jobs["photo.jpg"]
    events = sse_events(server, job["id"])
    assert events[-1]["placeholder"] == job["placeholder"]
    processed = wait_until(
        lambda: [b for b in receiver.bodies if b.get("eventName") == "ImageProcessed"
                 and b["image"]["id"] == job["id"]], "the ImageProcessed webhook")
    assert processed[0]["image"]["placeholder"] == job["placeholder"]


"""Animation: an animated GIF or WebP uploaded through the real pipeline (S3 PutObject with
`variants` metadata → worker → destination bucket) keeps every frame, each frame's delay and the
loop count in its GIF and WebP variants; its JPEG variant is the first frame. Everything is read
back with Pillow, a decoder independent of libvips:

- frame count and per-frame durations equal the original's as Pillow reads it, and so do the
  plays (GIF's NETSCAPE count is repeats, WebP's is plays: both are compared as plays);
- each output frame is the matching input frame: against Pillow's own cover resize of that
  frame (composited over white), the mean absolute error over R, G, B (0..255) is under 6 —
  measured 2026-12-05 at most 4.6 (GIF palette, lossy WebP), while rotating-squares' first
  frame against its second is 9.1 (checked too);
- over `worker.max_animation_pixels` (frames x pixels of one frame, set low here) the GIF/WebP
  variants are the first frame, with frames 1 and the note AnimationOverBudget in the job.

Inputs: animated-loop-3.gif (10 frames, 3 s and 15 s delays, loop) and rotating-squares.webp
(9 frames of 30-120 ms) from $IMGPIPE_TESTDATA/sharp-fixtures (SOURCE.md: CC BY-SA 4.0 / Apache
2.0); the over-budget animation is made here with Pillow.
"""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image, ImageChops, ImageOps, ImageStat

from helpers import TESTDATA, new_server
from pipeline_client import image_id_for, s3_client, wait_for_state

SHARP = TESTDATA / "sharp-fixtures"
BUDGET = 2_000_000  # the 10 frames of 370x285 are 1.05 Mpx; the generated 20 of 400x400, 3.2
FRAME_BOUND = 6
VARIANTS = [{"width": 64, "height": 48, "format": "gif"},
            {"width": 64, "height": 48, "format": "webp"},
            {"width": 64, "height": 48, "format": "jpeg"}]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = new_server(tmp_path_factory.mktemp("data"), roles=None,
                     env={"IMGPIPE_WORKER_MAX_ANIMATION_PIXELS": str(BUDGET)})
    srv.start()
    yield srv
    if srv.proc is not None:
        srv.stop_and_check()


def process(server, key: str, data: bytes, content_type: str) -> dict:
    s3 = s3_client(server)
    s3.put_object(Bucket="uploads", Key=key, Body=data, ContentType=content_type,
                  Metadata={"variants": json.dumps(VARIANTS)})
    job = wait_for_state(server, image_id_for(server, "uploads", key))
    assert job["state"] == "done", job
    return job


def fetch(server, variant: dict) -> Image.Image:
    body = s3_client(server).get_object(Bucket=variant["bucket"], Key=variant["key"])["Body"]
    return Image.open(io.BytesIO(body.read()))


def frames(im: Image.Image) -> list[tuple[Image.Image, int | None]]:
    """Every frame (RGB over white) with its duration in ms."""
    out = []
    for i in range(getattr(im, "n_frames", 1)):
        im.seek(i)
        im.load()
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        out.append((Image.alpha_composite(white, rgba).convert("RGB"), im.info.get("duration")))
    return out


def plays(im: Image.Image) -> int:
    """Times the animation plays (0: for ever). A GIF's loop count is repeats after the first."""
    loop = im.info.get("loop")
    if im.format == "GIF":
        return 1 if loop is None else 0 if loop == 0 else loop + 1
    return loop if loop is not None else 0


def frame_error(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


def by_format(job: dict, fmt: str) -> dict:
    return next(v for v in job["variants"] if v["format"] == fmt)


@pytest.mark.parametrize("name,content_type", [("animated-loop-3.gif", "image/gif"),
                                               ("rotating-squares.webp", "image/webp")])
def test_gif_and_webp_variants_keep_frames_delays_and_loop(server, name, content_type):
    original = Image.open(SHARP / name)
    want = frames(original)
    assert len(want) > 1
    job = process(server, f"anim/{name}", (SHARP / name).read_bytes(), content_type)
    expected = [ImageOps.fit(f, (64, 48), Image.LANCZOS) for f, _ in want]
    for fmt in ("gif", "webp"):
        v = by_format(job, fmt)
        assert v["frames"] == len(want), v
        assert "note" not in v, v
        out = fetch(server, v)
        got = frames(out)
        assert len(got) == len(want), fmt
        assert [d for _, d in got] == [d for _, d in want], fmt
        assert plays(out) == plays(original), fmt
        for i, (frame, _) in enumerate(got):
            assert frame.size == (64, 48)
            assert frame_error(frame, expected[i]) < FRAME_BOUND, (fmt, i)
    still = by_format(job, "jpeg")
    assert still["frames"] == 1
    jpeg = fetch(server, still)
    assert getattr(jpeg, "n_frames", 1) == 1
    assert frame_error(jpeg.convert("RGB"), expected[0]) < FRAME_BOUND


def test_neighbouring_frames_differ_beyond_the_bound():
    """The frame check can fail: rotating-squares' frames are not alike within FRAME_BOUND."""
    want = frames(Image.open(SHARP / "rotating-squares.webp"))
    fitted = [ImageOps.fit(f, (64, 48), Image.LANCZOS) for f, _ in want]
    assert frame_error(fitted[0], fitted[1]) > FRAME_BOUND * 1.5


def test_animation_over_budget_is_its_first_frame_and_says_so(server):
    # 20 frames of 400x400, a moving square: 3.2 Mpx, over the 2 Mpx budget.
    made = []
    for i in range(20):
        frame = Image.new("RGB", (400, 400), (30, 60, 200))
        frame.paste((250, 200, 20), (i * 15, 100, i * 15 + 100, 200))
        made.append(frame)
    buf = io.BytesIO()
    made[0].save(buf, "GIF", save_all=True, append_images=made[1:], duration=80, loop=0)
    job = process(server, "anim/over-budget.gif", buf.getvalue(), "image/gif")
    first = ImageOps.fit(made[0], (64, 48), Image.LANCZOS)
    for fmt in ("gif", "webp"):
        v = by_format(job, fmt)
        assert v["frames"] == 1, v
        assert v["note"]["code"] == "AnimationOverBudget", v
        assert "first frame" in v["note"]["message"]
        out = fetch(server, v)
        got = frames(out)
        assert len(got) == 1, fmt
        assert frame_error(got[0][0], first) < FRAME_BOUND, fmt
    assert "note" not in by_format(job, "jpeg")

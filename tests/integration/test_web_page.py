"""The upload page (GET / on the API port) in real Chromium: tests/web/upload_page.mjs drives it
with playwright-core as a user would and reports what it saw; this file starts the real server,
computes what the page must show independently (PIL reads the test corpus), and checks.

Shown: several images picked with the keyboard and one dropped each reach 100 % and show their
three variants at the right, upright sizes; a corrupt file and a too-large file show their
messages (and so does a type the pipeline does not take), and Retry works once the cause is gone
(the server restarted with a larger limit; the store refused a POST signed with old keys); the
Arabic page is right-to-left with nothing left in English; while the variants' GETs are held
back, each variant's place shows the image's placeholder (a canvas the size of the variant whose
mean colour is the original's, Pillow), with the variant hidden, and once they arrive the
variants show and the placeholders are hidden; axe-core finds no serious or critical
violation in either language, at 1280 and 375 px; the network log shows each file sent once,
straight to the S3 endpoint, and no CSP violation. Screenshots go to $IMGPIPE_ARTIFACTS (default:
a pytest temp dir), printed at the end.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from helpers import JS_DIR, REPO, TESTDATA, Raw, new_server

DRIVER = REPO / "tests" / "web" / "upload_page.mjs"
CHROMIUM = Path("/usr/bin/chromium")
RUN_TIMEOUT_S = 900

PICKED = [
    TESTDATA / "phone-photos" / "Xiaomi_Mi_9T_KeyError.jpg",  # phone JPEG, EXIF Orientation 6
    TESTDATA / "sharp-fixtures" / "alpha-premultiply-1024x768-paper.png",  # RGBA PNG
    TESTDATA / "sharp-fixtures" / "4.webp",  # lossy WebP
]
DROPPED = TESTDATA / "exif-orientation-examples" / "Landscape_6.jpg"
CORRUPT = TESTDATA / "sharp-fixtures" / "corrupt-header.jpg"
UNSUPPORTED = TESTDATA / "sharp-fixtures" / "relax.jp2"  # JPEG 2000
REFUSED = TESTDATA / "sharp-fixtures" / "Landscape_2.jpg"
ARABIC = TESTDATA / "sharp-fixtures" / "Portrait_8.jpg"
PLACEHOLDER = TESTDATA / "sharp-fixtures" / "flowers.jpeg"
LIMIT = 6 << 20
RAISED_LIMIT = 32 << 20
SIZES = [400, 200, 100]
FORMAT_WORDS = {"JPEG", "PNG", "WebP", "GIF", "TIFF", "HEIC", "AVIF", "imgpipe"}


def upright_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as im:
        return ImageOps.exif_transpose(im).size


def inside(size: tuple[int, int], box: int) -> tuple[int, int]:
    w, h = size
    scale = min(box / w, box / h)
    return round(w * scale), round(h * scale)


def template_regex(template: str) -> re.Pattern:
    """The strings.js template with every {placeholder} matching any text."""
    parts = re.split(r"\{\w+\}", template)
    return re.compile(".+?".join(re.escape(p) for p in parts), re.S)


def make_too_large(path: Path) -> Path:
    """A real JPEG between LIMIT and RAISED_LIMIT: noise does not compress."""
    side = 2400
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(path, quality=97)
    assert LIMIT < path.stat().st_size < RAISED_LIMIT, path.stat().st_size
    return path


@pytest.fixture(scope="module")
def web_server(tmp_path_factory):
    srv = new_server(tmp_path_factory.mktemp("web-data"), roles=None,
                     env={"IMGPIPE_UPLOAD_MAX_BYTES": str(LIMIT)})
    srv.start()
    # Restarts keep the ports: the open page talks to the same origins.
    srv.s3_listen, srv.api_listen = f"127.0.0.1:{srv.s3_port}", f"127.0.0.1:{srv.api_port}"
    yield srv
    if srv.proc is not None:
        srv.stop_and_check()


@pytest.fixture(scope="module")
def seen(web_server, tmp_path_factory):
    """Runs the browser scenario once; the tests below check parts of what it reports."""
    assert CHROMIUM.is_file(), "Debian's chromium is missing (scripts/install-deps.sh installs it)"
    node = shutil.which("node")
    assert node, "node is missing"
    assert (JS_DIR / "node_modules" / "playwright-core").is_dir(), "run scripts/install-deps.sh"
    work = tmp_path_factory.mktemp("web-files")
    artifacts = Path(os.environ.get("IMGPIPE_ARTIFACTS") or tmp_path_factory.mktemp("artifacts"))
    plan = {
        "api": f"http://127.0.0.1:{web_server.api_port}",
        "s3": web_server.endpoint,
        "jsDir": str(JS_DIR),
        "artifacts": str(artifacts),
        "picked": [str(p) for p in PICKED],
        "dropped": str(DROPPED),
        "corrupt": str(CORRUPT),
        "tooLarge": str(make_too_large(work / "large-scan.jpg")),
        "unsupported": str(UNSUPPORTED),
        "refused": str(REFUSED),
        "arabic": str(ARABIC),
        "placeholder": str(PLACEHOLDER),
    }
    proc = subprocess.Popen([node, str(DRIVER), json.dumps(plan)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stderr: list[str] = []
    threading.Thread(target=lambda: stderr.extend(proc.stderr), daemon=True).start()
    watchdog = threading.Timer(RUN_TIMEOUT_S, proc.kill)
    watchdog.start()
    result = None
    restarts = 0
    try:
        for line in proc.stdout:
            msg = json.loads(line)
            if msg["event"] == "restart":
                web_server.stop_and_check()
                web_server.env["IMGPIPE_UPLOAD_MAX_BYTES"] = str(RAISED_LIMIT)
                if msg.get("rotateKeys"):
                    fresh = new_server(web_server.data_dir)
                    web_server.access_key, web_server.secret_key = fresh.access_key, fresh.secret_key
                web_server.start()
                restarts += 1
                proc.stdin.write("go\n")
                proc.stdin.flush()
            elif msg["event"] == "result":
                result = msg
        rc = proc.wait()
    finally:
        watchdog.cancel()
    if rc != 0 or result is None:
        pytest.fail(f"the browser run failed (exit {rc}):\n{''.join(stderr)[-6000:]}\n"
                    f"server:\n{web_server.stderr_text()[-3000:]}")
    assert restarts == 2
    result["plan"] = plan
    result["stored"] = stored_originals(web_server)
    (artifacts / "web-run.json").write_text(json.dumps(result, indent=1, ensure_ascii=False))
    print(f"\nweb page screenshots: {', '.join(result['screenshots'])}")
    return result


def stored_originals(server) -> list[dict]:
    """Size and ETag (the MD5 of a POSTed object) of every object in the source bucket."""
    import xml.etree.ElementTree as ET
    resp = Raw(server).request("GET", "/uploads", query=[("list-type", "2")])
    assert resp.status_code == 200, resp.text
    ns = {"s3": "http://s3.amazonaws.com/doc/2006-03-01/"}
    root = ET.fromstring(resp.content)
    assert root.findtext("s3:IsTruncated", namespaces=ns) == "false"
    return [{"key": c.findtext("s3:Key", namespaces=ns),
             "size": int(c.findtext("s3:Size", namespaces=ns)),
             "etag": c.findtext("s3:ETag", namespaces=ns).strip('"')}
            for c in root.findall("s3:Contents", ns)]


def by_name(uploads: list[dict]) -> dict[str, dict]:
    return {u["name"]: u for u in uploads}


def check_done(upload: dict, expected: list[tuple[int, int]]) -> None:
    assert upload["state"] == "done", upload
    assert upload["error"] == "" and not upload["retryVisible"], upload
    assert upload["progress"] == 100, upload
    seen = upload["progressSeen"]
    attempt = seen[len(seen) - seen[::-1].index(0) - 1:] if 0 in seen else seen  # the last one
    assert attempt and attempt[-1] == 100 and attempt == sorted(attempt), seen
    got = [(v["naturalWidth"], v["naturalHeight"]) for v in upload["variants"]]
    assert [v["name"] for v in upload["variants"]] == [f"{s}x{s}" for s in SIZES], upload
    for (gw, gh), (ew, eh) in zip(got, expected, strict=True):
        # Upright: the orientation (portrait or landscape) exactly; rounding within a pixel.
        assert (gw > gh) == (ew > eh) and (gw < gh) == (ew < eh), (upload["name"], got, expected)
        assert abs(gw - ew) <= 1 and abs(gh - eh) <= 1, (upload["name"], got, expected)


def test_page_is_served_with_type_cache_and_policy(seen):
    h = seen["pageHeaders"]
    assert h["content-type"] == "text/html; charset=utf-8"
    assert h["cache-control"] == "no-cache" and h["etag"]
    s3 = seen["plan"]["s3"]
    policy = dict(d.strip().split(" ", 1) for d in h["content-security-policy"].split(";"))
    assert policy["connect-src"] == f"'self' {s3}" and policy["img-src"] == f"'self' {s3}"
    assert policy["default-src"] == "'none'" and policy["script-src"] == "'self'"


def test_picked_and_dropped_images_show_upright_variants(seen):
    uploads = by_name(seen["beforeRetry"])
    assert seen["english"] == {"lang": "en", "dir": "ltr"}
    for path in PICKED:  # picked with fit "inside": the variants keep each photo's shape
        check_done(uploads[path.name], [inside(upright_size(path), s) for s in SIZES])
    assert upright_size(PICKED[0])[0] < upright_size(PICKED[0])[1]  # the phone photo is portrait
    check_done(uploads[DROPPED.name], [(s, s) for s in SIZES])  # default options: squares


def test_variant_opens_at_full_size_with_dimensions_and_bytes(seen):
    v = seen["viewer"]
    assert (v["naturalWidth"], v["naturalHeight"]) == (400, 400)  # the dropped file's largest
    assert "400" in v["title"] and v["cardCaption"] and v["cardCaption"].split(", ")[0] in v["title"]
    assert v["closed"] and v["focusBack"]


def test_corrupt_too_large_and_unsupported_files_show_their_messages_and_retry_works(seen):
    en = seen["strings"]["en"]
    before = by_name(seen["beforeRetry"])
    corrupt = before[CORRUPT.name]
    assert corrupt["state"] == "failed" and corrupt["retryVisible"]
    assert corrupt["error"] == en["errProcessing"].replace("{reason}", en["reasonCorruptImage"])
    large_name = Path(seen["plan"]["tooLarge"]).name
    large = before[large_name]
    assert large["state"] == "failed" and large["retryVisible"]
    assert template_regex(en["errTooLarge"]).fullmatch(large["error"]), large["error"]
    assert large["progress"] == 0 and set(large["progressSeen"]) <= {0}  # refused before sending

    unsupported = before[UNSUPPORTED.name]
    assert unsupported["state"] == "failed" and unsupported["error"] == en["errUnsupported"]
    # The last outcome was said to screen readers too.
    announced = [template_regex(en[k]) for k in en if k.startswith("announce")]
    assert any(a.fullmatch(seen["announced"]) for a in announced), seen["announced"]

    after = by_name(seen["afterRetry"])
    size = Path(seen["plan"]["tooLarge"]).stat().st_size
    check_done(after[large_name], [(s, s) for s in SIZES])
    assert size > LIMIT


def test_store_refusal_is_shown_and_retry_succeeds(seen):
    en = seen["strings"]["en"]
    refused = seen["refused"]
    assert refused["state"] == "failed" and refused["retryVisible"], refused
    # The old keys are unknown to the restarted store: S3's InvalidAccessKeyId, named.
    assert refused["error"] == en["errStore"].replace("{code}", "InvalidAccessKeyId")
    check_done(seen["refusedRetried"], [(s, s) for s in SIZES])
    # Sent twice, once per click: refused, then taken (the store holds it once, checked below).
    s3 = seen["plan"]["s3"]
    posts = [r for r in seen["refusalLog"]["requests"] if r["url"].startswith(s3 + "/uploads")]
    assert [r["method"] for r in posts] == ["POST", "POST"], posts


def test_each_file_is_sent_once_straight_to_the_store(seen):
    api, s3 = seen["plan"]["api"], seen["plan"]["s3"]
    requests = seen["englishLog"]["requests"]
    assert all(r["url"].startswith((api + "/", s3 + "/")) for r in requests), requests
    assert not [r for r in requests if r.get("failed") and r["url"].startswith(s3)], requests
    to_store = [r for r in requests if r["url"].startswith(s3) and r["method"] != "GET"]
    assert all(r["method"] == "POST" and r["url"] == f"{s3}/uploads" for r in to_store), to_store
    sent = [*PICKED, DROPPED, CORRUPT, Path(seen["plan"]["tooLarge"])]  # too large: retry only
    assert len(to_store) == len(sent), to_store
    # One-to-one by size: each body is the file plus the policy's form fields.
    for body, path in zip(sorted(r["bodyBytes"] for r in to_store),
                          sorted(p.stat().st_size for p in sent)):
        assert path <= body < path + 8192, (body, path)
    presigns = [r for r in requests if r["url"] == f"{api}/upload-image"]
    assert len(presigns) == len(sent) and all(r["method"] == "POST" for r in presigns)
    to_api = [r for r in requests if r["url"].startswith(api) and r["method"] != "GET"]
    assert all(0 < r["bodyBytes"] < 4096 for r in to_api), to_api  # JSON only, never a file
    # The store holds each file once, byte for byte (the Arabic run sent two more).
    sent_all = [*sent, REFUSED, ARABIC, CORRUPT, PLACEHOLDER]  # and the placeholder run one
    assert sorted(o["etag"] for o in seen["stored"]) == sorted(
        hashlib.md5(p.read_bytes()).hexdigest() for p in sent_all), seen["stored"]
    for log in (seen["englishLog"], seen["arabicLog"]):
        assert not [e for e in log["consoleErrors"] if "Content Security Policy" in e], log
        assert log["pageErrors"] == []


def test_arabic_page_is_rtl_and_fully_translated(seen):
    strings = seen["strings"]
    assert set(strings["ar"]) == set(strings["en"])
    ar = seen["arabic"]
    assert (ar["lang"], ar["dir"]) == ("ar", "rtl")
    states = by_name(ar["uploads"])
    check_done(states[ARABIC.name], [(s, s) for s in SIZES])
    assert states[CORRUPT.name]["error"] == strings["ar"]["errProcessing"].replace(
        "{reason}", strings["ar"]["reasonCorruptImage"])
    english = [template_regex(t) for t in strings["en"].values() if len(t) > 3]
    names = {ARABIC.name, CORRUPT.name}
    for text in ar["texts"]:
        assert not any(e.fullmatch(text) for e in english), f"untranslated: {text!r}"
        for name in names:
            text = text.replace(name, "")
        latin = set(re.findall(r"[A-Za-z]{2,}", text)) - FORMAT_WORDS
        assert not latin, f"English left in {text!r}"
    assert ar["scrollWidth"] <= 375, "the phone-width page scrolls sideways"
    sw = seen["switched"]
    assert (sw["lang"], sw["dir"], sw["heading"]) == ("en", "ltr", strings["en"]["heading"])
    assert sw["firstState"] in {strings["en"]["stateFailed"],
                                strings["en"]["stateDone"].replace("{count}", "3")}
    assert sw["scrollWidth"] <= 375


def test_no_serious_accessibility_violations(seen):
    assert len(seen["axe"]) == 4
    for run in seen["axe"]:
        bad = [v for v in run["violations"] if v["impact"] in ("serious", "critical")]
        assert not bad, f"{run['label']}: {json.dumps(bad, indent=1, ensure_ascii=False)}"


def test_keyboard_focus_is_visible(seen):
    focus = seen["pickFocus"]
    assert focus["focusVisible"] and focus["outlineStyle"] != "none", focus
    assert all(Path(p).stat().st_size > 0 for p in seen["screenshots"])


def test_placeholders_show_until_each_variant_loads(seen):
    ph = seen["placeholder"]
    assert ph["heldRequests"] >= 1  # the page asked for the variants, which were held back
    with Image.open(PLACEHOLDER) as im:
        small = ImageOps.exif_transpose(im).convert("RGB").resize((32, 32), Image.BOX)
    pixels = list(small.getdata())
    original_mean = [sum(p[c] for p in pixels) / len(pixels) for c in range(3)]
    assert len(ph["whileLoading"]) == len(SIZES)
    for frame in ph["whileLoading"]:
        assert frame["hasCanvas"] and frame["canvasVisible"], frame
        assert not frame["imgComplete"] and frame["imgOpacity"] == "0", frame
        # Drawn small (at most 32 px), shown at the variant's size.
        assert max(frame["canvasSize"]) <= 32, frame
        assert [round(v) for v in frame["canvasBox"]] == [round(v) for v in frame["imgBox"]]
        # The placeholder's colour is the picture's: mean within 20 of 255 per channel.
        assert all(abs(a - b) < 20 for a, b in zip(frame["canvasMean"], original_mean)), (
            frame["canvasMean"], original_mean)
        assert frame["background"].startswith("rgb("), frame
    for frame in ph["loaded"]:
        assert frame["imgComplete"] and frame["imgOpacity"] == "1", frame
        assert not frame["canvasVisible"], frame

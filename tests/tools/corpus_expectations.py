#!/usr/bin/python3
"""Writes src/imaging/vips/corpus_expectations.tsv: what imgpipe must do with every file of the
test corpus, computed WITHOUT imgpipe's code, so the corpus test checks the engine against an
independent source.

For each file (every file under $IMGPIPE_TESTDATA except *.md and sigv4/, as the test lists them):
  1. Pillow (Debian's python3-pil) opens and fully decodes it (truncated data is an error). HEIF
     and AVIF, which Debian 12's Pillow cannot read, are read with `vipsheader` instead; libheif
     applies irot/imir itself, and the HEIF spec makes those transforms the orientation, so the EXIF
     orientation inside a HEIF is not applied again.
  2. The corpus's own libvips column (SOURCE.md, `vips avg` with Debian 12's libvips) is parsed as
     a second opinion.
  3. Limits (imgpipe defaults, DESIGN.md §6): more than 100,000,000 pixels in a frame, or more
     than 256 pages, is ImageTooLarge, whatever the decoders say (checked from the header).
  4. Where the two decoders agree, that is the outcome. Where they disagree, DECISIONS below
     picks one per file, with the reason taken from the file's row in SOURCE.md.
  5. The upright size is Pillow's size with EXIF orientation 5-8 swapping the sides, and the
     three test variants (400x400 cover jpeg, 200x200 inside webp, 100x100 contain png) follow
     the arithmetic of DESIGN.md's fit modes: cover scales by max(W/w, H/h), inside by
     min(W/w, H/h), both capped at 1 (no enlargement), sides rounded half up and at least 1,
     cover then cropped to min(box, scaled); contain's output is the box.

Usage: /usr/bin/python3 tests/tools/corpus_expectations.py > src/imaging/vips/corpus_expectations.tsv
"""

import os
import re
import subprocess
import sys
from fractions import Fraction

from PIL import Image

Image.MAX_IMAGE_PIXELS = None  # imgpipe's own limit is applied below, from the header
Image.LOAD_TRUNCATED_IMAGES = False

MAX_PIXELS = 100_000_000
MAX_PAGES = 256

# The input formats imgpipe accepts (DESIGN.md: JPEG, PNG, WebP, GIF, TIFF, HEIC/HEIF, AVIF).
ACCEPTED_PIL = {"JPEG", "PNG", "WEBP", "GIF", "TIFF", "MPO"}

# Files where Pillow and libvips disagree, or where a format/flavour imgpipe does not read is
# involved: path -> (outcome, reason). Filled in by reading each file's SOURCE.md row.
# The reasons quote or follow each file's row in SOURCE.md. README.md of the corpus: truncated or
# corrupt files "must be rejected or degrade gracefully"; bombs must be refused.
_HEADER_REFUSED = ("the header is refused before a size can be checked, so the file is refused "
                   "as corrupt rather than as too large; refused either way")
DECISIONS = {
    "imagetestsuite-jpg/754664a12e36abff7950e796c906ae39.jpg": (
        "CorruptImage", "SOF declares 17920x17993 but no scan follows (SOURCE.md: libvips "
        "'missing SOS marker'): " + _HEADER_REFUSED),
    "imagetestsuite-jpg/7e7cdf7f4ee50b308531313bbf43e0c3.jpg": (
        "CorruptImage", "SOF declares 65497x65497 in a fuzzed header (SOURCE.md: libvips "
        "'Bogus marker length'): " + _HEADER_REFUSED),
    "jpeg-decoder-tests/crashtest/max_size.jpg": (
        "CorruptImage", "dimension bomb 65535x65535: SOURCE.md 'libjpeg refuses >65500 px' "
        "while reading the header: " + _HEADER_REFUSED),
    "libjpeg-turbo/seed-corpora-bugs/mozilla_759802_CVE-2012-2806__radamsa-0.2.3-19.jpeg": (
        "CorruptImage", "CVE PoC with 148 components declaring 322 Mpx (SOURCE.md: libvips "
        "'Invalid component ID 1 in SOS'): " + _HEADER_REFUSED),
    "pillow-tests/decompression_bomb.gif": (
        "CorruptImage", "GIF frame bomb: a 65535x65535 frame on a 32x32 screen; SOURCE.md: "
        "libvips rejects it as 'no frames in GIF' (libnsgif drops the frame)"),
    "pillow-tests/broken_data_stream.png": (
        "ok", "SOURCE.md: libvips 'ok+warn: bad adaptive filter value': the damaged rows "
        "degrade gracefully (corpus README), strict Pillow refuses"),
    "pillow-tests/png_decompression_dos.png": (
        "ok", "SOURCE.md: a valid 1x1 image whose bomb is in zTXt metadata, which 'pixel decoders "
        "skip'; Pillow refuses only because it caps text-chunk memory"),
    "pillow-tests/truncated_end_chunk.png": (
        "ok", "SOURCE.md: cut inside the final chunk after the image data; libvips 'ok'"),
    "pillow-tests/truncated_image.png": (
        "ok", "SOURCE.md: truncated inside IDAT, libvips 'ok+warn: not enough data': degrades "
        "gracefully (corpus README), strict Pillow refuses"),
    "sharp-fixtures/truncated.png": (
        "ok", "SOURCE.md: first 10000 bytes of a 294x240 PNG, libvips 'ok+warn: not enough data': "
        "degrades gracefully (corpus README), strict Pillow refuses"),
    "sharp-fixtures/cielab-dagams.tiff": (
        "ok", "SOURCE.md: valid 16-bit CIELAB LZW TIFF (an unusual colour space to convert), "
        "libvips 'ok'; Debian 12's Pillow has no CIELab TIFF reader"),
}


def lenient_size(path):
    """The upright size for a file decided ok that strict Pillow refused: Pillow with truncated
    data allowed, else vipsheader."""
    Image.LOAD_TRUNCATED_IMAGES = True
    try:
        with Image.open(path) as im:
            im.load()
            w, h = im.size
        o = orientation_of(path)
        return (h, w) if o >= 5 else (w, h)
    except Exception:  # noqa: BLE001 - fall back to libvips' header
        r = subprocess.run(["vipsheader", "-f", "width", path], capture_output=True, text=True)
        r2 = subprocess.run(["vipsheader", "-f", "height", path], capture_output=True, text=True)
        o = orientation_of(path)
        w, h = int(r.stdout), int(r2.stdout)
        return (h, w) if o >= 5 else (w, h)
    finally:
        Image.LOAD_TRUNCATED_IMAGES = False


def corpus_files(root):
    out = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root)
            if rel.startswith("sigv4") or name.endswith(".md"):
                continue
            out.append(rel)
    return sorted(out)


def libvips_column(root):
    """{relative path: the SOURCE.md `vips avg` cell} for every corpus."""
    column = {}
    for corpus in sorted(os.listdir(root)):
        source = os.path.join(root, corpus, "SOURCE.md")
        if not os.path.isfile(source):
            continue
        with open(source, encoding="utf-8") as f:
            for line in f:
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                if len(cells) < 7 or not cells[0].startswith("`"):
                    continue
                name = cells[0].strip("`")
                column[os.path.join(corpus, name)] = cells[5]
    return column


def vips_says_ok(cell):
    return cell.startswith("ok")


def pil_read(path):
    """(outcome, (w, h) upright or None, detail)."""
    try:
        with Image.open(path) as im:
            fmt = im.format
            w, h = im.size
            pages = getattr(im, "n_frames", 1)
            if fmt not in ACCEPTED_PIL:
                return "UnsupportedFormat", None, "pillow: format " + str(fmt)
            if w * h > MAX_PIXELS or pages > MAX_PAGES:
                return "ImageTooLarge", None, f"pillow: {w}x{h}, {pages} pages"
            im.load()
            orientation = 1
            try:
                orientation = int(im.getexif().get(0x0112, 1))
            except Exception:  # a broken EXIF block is ignored, as decoders do
                orientation = 1
            if orientation in (5, 6, 7, 8):
                w, h = h, w
            return "ok", (w, h), f"pillow: {fmt} orientation {orientation}"
    except Image.UnidentifiedImageError:
        # Pillow could not parse the header. With the signature of a format imgpipe reads the
        # header is damaged; with none it is not an image type imgpipe accepts.
        sig = signature(path)
        if sig:
            return "CorruptImage", None, f"pillow: cannot identify a file with the {sig} signature"
        return "UnsupportedFormat", None, "pillow: cannot identify; no accepted signature"
    except Exception as e:  # noqa: BLE001 - any decoder failure is the answer
        return "CorruptImage", None, "pillow: " + type(e).__name__ + ": " + str(e)[:80]


def vipsheader_read(path):
    """For HEIF/AVIF: (outcome, (w, h), detail) from vipsheader (libheif applies irot/imir)."""
    r = subprocess.run(["vipsheader", "-f", "width", path], capture_output=True, text=True)
    r2 = subprocess.run(["vipsheader", "-f", "height", path], capture_output=True, text=True)
    if r.returncode != 0 or r2.returncode != 0:
        return "CorruptImage", None, "vipsheader: " + (r.stderr.strip().splitlines() or [""])[0][:80]
    w, h = int(r.stdout), int(r2.stdout)
    if w * h > MAX_PIXELS:
        return "ImageTooLarge", None, f"vipsheader: {w}x{h}"
    return "ok", (w, h), "vipsheader (heif: irot/imir applied by libheif)"


def signature(path):
    """The accepted format whose magic bytes the file starts with, or None."""
    with open(path, "rb") as f:
        head = f.read(12)
    if head.startswith(b"\xff\xd8"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "WebP"
    if head.startswith((b"II*\0", b"MM\0*")):
        return "TIFF"
    return None


def orientation_of(path):
    """EXIF orientation (1-8): Pillow's reading when it opens the file, else vipsheader's."""
    try:
        with Image.open(path) as im:
            value = int(im.getexif().get(0x0112, 1))
            return value if 1 <= value <= 8 else 1
    except Exception:  # noqa: BLE001 - Pillow cannot parse this header; ask libexif
        r = subprocess.run(["vipsheader", "-f", "orientation", path], capture_output=True,
                           text=True)
        try:
            value = int(r.stdout.strip())
        except ValueError:
            return 1
        return value if 1 <= value <= 8 else 1


def pnm_is_whole(data):
    """True if `data` is a whole binary PNM (P5/P6): header, then width*height*channels bytes."""
    m = re.match(rb"(P[56])\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    if not m:
        return False
    channels = 3 if m.group(1) == b"P6" else 1
    return len(data) - m.end() >= int(m.group(2)) * int(m.group(3)) * channels


def djpeg_read(path):
    """For JPEG: libjpeg-turbo's own djpeg decodes the file (at 1/8 scale: every coefficient is
    still entropy-decoded, the IDCT is smaller). Exit 0 is a clean decode, 2 a decode with
    warnings (corrupt data that libjpeg recovers from, as imgpipe and browsers accept), 1 a
    fatal error. The frame size is taken from djpeg's trace of the SOF marker."""
    r = subprocess.run(["djpeg", "-verbose", "-scale", "1/8", "-pnm", path],
                       capture_output=True)
    err = r.stderr.decode("utf-8", "replace")
    sof = re.findall(r"Start Of Frame 0x[0-9a-f]+: width=(\d+), height=(\d+)", err)
    notes = [line for line in err.splitlines()
             if re.search(r"Corrupt|Premature|Bogus|Invalid|Unsupported|[Ee]xpect|Warning|Empty"
                          r"|Not a JPEG|Maximum|Quantization|Huffman", line)]
    last = (notes[-1] if notes else (err.strip().splitlines() or [""])[-1])[:90]
    if sof:
        w, h = int(sof[0][0]), int(sof[0][1])
        if w * h > MAX_PIXELS:
            return "ImageTooLarge", None, f"djpeg: SOF {w}x{h}"
    # A fatal error after every row was written (damage after the last scan, which only
    # jpeg_finish_decompress reads) still leaves a whole image: count it as decoded.
    whole = r.returncode == 1 and sof and w and h and pnm_is_whole(r.stdout)
    if (r.returncode == 1 and not whole) or not sof:
        if "Unsupported" in last or "unsupported" in last:
            return "UnsupportedFormat", None, "djpeg: " + last
        return "CorruptImage", None, "djpeg: " + last
    if w == 0 or h == 0:
        return "CorruptImage", None, "djpeg: zero dimension"
    o = orientation_of(path)
    size = (h, w) if o >= 5 else (w, h)
    kind = ("clean" if r.returncode == 0 else "warnings: " + last if r.returncode == 2
            else "every row decoded, then: " + last)
    return "ok", size, f"djpeg {kind}; orientation {o}"


def is_heif(path):
    with open(path, "rb") as f:
        head = f.read(32)
    return len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in (
        b"heic", b"heix", b"mif1", b"msf1", b"avif", b"avis", b"hevc", b"heim", b"heis")


def round_half_up(x):
    return int(x + Fraction(1, 2)) if x >= 0 else -int(-x + Fraction(1, 2))


def scaled(size, scale):
    return tuple(max(1, round_half_up(side * scale)) for side in size)


def cover(size, box):
    w, h = size
    s = min(Fraction(1), max(Fraction(box[0], w), Fraction(box[1], h)))
    sw, sh = scaled(size, s)
    return min(box[0], sw), min(box[1], sh)


def inside(size, box):
    w, h = size
    s = min(Fraction(1), min(Fraction(box[0], w), Fraction(box[1], h)))
    return scaled(size, s)


def main():
    root = os.environ.get("IMGPIPE_TESTDATA", "/work/shared/testdata")
    vips_col = libvips_column(root)
    print("# Expected outcome of every test-corpus file through the default engine (corpus_test.cpp).")
    print("# Made by tests/tools/corpus_expectations.py (Pillow / vipsheader + SOURCE.md, not imgpipe).")
    print("# Variants: cover=400x400 cover, inside=200x200 inside, contain=100x100 contain; WxH.")
    print("path\toutcome\tupright\tcover\tinside\tcontain\tbasis")
    for rel in corpus_files(root):
        path = os.path.join(root, rel)
        if is_heif(path):
            outcome, size, detail = vipsheader_read(path)
        elif signature(path) == "JPEG":
            outcome, size, detail = djpeg_read(path)
            p_outcome, _size, p_detail = pil_read(path)
            if p_outcome != outcome:
                detail += "; strict " + p_detail
        else:
            outcome, size, detail = pil_read(path)
        vcell = vips_col.get(rel, "?")
        basis = detail
        if rel in DECISIONS:
            decided, reason = DECISIONS[rel]
            if decided != outcome:
                basis = f"decision: {reason} ({detail}; libvips: {vcell})"
                outcome = decided
                if outcome == "ok" and size is None:
                    size = lenient_size(path)
            else:
                basis = f"{detail}; {reason}"
        elif outcome in ("ok", "CorruptImage") and (outcome == "ok") != vips_says_ok(vcell):
            if outcome == "ok" and detail.startswith("djpeg"):
                # libjpeg-turbo's own decoder writes every row: damage it only warns about,
                # which the SOURCE.md run of libvips treated as fatal. Such a file degrades
                # gracefully (corpus README: "rejected or degrade gracefully").
                basis = (f"decoded by djpeg, libjpeg-turbo's reference decoder, which only warns"
                         f" ({detail}); SOURCE.md's libvips run failed: {vcell}")
            else:
                print(f"UNDECIDED: {rel}: {detail}; libvips: {vcell}", file=sys.stderr)
                basis = f"UNDECIDED {detail}; libvips: {vcell}"
        if outcome == "ok" and size is None:
            sys.exit(f"{rel}: decided ok but no decoder gave a size")
        if outcome == "ok":
            cells = [f"{size[0]}x{size[1]}", "%dx%d" % cover(size, (400, 400)),
                     "%dx%d" % inside(size, (200, 200)), "100x100"]
        else:
            cells = ["-", "-", "-", "-"]
        basis = re.sub(r"\s+", " ", basis.replace("\t", " "))
        print("\t".join([rel, outcome] + cells + [basis]))


if __name__ == "__main__":
    main()

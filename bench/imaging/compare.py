#!/usr/bin/python3
"""Compares imgpipe's decode-once resize job with the anchors of issue 4, in one run.

The job: one JPEG -> 400x400, 200x200, 100x100 cover (centre crop), JPEG q80, upright,
single-threaded. Inputs: sharp's benchmark photo (2725x2225) and a 4000x3000 phone photo with
EXIF orientation 6. Anchors:
  (a) libvips thumbnail called once per variant, in process (imaging_bench)
  (b) Pillow the seed's way: open + decode per variant, exif_transpose, ImageOps.fit, save q80
  (c) Pillow decoding once with draft() at the same floor imgpipe uses, then fit x3
  (d) ImageMagick `convert -define jpeg:size=...` making the three outputs in one command
  (e) `djpeg -scale 1/S` at the shrink imgpipe chose: the decode alone, a floor
Also: imgpipe images/s with 2 jobs on 2 threads, and peak RSS of each contender.
Run with Debian's /usr/bin/python3 (python3-pil). Writes docs/bench-imaging.png.
"""

import argparse
import io
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

from PIL import Image, ImageDraw, ImageFont, ImageOps

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TESTDATA = os.path.join(os.path.dirname(ROOT), "shared", "testdata")
FILES = [
    os.path.join(TESTDATA, "sharp-fixtures", "2569067123_aca715a2ee_o.jpg"),
    os.path.join(TESTDATA, "phone-photos", "Xiaomi_Mi_9T_KeyError.jpg"),
]
SIZES = [400, 200, 100]
SINGLE_THREAD = dict(os.environ, VIPS_CONCURRENCY="1", MAGICK_THREAD_LIMIT="1",
                     OMP_NUM_THREADS="1")


def best_ms(iterations, fn):
    """Best (and median) wall time of `iterations` runs after a warm-up. The best run is the
    one least disturbed by other processes; on a shared machine it is the fair number."""
    fn()
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return min(times), statistics.median(times)


def run_child(cmd):
    """Runs a command under /usr/bin/time; returns (wall ms, peak RSS MiB of the command)."""
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, env=SINGLE_THREAD,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = (time.perf_counter() - start) * 1000
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {proc.stderr}")
    return elapsed, int(proc.stderr.strip().splitlines()[-1]) / 1024


def child_best(iterations, cmd):
    run_child(cmd)
    results = [run_child(cmd) for _ in range(iterations)]
    times = [r[0] for r in results]
    return min(times), statistics.median(times), max(r[1] for r in results)


def bench_native(binary, only, iterations):
    out = subprocess.run([binary, "--iterations", str(iterations), "--only", only] + FILES,
                         env=SINGLE_THREAD, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def cover_floor(width, height):
    """The decode floor of the 400x400 cover variant, in stored orientation."""
    scale = 400 / min(width, height)
    return math.ceil(width * scale), math.ceil(height * scale)


def pillow_seed_way(data):
    for side in SIZES:
        img = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
        out = ImageOps.fit(img, (side, side))
        out.convert("RGB").save(io.BytesIO(), "JPEG", quality=80)


def pillow_draft(data):
    img = Image.open(io.BytesIO(data))
    img.draft("RGB", cover_floor(*img.size))
    img = ImageOps.exif_transpose(img)
    for side in SIZES:
        ImageOps.fit(img, (side, side)).convert("RGB").save(io.BytesIO(), "JPEG", quality=80)


def imagemagick_cmd(path, outdir):
    with Image.open(path) as img:
        fw, fh = cover_floor(*img.size)
    cmd = ["/usr/bin/convert", "-limit", "thread", "1", "-define", f"jpeg:size={fw}x{fh}", path,
           "-auto-orient", "-strip", "-quality", "80"]
    for side in SIZES[:-1]:
        cmd += ["(", "+clone", "-resize", f"{side}x{side}^", "-gravity", "center", "-extent",
                f"{side}x{side}", "-write", os.path.join(outdir, f"{side}.jpg"), "+delete", ")"]
    side = SIZES[-1]
    cmd += ["-resize", f"{side}x{side}^", "-gravity", "center", "-extent", f"{side}x{side}",
            os.path.join(outdir, f"{side}.jpg")]
    return cmd


def draw_chart(rows, chart_path):
    methods = ["imgpipe", "(a) vips thumbnail x3", "(b) Pillow seed way", "(c) Pillow draft",
               "(d) ImageMagick", "(e) djpeg floor"]
    colours = ["#2a9d8f", "#457b9d", "#e63946", "#f4a261", "#8d6e63", "#999999"]
    width, bar_h, gap = 1000, 22, 34
    height = 70 + len(FILES) * (len(methods) * bar_h + gap)
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default()
    draw.text((20, 15), "imgpipe resize job: 400/200/100 cover JPEG q80, single thread "
              "(best ms per image, lower is better)", fill="black", font=font)
    longest = max(r["ms"] for r in rows)
    y = 45
    for image_path in FILES:
        draw.text((20, y), os.path.basename(image_path), fill="black", font=font)
        y += 16
        for method, colour in zip(methods, colours):
            row = next(r for r in rows if r["file"] == image_path and r["method"] == method)
            length = int((width - 330) * row["ms"] / longest)
            draw.text((20, y + 5), method, fill="black", font=font)
            draw.rectangle([200, y + 2, 200 + max(length, 1), y + bar_h - 4], fill=colour)
            draw.text((206 + length, y + 5), f"{row['ms']:.1f} ms", fill="black", font=font)
            y += bar_h
        y += gap - 16
    img.save(chart_path, format="PNG")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", required=True, help="path to the imaging_bench binary")
    parser.add_argument("--iterations", type=int, default=15)
    parser.add_argument("--chart", default=os.path.join(ROOT, "docs", "bench-imaging.png"))
    args = parser.parse_args()
    n = args.iterations
    chart = os.path.abspath(args.chart)
    if not chart.endswith(".png") or chart.startswith(os.path.realpath(TESTDATA)):
        parser.error("--chart must be a .png path outside the test data")

    native = bench_native(args.bench, "imgpipe", n)
    imgpipe = {r["file"]: r for r in native if r["method"] == "imgpipe"}
    rss = {"imgpipe": next(r["peak_rss_mib"] for r in native if r["method"] == "peak_rss")}
    thumb_runs = bench_native(args.bench, "thumbnail", n)
    thumb = {r["file"]: r for r in thumb_runs if r["method"] == "vips_thumbnail_x3"}
    rss["(a) vips thumbnail x3"] = next(
        r["peak_rss_mib"] for r in thumb_runs if r["method"] == "peak_rss")
    threads = {r["file"]: r for r in bench_native(args.bench, "threads", n)
               if r["method"] == "imgpipe_2threads"}

    rows = []
    pillow_rss = 0
    im_rss = djpeg_rss = 0
    with tempfile.TemporaryDirectory() as outdir:
        for path in FILES:
            with open(path, "rb") as f:
                data = f.read()
            shrink = imgpipe[path]["shrink"]
            results = {
                "imgpipe": (imgpipe[path]["min_ms"], imgpipe[path]["median_ms"]),
                "(a) vips thumbnail x3": (thumb[path]["min_ms"], thumb[path]["median_ms"]),
                "(b) Pillow seed way": best_ms(max(3, n // 3), lambda: pillow_seed_way(data)),
                "(c) Pillow draft": best_ms(n, lambda: pillow_draft(data)),
            }
            pillow_rss = max(pillow_rss, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
            best, median, im_rss_one = child_best(max(3, n // 2), imagemagick_cmd(path, outdir))
            results["(d) ImageMagick"] = (best, median)
            im_rss = max(im_rss, im_rss_one)
            best, median, djpeg_rss_one = child_best(
                n, ["/usr/bin/djpeg", "-scale", f"1/{shrink}", "-outfile", os.devnull, path])
            results["(e) djpeg floor"] = (best, median)
            djpeg_rss = max(djpeg_rss, djpeg_rss_one)
            for method, (best, median) in results.items():
                rows.append({"file": path, "method": method, "ms": best, "median": median})
    rss["(b)+(c) Pillow"] = pillow_rss
    rss["(d) ImageMagick"] = im_rss
    rss["(e) djpeg"] = djpeg_rss

    targets = {"(a) vips thumbnail x3": ("speed-up >= 2.5x", lambda r: r >= 2.5),
               "(b) Pillow seed way": ("speed-up >= 10x", lambda r: r >= 10),
               "(c) Pillow draft": ("speed-up >= 1.5x", lambda r: r >= 1.5),
               "(d) ImageMagick": ("(no target)", None),
               "(e) djpeg floor": ("imgpipe <= 1.5x floor", lambda r: r >= 1 / 1.5)}
    load = os.getloadavg()[0]
    print(f"single thread, best of {n} runs (Pillow seed way: {max(3, n // 3)}), median in "
          f"brackets; speed-up = contender best / imgpipe best; load average {load:.1f} on "
          f"{os.cpu_count()} CPUs")
    all_met = True
    for path in FILES:
        info = imgpipe[path]
        print(f"\n{os.path.basename(path)}  {info['source'][0]}x{info['source'][1]}  "
              f"imgpipe decode shrink 1/{info['shrink']} -> {info['decoded'][0]}x"
              f"{info['decoded'][1]}")
        print(f"  {'method':<24}{'best ms':>10}{'(median)':>10}{'speed-up':>10}  target")
        base = next(r["ms"] for r in rows if r["file"] == path and r["method"] == "imgpipe")
        for row in (r for r in rows if r["file"] == path):
            ratio = row["ms"] / base
            if row["method"] == "imgpipe":
                print(f"  {row['method']:<24}{row['ms']:>10.1f}{row['median']:>10.1f}{'1.00x':>10}")
                continue
            label, check = targets[row["method"]]
            verdict = "" if check is None else ("met" if check(ratio) else "NOT MET")
            all_met = all_met and (check is None or check(ratio))
            extra = f" (imgpipe = {1 / ratio:.2f}x floor)" if "djpeg" in row["method"] else ""
            print(f"  {row['method']:<24}{row['ms']:>10.1f}{row['median']:>10.1f}{ratio:>9.2f}x  "
                  f"{label} {verdict}{extra}")
        print(f"  imgpipe, 2 jobs on 2 threads: {threads[path]['images_per_s']:.1f} images/s "
              f"(single thread: {1000 / base:.1f} images/s)")
    print("\npeak RSS (MiB): " + ", ".join(f"{k} {v:.0f}" for k, v in rss.items()))
    draw_chart(rows, chart)
    print(f"chart: {os.path.relpath(chart, os.getcwd())}")
    print("all targets met" if all_met else "some targets NOT met")


if __name__ == "__main__":
    sys.exit(main())

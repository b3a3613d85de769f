#!/usr/bin/python3
"""Compares imgpipe's decode-once resize job with the anchors of issue 4, in one run.

The job: one JPEG -> 400x400, 200x200, 100x100 cover (centre crop), JPEG q80, upright,
single-threaded. Inputs: sharp's benchmark photo (2725x2225) and a 4000x3000 phone photo with
EXIF orientation 6. Anchors:
  (a) libvips thumbnail called once per variant (imaging_bench, a process apart from imgpipe)
  (b) Pillow the seed's way: open + decode per variant, exif_transpose, ImageOps.fit, save q80
  (c) Pillow decoding once with draft() at the same floor imgpipe uses, then fit x3
  (d) ImageMagick `convert -define jpeg:size=...` making the three outputs in one command
  (e) `djpeg -scale 1/S` at the shrink imgpipe chose: the decode alone, a floor (minus the
      start-up cost of djpeg, measured on an 8x8 JPEG)
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
# The test corpus: $IMGPIPE_TESTDATA, default ../shared/testdata beside the repository.
TESTDATA = os.environ.get("IMGPIPE_TESTDATA") or os.path.join(os.path.dirname(ROOT), "shared",
                                                               "testdata")
FILES = [
    os.path.join(TESTDATA, "sharp-fixtures", "2569067123_aca715a2ee_o.jpg"),
    os.path.join(TESTDATA, "phone-photos", "Xiaomi_Mi_9T_KeyError.jpg"),
]
TINY_JPEG = os.path.join(TESTDATA, "jpeg-decoder-tests", "reftest", "mozilla", "jpg-size-8x8.jpg")
SIZES = [400, 200, 100]
SINGLE_THREAD = dict(os.environ, VIPS_CONCURRENCY="1", MAGICK_THREAD_LIMIT="1",
                     OMP_NUM_THREADS="1")


def run_child(cmd):
    """Runs a command under /usr/bin/time; returns (wall ms, peak RSS MiB of the command)."""
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, env=SINGLE_THREAD,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = (time.perf_counter() - start) * 1000
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {proc.stderr}")
    return elapsed, int(proc.stderr.strip().splitlines()[-1]) / 1024



def bench_native(binary, only, iterations):
    # Under /usr/bin/time so the child does not inherit this (large) process' peak RSS, which
    # Linux carries across fork + exec.
    out = subprocess.run(["/usr/bin/time", "-f", "%M", binary, "--iterations", str(iterations),
                          "--only", only] + FILES,
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
              "(best ms per image, log scale, lower is better)", fill="black", font=font)
    low, high = math.log10(5), math.log10(max(r["ms"] for r in rows) * 1.2)
    y = 45
    for image_path in FILES:
        draw.text((20, y), os.path.basename(image_path), fill="black", font=font)
        y += 16
        for method, colour in zip(methods, colours):
            row = next(r for r in rows if r["file"] == image_path and r["method"] == method)
            base = next(r["ms"] for r in rows if r["file"] == image_path and
                        r["method"] == "imgpipe")
            scaled = (math.log10(max(row["ms"], 5)) - low) / (high - low)
            length = int((width - 360) * scaled)
            draw.text((20, y + 5), method, fill="black", font=font)
            draw.rectangle([200, y + 2, 200 + max(length, 1), y + bar_h - 4], fill=colour)
            label = f"{row['ms']:.1f} ms"
            if method != "imgpipe":
                label += f"  ({row['ms'] / base:.2f}x imgpipe)"
            draw.text((206 + length, y + 5), label, fill="black", font=font)
            y += bar_h
        y += gap - 16
    img.save(chart_path, format="PNG")


class NativeBench:
    """imaging_bench --serve: imgpipe and the libvips thumbnail anchor, one run per request."""

    def __init__(self, binary):
        self.proc = subprocess.Popen([binary, "--serve"], env=SINGLE_THREAD, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def run(self, method, path):
        self.proc.stdin.write(f"{method} {path}\n")
        self.proc.stdin.flush()
        reply = json.loads(self.proc.stdout.readline())
        if "error" in reply:
            raise RuntimeError(f"{method} {path}: {reply['error']}")
        return reply

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


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
    missing = [p for p in FILES + [TINY_JPEG] if not os.path.isfile(p)]
    if missing:
        sys.exit(f"compare.py: test corpus file not found: {missing[0]}; "
                 "set IMGPIPE_TESTDATA to a copy of shared/testdata")

    native = NativeBench(args.bench)
    # The anchor gets a process of its own: glibc's malloc tunes its mmap threshold to what a
    # process has freed, so in a shared process each contender's page faults (and speed)
    # depended on the other's allocations (thumbnail x3 ran 50 -> 63 ms next to imgpipe).
    anchor = NativeBench(args.bench)
    rows = []
    info = {}
    child_rss = {"(d) ImageMagick": 0.0, "(e) djpeg": 0.0}
    with tempfile.TemporaryDirectory() as outdir:
        for path in FILES:
            with open(path, "rb") as f:
                data = f.read()
            info[path] = native.run("imgpipe", path)  # also the warm-up
            shrink = info[path]["shrink"]
            im_cmd = imagemagick_cmd(path, outdir)
            djpeg_cmd = ["/usr/bin/djpeg", "-scale", f"1/{shrink}", "-outfile", os.devnull, path]
            # The cost of starting djpeg at all (fork, exec, dynamic linking) on a 8x8 JPEG: it
            # is subtracted from the floor, which is about decoding.
            spawn_cmd = ["/usr/bin/djpeg", "-outfile", os.devnull, TINY_JPEG]

            def timed(fn):
                start = time.perf_counter()
                fn()
                return (time.perf_counter() - start) * 1000

            def child(name, cmd):
                ms, rss = run_child(cmd)
                child_rss[name] = max(child_rss[name], rss)
                return ms

            contenders = {
                "imgpipe": lambda: native.run("imgpipe", path)["ms"],
                "(a) vips thumbnail x3": lambda: anchor.run("thumbnail", path)["ms"],
                "(b) Pillow seed way": lambda: timed(lambda: pillow_seed_way(data)),
                "(c) Pillow draft": lambda: timed(lambda: pillow_draft(data)),
                "(d) ImageMagick": lambda: child("(d) ImageMagick", im_cmd),
                "(e) djpeg floor": lambda: child("(e) djpeg", djpeg_cmd),
                "djpeg start-up": lambda: child("(e) djpeg", spawn_cmd),
            }
            # Slow contenders run every third round only; every contender is warmed up once.
            slow = {"(b) Pillow seed way", "(d) ImageMagick"}
            times = {name: [] for name in contenders}
            for fn in contenders.values():
                fn()
            names = list(contenders)
            for i in range(n):
                # Interleaved, rotating the order: load changes hit every contender alike.
                for name in names[i % len(names):] + names[:i % len(names)]:
                    if name in slow and i % 3 != 0:
                        continue
                    times[name].append(contenders[name]())
            spawn = times.pop("djpeg start-up")
            times["(e) djpeg floor"] = [t - min(spawn) for t in times["(e) djpeg floor"]]
            info[path]["spawn_ms"] = min(spawn)
            for name, values in times.items():
                rows.append({"file": path, "method": name, "ms": min(values),
                             "median": statistics.median(values), "runs": len(values)})
    native.close()
    anchor.close()

    rss = {"(b)+(c) Pillow (whole python3)": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    rss.update(child_rss)
    for only, label in (("imgpipe", "imgpipe"), ("thumbnail", "(a) vips thumbnail x3")):
        runs = bench_native(args.bench, only, 3)
        rss[label] = next(r["peak_rss_mib"] for r in runs if r["method"] == "peak_rss")
    threads = {r["file"]: r for r in bench_native(args.bench, "threads", n)
               if r["method"] == "imgpipe_2threads"}

    targets = {"(a) vips thumbnail x3": ("speed-up >= 2.5x", lambda r: r >= 2.5),
               "(b) Pillow seed way": ("speed-up >= 10x", lambda r: r >= 10),
               "(c) Pillow draft": ("speed-up >= 1.5x", lambda r: r >= 1.5),
               "(d) ImageMagick": ("(no target)", None),
               "(e) djpeg floor": ("imgpipe <= 1.5x floor", lambda r: r >= 1 / 1.5)}
    load = os.getloadavg()[0]
    print(f"single thread, interleaved runs, best of {n} (Pillow seed way and ImageMagick: "
          f"{len(range(0, n, 3))}), median in brackets; speed-up = contender best / imgpipe "
          f"best; load average {load:.1f} on {os.cpu_count()} CPUs")
    all_met = True
    for path in FILES:
        i = info[path]
        print(f"\n{os.path.basename(path)}  {i['source'][0]}x{i['source'][1]}  "
              f"imgpipe decode shrink 1/{i['shrink']} -> {i['decoded'][0]}x{i['decoded'][1]}")
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
            extra = (f" (imgpipe = {1 / ratio:.2f}x floor; djpeg start-up "
                     f"{i['spawn_ms']:.1f} ms subtracted)") if "djpeg" in row["method"] else ""
            print(f"  {row['method']:<24}{row['ms']:>10.1f}{row['median']:>10.1f}{ratio:>9.2f}x  "
                  f"{label} {verdict}{extra}")
        print(f"  imgpipe, 2 jobs on 2 threads: {threads[path]['images_per_s']:.1f} images/s "
              f"(single thread, best run: {1000 / base:.1f} images/s)")
    print("\npeak RSS (MiB): " + ", ".join(f"{k} {v:.0f}" for k, v in rss.items()))
    draw_chart(rows, chart)
    print(f"chart: {os.path.relpath(chart, os.getcwd())}")
    print("all targets met" if all_met else "some targets NOT met")


if __name__ == "__main__":
    sys.exit(main())

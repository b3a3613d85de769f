#!/usr/bin/python3
"""Runs clang-tidy (.clang-tidy at the root) over every translation unit of the project in a
build's compile_commands.json, two at a time, and prints the findings; exit 1 if there are any.

A TU that was clean is remembered in a cache under a hash of its preprocessed source, its compile
command, .clang-tidy and the clang-tidy version, with the checkout's own path left out (as
CCACHE_BASEDIR does for ccache), so a run after a small change re-checks only the TUs that change
touches (a header edit re-checks exactly the TUs that include it), and a clone in another folder
(CI's) reuses what this one checked. Preprocessing every TU costs a few seconds; a cold run of
clang-tidy over the tree costs many minutes. The cache is $IMGPIPE_TIDY_CACHE, by default the
folder imgpipe-tidy inside ccache's (`ccache -k cache_dir`), so a CI that keeps ccache's folder
between runs keeps this one with it; ~/.cache/imgpipe-tidy without ccache.

Usage: scripts/tidy.py BUILD_DIR [-j N] [SOURCE...]
"""

import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROJECT_DIRS = re.compile(r"^(src|tests|fuzz|bench)/")


def preprocess_command(entry):
    """The TU's compile command with -E to stdout instead of compiling to an object file."""
    args = entry["arguments"] if "arguments" in entry else shlex.split(entry["command"])
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
            continue
        if a == "-o":
            skip = True
            continue
        if a in ("-c",) or a.startswith("-MF") or a in ("-MD", "-MMD"):
            if a == "-MF":
                skip = True
            continue
        out.append(a)
    # ccache in front of the compiler (CMAKE_CXX_COMPILER_LAUNCHER) is not wanted for -E.
    if os.path.basename(out[0]) == "ccache":
        out = out[1:]
    return out + ["-E", "-P"]


def key_of(entry, salt):
    r = subprocess.run(preprocess_command(entry), cwd=entry["directory"], capture_output=True)
    if r.returncode != 0:
        return None  # let clang-tidy report it
    root = ROOT.encode()
    h = hashlib.sha256(salt)
    h.update(json.dumps(entry.get("arguments") or entry["command"]).encode().replace(root, b"@"))
    h.update(r.stdout.replace(root, b"@"))
    return h.hexdigest()


# Boost 1.74's Asio enables co_await under clang only with libc++'s <experimental/coroutine>, so
# with the compile commands of a g++/libstdc++ build, clang-tidy reads every coroutine TU (the
# server, Beast) as "no member named 'awaitable'" errors. libstdc++'s <coroutine> works with
# clang 14: say co_await is there. (Not part of the cache key: a TU it changes did not parse
# without it, so was never cached as clean.)
EXTRA_ARGS = ["--extra-arg=-DBOOST_ASIO_HAS_CO_AWAIT=1"]


def tidy(entry, build_dir):
    r = subprocess.run(["clang-tidy", "-p", build_dir, "--quiet", *EXTRA_ARGS, entry["file"]],
                       cwd=ROOT, capture_output=True, text=True, errors="replace")
    # clang-tidy prints "N warnings generated." for system headers it filters out; keep findings.
    text = "\n".join(line for line in (r.stdout + r.stderr).splitlines()
                     if not re.match(r"^\d+ warnings? (and \d+ errors? )?generated\.$", line)
                     and not line.startswith("Suppressed ")
                     and not line.startswith("Use -header-filter")).strip()
    return r.returncode == 0 and not text, text


def default_cache():
    """imgpipe-tidy inside ccache's folder (ccache's own cleanup touches only its 0-f
    subfolders), else ~/.cache/imgpipe-tidy."""
    try:
        r = subprocess.run(["ccache", "-k", "cache_dir"], capture_output=True, text=True)
        if r.returncode == 0 and r.stdout.strip():
            return os.path.join(r.stdout.strip(), "imgpipe-tidy")
    except OSError:
        pass
    return os.path.join(os.path.expanduser("~"), ".cache", "imgpipe-tidy")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build_dir")
    parser.add_argument("-j", type=int, default=2)
    parser.add_argument("files", nargs="*", help="only these sources (default: every TU)")
    opts = parser.parse_intermixed_args()
    only = {os.path.abspath(f) for f in opts.files}
    build_dir = os.path.abspath(opts.build_dir)
    with open(os.path.join(build_dir, "compile_commands.json")) as f:
        entries = [e for e in json.load(f)
                   if PROJECT_DIRS.match(os.path.relpath(os.path.join(e["directory"], e["file"]),
                                                         ROOT))
                   and (not only or os.path.abspath(os.path.join(e["directory"], e["file"])) in only)]
    cache = os.environ.get("IMGPIPE_TIDY_CACHE") or default_cache()
    os.makedirs(cache, exist_ok=True)
    with open(os.path.join(ROOT, ".clang-tidy"), "rb") as f:
        salt = f.read() + subprocess.run(["clang-tidy", "--version"], capture_output=True).stdout

    def one(entry):
        key = key_of(entry, salt)
        if key and os.path.exists(os.path.join(cache, key)):
            return entry["file"], True, "", True
        clean, text = tidy(entry, build_dir)
        if clean and key:
            open(os.path.join(cache, key), "w").close()
        return entry["file"], clean, text, False

    findings, cached = 0, 0
    # Findings are printed as each TU finishes, so a long cold run shows its progress.
    with concurrent.futures.ThreadPoolExecutor(max_workers=opts.j) as pool:
        futures = [pool.submit(one, e) for e in entries]
        for future in concurrent.futures.as_completed(futures):
            file, clean, text, hit = future.result()
            cached += hit
            if not clean:
                findings += 1
                print(f"--- {os.path.relpath(file, ROOT)}\n{text}", flush=True)
    print(f"tidy: {len(entries)} translation units, {cached} unchanged since a clean run, "
          f"{findings} with findings")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# The image engine benchmark (issue 4), one command: builds `imaging_bench` and runs
# compare.py, which times imgpipe against libvips thumbnail x3, Pillow (seed way and draft),
# ImageMagick and the djpeg decode floor in one run, prints the table with ratios and writes
# docs/bench-imaging.png.
#   bench/imaging/run.sh [--iterations N]      (BUILD_DIR=build by default)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-build}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    cmake -S . -B "$BUILD_DIR" -G Ninja -DIMGPIPE_BENCH=ON >/dev/null
fi
ninja -C "$BUILD_DIR" imaging_bench >/dev/null
exec /usr/bin/python3 bench/imaging/compare.py --bench "$BUILD_DIR/bench/imaging_bench" "$@"

#!/usr/bin/env bash
# The pipeline benchmark (issue 11), one command: end-to-end latency at light load and images/s
# at saturation for the 12 MP phone photo and the 2725x2225 photo, each as a ratio to baselines
# measured in the same run (upload alone + bare `imgpipe resize`; `imgpipe resize` on 2 threads).
# Prints a Markdown table.
#   bench/pipeline/run.sh [BUILD_DIR]     (env: ROUNDS=100 SAT_IMAGES=300, IMGPIPE_TESTDATA)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${1:-build}
[[ -x "$BUILD_DIR/src/app/imgpipe" ]] || ninja -C "$BUILD_DIR" imgpipe >/dev/null
exec /usr/bin/python3 bench/pipeline/bench.py --bin "$BUILD_DIR/src/app/imgpipe"

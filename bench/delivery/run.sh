#!/usr/bin/env bash
# Delivery benchmark (issue 17): cached variant GETs/s against nginx, on-demand first render
# against bare `imgpipe resize`, time to first variant with and without AVIF. Prints a table of
# ratios; exit 1 when a target is missed.
#   bench/delivery/run.sh [BUILD_DIR]   (env DURATION=10s CONNECTIONS=32 ROUNDS=10)
# Needs wrk, curl, nginx (Debian's nginx-light), python3 with requests.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
for tool in wrk curl /usr/sbin/nginx python3; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool is required" >&2; exit 1; }
done
exec /usr/bin/python3 "$ROOT/bench/delivery/bench.py" "$BUILD/src/app/imgpipe"

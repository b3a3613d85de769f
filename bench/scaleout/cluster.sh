#!/usr/bin/env bash
# Scale-out benchmark (issue 16), the cluster half: images/s with 2 worker processes vs 1 (queue
# in Redis), and upload -> variants latency through Ceph RGW vs the embedded store. See the
# header of cluster.py. Exit 1 when the worker ratio misses its target (>= 1.8).
#   bench/scaleout/cluster.sh [BUILD_DIR]   (env: WORKER_IMAGES=300 LATENCY_ROUNDS=20)
# Needs redis-server and the Ceph packages (scripts/install-deps.sh installs both).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${1:-build}
[[ -x "$BUILD_DIR/src/app/imgpipe" ]] || ninja -C "$BUILD_DIR" imgpipe >/dev/null
exec /usr/bin/python3 bench/scaleout/cluster.py --bin "$BUILD_DIR/src/app/imgpipe"

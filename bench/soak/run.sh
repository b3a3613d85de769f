#!/usr/bin/env bash
# The soak (issue 12), one command: hostile clients, 200 uploading browsers, kill -9 and a full
# disk against the real server; prints a Markdown table of targets, figures and verdicts.
#   bench/soak/run.sh [BUILD_DIR]     (settings: SOAK_* environment, see bench/soak/soak.py;
#                                      SOAK_WRITE_DOC=1 writes the figures into docs/RELIABILITY.md)
# The diskfull scenario mounts a tmpfs, so the soak runs as root.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${1:-build}
[[ -x "$BUILD_DIR/src/app/imgpipe" ]] || cmake --build "$BUILD_DIR" --target imgpipe >/dev/null
IMGPIPE_TESTDATA=$(scripts/check-testdata.sh) || exit 2
export IMGPIPE_TESTDATA
exec /usr/bin/python3 bench/soak/soak.py --bin "$BUILD_DIR/src/app/imgpipe"

#!/usr/bin/env bash
# S3 endpoint benchmark (not a test): PUT/GET throughput for 1 MiB and 256 MiB objects vs the
# disk's own sequential bandwidth (dd, same filesystem, same run), and the server's peak RSS
# during a 2 GiB upload vs idle. Prints a table with ratios and targets; exits 1 if a target is
# missed.
#
# Usage: bench/s3/run.sh [--bin PATH] [--data-dir DIR] [--quick] [driver options, see --help]
#   default binary: $IMGPIPE_BIN, else build/src/app/imgpipe (build it first: make build)
# Needs ~3 GiB free on the data dir's filesystem. Other load on the machine skews the numbers.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec /usr/bin/python3 bench/s3/driver.py "$@"

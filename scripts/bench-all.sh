#!/usr/bin/env bash
# `make bench`: runs every benchmark under bench/ but the soak (upload API, S3, imaging,
# pipeline, delivery, the scale-out cluster and the Redis-backed API node) one after another
# and writes docs/BENCHMARKS.md: the machine it ran on, then each benchmark's table of ratios
# against the baselines it measured in the same run, its exit status (non-zero: a target
# was missed) and its charts. A benchmark that fails is reported and the others still run.
#
#   scripts/bench-all.sh [BUILD_DIR]      (default build)
#   QUICK=1 scripts/bench-all.sh          the smallest sizes each run.sh allows: shows the
#                                         aggregation works; the numbers mean nothing
#   OUT=path.md                           another output file (default docs/BENCHMARKS.md)
# Run it on a quiet machine: other load skews every ratio.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
QUICK=${QUICK:-0}
OUT=${OUT:-docs/BENCHMARKS.md}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ninja -C "$BUILD" imgpipe >/dev/null || exit 1

# name | what it compares | command (sizes per QUICK)
chart=docs/bench-imaging.png
if [ "$QUICK" = 1 ]; then
    chart="$work/bench-imaging.png"  # a smoke run must not replace the measured chart
    api=(env DURATION=2s CONNECTIONS=4 THREADS=1 UPLOAD_MIB=8 ROUNDS=1 bench/api/run.sh "$BUILD")
    s3=(env IMGPIPE_BIN="$BUILD/src/app/imgpipe" bench/s3/run.sh --quick)
    imaging=(env BUILD_DIR="$BUILD" bench/imaging/run.sh --iterations 1 --chart "$chart")
    pipeline=(env ROUNDS=2 SAT_IMAGES=4 bench/pipeline/run.sh "$BUILD")
    delivery=(env DURATION=2s ROUNDS=2 bench/delivery/run.sh "$BUILD")
    scaleout=(env WORKER_IMAGES=4 LATENCY_ROUNDS=2 bench/scaleout/cluster.sh "$BUILD")
    redis_node=(env DURATION=2s ROUNDS=1 bench/scaleout/run.sh "$BUILD")
else
    api=(bench/api/run.sh "$BUILD")
    s3=(env IMGPIPE_BIN="$BUILD/src/app/imgpipe" bench/s3/run.sh)
    imaging=(env BUILD_DIR="$BUILD" bench/imaging/run.sh)
    pipeline=(bench/pipeline/run.sh "$BUILD")
    delivery=(bench/delivery/run.sh "$BUILD")
    scaleout=(bench/scaleout/cluster.sh "$BUILD")
    redis_node=(bench/scaleout/run.sh "$BUILD")
fi

run_bench() {  # name, command...
    local name=$1
    shift
    echo "bench: $name: $*" >&2
    local start=$SECONDS
    "$@" >"$work/$name.out" 2>"$work/$name.err"
    echo $? >"$work/$name.rc"
    echo $((SECONDS - start)) >"$work/$name.secs"
    echo "bench: $name: exit $(cat "$work/$name.rc") after $(cat "$work/$name.secs")s" >&2
}

run_bench api "${api[@]}"
run_bench s3 "${s3[@]}"
run_bench imaging "${imaging[@]}"
run_bench pipeline "${pipeline[@]}"
run_bench delivery "${delivery[@]}"
run_bench scaleout "${scaleout[@]}"
run_bench redis_node "${redis_node[@]}"

section() {  # name, title, baselines[, script under bench/ (default NAME/run.sh)]
    local name=$1 title=$2 baselines=$3 script=${4:-$1/run.sh}
    echo "## $title"
    echo
    echo "Baselines (measured in the same run): $baselines."
    echo "Command: \`bench/$script\`, exit status $(cat "$work/$name.rc"), $(cat "$work/$name.secs") s" \
        "(the table's last column says which targets were met)."
    echo
    # The pipeline benchmark prints Markdown; the others print aligned text.
    if grep -q '^|' "$work/$name.out"; then
        cat "$work/$name.out"
    else
        echo '```'
        cat "$work/$name.out"
        echo '```'
    fi
    if [ "$(cat "$work/$name.rc")" != 0 ] && [ -s "$work/$name.err" ]; then
        echo
        echo "<details><summary>stderr (last 20 lines)</summary>"
        echo
        echo '```'
        tail -20 "$work/$name.err"
        echo '```'
        echo "</details>"
    fi
    echo
}

{
    echo "# Benchmarks"
    echo
    echo "Written by \`make bench\` (scripts/bench-all.sh); do not edit by hand."
    if [ "$QUICK" = 1 ]; then
        echo
        echo "**Smoke run (\`QUICK=1\`): the smallest sizes each benchmark allows, to show the"
        echo "aggregation works. These numbers mean nothing; run \`make bench\` on a quiet machine.**"
    fi
    echo
    echo "## Machine"
    echo
    echo "| | |"
    echo "|---|---|"
    echo "| date | $(date -u +%Y-%m-%dT%H:%MZ) |"
    echo "| commit | $(git rev-parse --short HEAD 2>/dev/null || echo unknown) |"
    echo "| CPU | $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores online |"
    echo "| memory | $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) |"
    echo "| kernel | $(uname -sr) |"
    echo "| OS | $(. /etc/os-release && echo "$PRETTY_NAME") |"
    echo "| data disk | $(df -T "${TMPDIR:-/tmp}" | awk 'NR==2 {print $2}') under ${TMPDIR:-/tmp} |"
    echo "| load average at start | $(cut -d' ' -f1-3 /proc/loadavg) |"
    echo
    section api "Upload API" "PUT of the same file for POST Object throughput; targets in absolute req/s and ms"
    section s3 "S3 endpoint" "\`dd\` on the same filesystem for PUT/GET throughput; idle RSS for RSS during a large upload"
    section imaging "Image engine" "libvips thumbnail ×3, Pillow (seed way and draft), ImageMagick, djpeg decode floor"
    if [ "$QUICK" != 1 ] && [ -f "$chart" ]; then
        echo "![imaging benchmark chart](bench-imaging.png)"
        echo
    fi
    section pipeline "Pipeline" "upload alone + bare \`imgpipe resize\` (end to end); \`imgpipe resize\` on 2 threads (saturation)"
    section delivery "Delivery" "nginx serving the same file (cached GETs); bare \`imgpipe resize\` (on-demand render); the same uploads without AVIF (time to first variant)"
    section scaleout "Scale-out cluster" "1 worker process (2 processes' images/s), beside bare \`imgpipe resize\` processes (the machine's own scaling); the embedded store (latency through Ceph RGW)" scaleout/cluster.sh
    section redis_node "Scale-out API node" "the same API node with its queue and job state in SQLite (the embedded default)" scaleout/run.sh
} >"$OUT"
echo "bench: wrote $OUT" >&2

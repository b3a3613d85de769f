#!/usr/bin/env bash
# Scale-out benchmark (issue 16), the Redis half: requests per second one API node serves with
# its queue and job state in Redis (`--queue redis://…`) against the embedded default (SQLite in
# the data dir), as a ratio measured in the same run (target >= 0.9 for presign).
#   - presign: POST /upload-image (wrk, keep-alive). It signs a policy and touches no state, so
#     the ratio shows what a node pays for being attached to Redis at all (connections, the
#     pub/sub threads).
#   - status: GET /images/{id} of one uploaded image: one job-store read per request, a Redis
#     round trip instead of an SQLite read; no target, shown for what it costs.
# Both nodes (and redis-server, with AOF and appendfsync always as in the tests) run at once on
# this machine's cores; the wrk runs alternate between them, ROUNDS times each, and the medians
# are compared. Exit status 1 when the presign target is missed or any request failed.
#
#   bench/scaleout/run.sh [BUILD_DIR]   (default: build; env: DURATION=5s CONNECTIONS=32
#                                        THREADS=2 ROUNDS=3)
# Needs wrk, curl, python3, redis-server.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
BIN="$BUILD/src/app/imgpipe"
DURATION="${DURATION:-5s}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-2}"
ROUNDS="${ROUNDS:-3}"

for tool in wrk curl python3 redis-server; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool is required" >&2; exit 1; }
done
[[ -x "$BIN" ]] || { echo "run.sh: $BIN not found (build first)" >&2; exit 1; }

WORK="$(mktemp -d /tmp/imgpipe-bench-scaleout.XXXXXX)"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid"
            wait "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

REDIS_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
mkdir -p "$WORK/redis"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$WORK/redis" --appendonly yes \
    --appendfsync always --save "" --logfile "$WORK/redis/redis.log" &
PIDS+=($!)
for _ in $(seq 1 200); do
    [[ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]] && break
    sleep 0.05
done

ACCESS_KEY="AKIABENCH$(date +%s)"
SECRET_KEY="$(head -c 30 /dev/urandom | base64 | tr -d '/+=' | head -c 40)"

start_node() {  # name, queue URL → starts `serve --roles s3,api`; the API port in $WORK/<name>.port
    local name="$1" queue="$2"
    # The rate limit is per client; wrk is one client, so lift it for the run.
    IMGPIPE_ACCESS_KEY="$ACCESS_KEY" IMGPIPE_SECRET_KEY="$SECRET_KEY" \
    IMGPIPE_API_RATE_LIMIT=1000000 IMGPIPE_API_RATE_BURST=1000000 \
        "$BIN" serve --data-dir "$WORK/$name" --roles s3,api --queue "$queue" \
        --api-listen 127.0.0.1:0 --s3-listen 127.0.0.1:0 2>"$WORK/$name.log" >/dev/null &
    PIDS+=($!)
    local pid=$!
    for _ in $(seq 1 300); do
        python3 - "$WORK/$name.log" >"$WORK/$name.port" <<'PY'
import json, sys
for line in open(sys.argv[1], errors="replace"):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if isinstance(e, dict) and e.get("msg") == "listening" and e.get("role") == "api":
        print(e["port"]); break
PY
        [[ -s "$WORK/$name.port" ]] && return 0
        kill -0 "$pid" 2>/dev/null || { cat "$WORK/$name.log" >&2; exit 1; }
        sleep 0.1
    done
    echo "$name did not start" >&2
    exit 1
}

start_node embedded sqlite
start_node redis "redis://127.0.0.1:$REDIS_PORT/0"

# One uploaded image per node (no worker runs, so its job stays pending): the status target.
IMAGE="$(ls "${IMGPIPE_TESTDATA:-$ROOT/../shared/testdata}"/exif-orientation-examples/Landscape_1.jpg)"
status_url() {  # node → the URL of its image's status, once the job exists
    local api="http://127.0.0.1:$(cat "$WORK/$1.port")" answer id
    answer="$(curl -sf -X POST -H 'Content-Type: application/json' -d '{"filename":"b.jpg"}' \
        "$api/upload-image")"
    python3 - "$answer" "$IMAGE" <<'PY'
import json, sys, urllib.request, uuid
a = json.loads(sys.argv[1])
boundary = uuid.uuid4().hex
parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
         for k, v in a["fields"].items()]
parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="b.jpg"\r\n'
             'Content-Type: image/jpeg\r\n\r\n'.encode() + open(sys.argv[2], "rb").read() + b"\r\n")
body = b"".join(parts) + f"--{boundary}--\r\n".encode()
req = urllib.request.Request(a["url"], body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
assert urllib.request.urlopen(req).status == 204
PY
    id="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$answer")"
    for _ in $(seq 1 200); do
        [[ "$(curl -s -o /dev/null -w '%{http_code}' "$api/images/$id")" == 200 ]] && break
        sleep 0.05
    done
    echo "$api/images/$id"
}
EMBEDDED_STATUS="$(status_url embedded)"
REDIS_STATUS="$(status_url redis)"

measure() {  # kind, node → "rps p99_us errors"
    local kind="$1" node="$2" url script
    if [[ "$kind" == presign ]]; then
        url="http://127.0.0.1:$(cat "$WORK/$node.port")/upload-image"
        script="$ROOT/bench/api/presign.lua"
    else
        [[ "$node" == embedded ]] && url="$EMBEDDED_STATUS" || url="$REDIS_STATUS"
        script="$ROOT/bench/scaleout/status.lua"
    fi
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$script" "$url" >"$WORK/wrk.txt"
    local non2xx
    non2xx="$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\)/\1/p' "$WORK/wrk.txt")"
    sed -n 's/^RESULT requests=\([0-9]*\) duration_us=\([0-9]*\) p50_us=[0-9]* p99_us=\([0-9]*\) errors=\([0-9]*\)$/\1 \2 \3 \4/p' \
        "$WORK/wrk.txt" | { read -r reqs dur p99 errs; echo "$((reqs * 1000000 / dur)) $p99 $((errs + ${non2xx:-0}))"; }
}

RESULTS="$WORK/results.txt"
: >"$RESULTS"
for kind in presign status; do
    measure "$kind" embedded >/dev/null  # warm-up of both
    measure "$kind" redis >/dev/null
    for round in $(seq 1 "$ROUNDS"); do  # alternating, so both see the same machine state
        for node in embedded redis; do
            echo "$kind $node $(measure "$kind" "$node")" >>"$RESULTS"
        done
    done
done

python3 - "$RESULTS" "$CONNECTIONS" "$THREADS" "$DURATION" "$ROUNDS" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
conns, threads, duration, rounds = sys.argv[2:6]
def med(kind, node, col):
    return statistics.median(int(r[col]) for r in rows if r[0] == kind and r[1] == node)
def errs(kind, node):
    return sum(int(r[4]) for r in rows if r[0] == kind and r[1] == node)
print(f"imgpipe API node with Redis-backed state vs embedded (wrk -t{threads} -c{conns} "
      f"-d{duration}, median of {rounds} alternating runs; redis-server on the same cores)")
print(f"{'metric':<44} {'embedded':>10} {'redis':>10} {'ratio':>7} {'target':>7}  ok")
missed = False
for kind, target in (("presign", 0.9), ("status", None)):
    e, r = med(kind, "embedded", 2), med(kind, "redis", 2)
    ratio = r / e
    ok = "yes" if target is None or ratio >= target else "NO"
    label = "presign POST /upload-image (req/s)" if kind == "presign" else \
            "status GET /images/{id} (req/s)"
    print(f"{label:<44} {e:>10,.0f} {r:>10,.0f} {ratio:>7.2f} "
          f"{('>= ' + str(target)) if target else '':>7}  {ok}")
    pe, pr = med(kind, "embedded", 3), med(kind, "redis", 3)
    print(f"{'  p99 latency (ms)':<44} {pe / 1000:>10.2f} {pr / 1000:>10.2f}")
    print(f"{'  errors / non-200':<44} {errs(kind, 'embedded'):>10} {errs(kind, 'redis'):>10}")
    missed = missed or ok == "NO" or errs(kind, "embedded") + errs(kind, "redis") > 0
sys.exit(1 if missed else 0)
PY

#!/usr/bin/env bash
# Upload API benchmark (issue 3): presign throughput/latency with wrk on keep-alive connections
# (target >= 20,000 req/s, p99 < 10 ms on 2 cores), and POST Object upload throughput for a
# 256 MiB file as a ratio of PUT throughput in the same run (target >= 0.9). Prints a table.
#
#   bench/api/run.sh [BUILD_DIR]      (default: build; env: DURATION=10s CONNECTIONS=32
#                                      THREADS=2 UPLOAD_MIB=256 ROUNDS=3)
# Starts its own `imgpipe serve --roles s3,api` on free loopback ports with a temp data dir and
# stops it at the end. Needs wrk, curl, python3.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
BIN="$BUILD/src/app/imgpipe"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-2}"
UPLOAD_MIB="${UPLOAD_MIB:-256}"
ROUNDS="${ROUNDS:-3}"

for tool in wrk curl python3; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool is required" >&2; exit 1; }
done
[[ -x "$BIN" ]] || { echo "run.sh: $BIN not found (build first)" >&2; exit 1; }

WORK="$(mktemp -d /tmp/imgpipe-bench-api.XXXXXX)"
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID"
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

ACCESS_KEY="AKIABENCH$(date +%s)"
SECRET_KEY="$(head -c 30 /dev/urandom | base64 | tr -d '/+=' | head -c 40)"

# The rate limit is per client; wrk is one client, so lift it for the run.
IMGPIPE_ACCESS_KEY="$ACCESS_KEY" IMGPIPE_SECRET_KEY="$SECRET_KEY" \
IMGPIPE_API_RATE_LIMIT=1000000 IMGPIPE_API_RATE_BURST=1000000 \
IMGPIPE_UPLOAD_MAX_BYTES=1GiB \
    "$BIN" serve --data-dir "$WORK/data" --roles s3,api \
    --api-listen 127.0.0.1:0 --s3-listen 127.0.0.1:0 2>"$WORK/server.log" >/dev/null &
SERVER_PID=$!

port_of() {  # role → port, from the {"msg":"listening","role":...,"port":N} log line
    python3 - "$WORK/server.log" "$1" <<'PY'
import json, sys
for line in open(sys.argv[1], errors="replace"):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if isinstance(e, dict) and e.get("msg") == "listening" and e.get("role") == sys.argv[2]:
        print(e["port"]); break
PY
}
API_PORT=""; S3_PORT=""
for _ in $(seq 1 300); do
    API_PORT="$(port_of api)"; S3_PORT="$(port_of s3)"
    [[ -n "$API_PORT" && -n "$S3_PORT" ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
    sleep 0.1
done
[[ -n "$API_PORT" && -n "$S3_PORT" ]] || { echo "server did not start" >&2; exit 1; }
API="http://127.0.0.1:$API_PORT"
S3="http://127.0.0.1:$S3_PORT"

# ---- presign throughput and latency ----------------------------------------------------------
curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' \
    -d '{"filename":"warm.jpg"}' "$API/upload-image"
wrk -t"$THREADS" -c"$CONNECTIONS" -d5s -s "$ROOT/bench/api/presign.lua" "$API/upload-image" \
    >/dev/null  # warm-up
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$ROOT/bench/api/presign.lua" \
    "$API/upload-image" >"$WORK/wrk.txt"
read -r REQS DUR_US P50_US P99_US ERRS < <(sed -n 's/^RESULT requests=\([0-9]*\) duration_us=\([0-9]*\) p50_us=\([0-9]*\) p99_us=\([0-9]*\) errors=\([0-9]*\)$/\1 \2 \3 \4 \5/p' "$WORK/wrk.txt")
NON2XX="$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\)/\1/p' "$WORK/wrk.txt")"
NON2XX="${NON2XX:-0}"

# ---- POST vs PUT upload throughput -----------------------------------------------------------
FILE="$WORK/upload.bin"
head -c "$((UPLOAD_MIB << 20))" /dev/urandom >"$FILE"
SIZE="$(stat -c %s "$FILE")"

put_once() {  # → seconds
    curl -sS -o /dev/null -w '%{http_code} %{time_total}\n' \
        --aws-sigv4 "aws:amz:us-east-1:s3" --user "$ACCESS_KEY:$SECRET_KEY" \
        -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -H "Content-Type: image/jpeg" \
        -T "$FILE" "$S3/uploads/bench/put-$1.bin" | {
        read -r code secs
        [[ "$code" == 200 ]] || { echo "PUT failed: HTTP $code" >&2; exit 1; }
        echo "$secs"
    }
}

post_once() {  # presign through the API, then the browser-style multipart POST → seconds
    local answer args=()
    answer="$(curl -sf -X POST -H 'Content-Type: application/json' \
        -d "{\"filename\":\"post-$1.jpg\",\"size\":$SIZE}" "$API/upload-image")"
    while IFS= read -r -d '' field; do args+=(--form-string "$field"); done < <(
        python3 -c 'import json,sys
for k, v in json.loads(sys.argv[1])["fields"].items():
    sys.stdout.write(f"{k}={v}\0")' "$answer")
    local url
    url="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["url"])' "$answer")"
    curl -sS -o /dev/null -w '%{http_code} %{time_total}\n' "${args[@]}" -F "file=@$FILE" "$url" | {
        read -r code secs
        [[ "$code" == 204 ]] || { echo "POST failed: HTTP $code" >&2; exit 1; }
        echo "$secs"
    }
}

PUT_TIMES=(); POST_TIMES=()
for i in $(seq 1 "$ROUNDS"); do  # interleaved, so both see the same machine state
    PUT_TIMES+=("$(put_once "$i")")
    POST_TIMES+=("$(post_once "$i")")
done

python3 - "$REQS" "$DUR_US" "$P50_US" "$P99_US" "$ERRS" "$NON2XX" "$SIZE" \
    "${PUT_TIMES[*]}" "${POST_TIMES[*]}" "$CONNECTIONS" "$THREADS" <<'PY'
import statistics, sys
reqs, dur_us, p50, p99, errs, non2xx, size = map(int, sys.argv[1:8])
put = [float(x) for x in sys.argv[8].split()]
post = [float(x) for x in sys.argv[9].split()]
conns, threads = sys.argv[10], sys.argv[11]
rps = reqs / (dur_us / 1e6)
mib = size / 2**20
put_mibs = mib / statistics.median(put)
post_mibs = mib / statistics.median(post)
ratio = post_mibs / put_mibs
rows = [
    ("presign throughput (req/s)", f"{rps:,.0f}", ">= 20,000", rps >= 20000),
    ("presign latency p50 (ms)", f"{p50 / 1000:.2f}", "", True),
    ("presign latency p99 (ms)", f"{p99 / 1000:.2f}", "< 10", p99 < 10000),
    ("presign errors / non-200", f"{errs} / {non2xx}", "0 / 0", errs == 0 and non2xx == 0),
    (f"PUT {mib:.0f} MiB (MiB/s, median of {len(put)})", f"{put_mibs:,.0f}", "", True),
    (f"POST {mib:.0f} MiB (MiB/s, median of {len(post)})", f"{post_mibs:,.0f}", "", True),
    ("POST / PUT throughput", f"{ratio:.2f}", ">= 0.9", ratio >= 0.9),
]
print(f"imgpipe upload API benchmark (wrk -t{threads} -c{conns}, keep-alive)")
print(f"{'metric':<40} {'measured':>14} {'target':>10}  ok")
for name, value, target, ok in rows:
    print(f"{name:<40} {value:>14} {target:>10}  {'yes' if ok else 'NO'}")
PY

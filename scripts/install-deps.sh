#!/usr/bin/env bash
# Installs everything imgpipe needs to build, run and test on Debian 12, and nothing twice:
# Debian packages via apt-get (only those missing), JS test clients via `npm ci` from the
# committed lockfile. Safe to run on every `make run` / `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
    # build
    build-essential cmake ninja-build ccache pkg-config clang clang-format clang-tidy libclang-rt-14-dev
    # libraries
    libboost-dev libvips-dev libjpeg62-turbo-dev libsqlite3-dev libssl-dev libcurl4-openssl-dev nlohmann-json3-dev
    libpugixml-dev libhiredis-dev libcli11-dev libtomlplusplus-dev libspdlog-dev
    # tests
    libgtest-dev libgmock-dev libbenchmark-dev redis-server awscli python3-boto3 python3-pil
    python3-pytest python3-requests sqlite3 curl jq chromium imagemagick libjpeg-turbo-progs libvips-tools wrk
    # benchmarks: the delivery benchmark's baseline (bench/delivery)
    nginx-light
    # a single-node Ceph cluster (mon, memstore OSD, radosgw) as the external S3 store in tests
    ceph-mon ceph-osd radosgw ceph-common
    # operations: promtool and the Prometheus text parser, systemd-analyze, Graphviz (docs)
    prometheus python3-prometheus-client systemd graphviz
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: apt-get install ${missing[*]}"
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends \
        "${missing[@]}"
fi

# JS test clients (@aws-sdk/client-s3 and friends), pinned by tests/js/package-lock.json.
if [ -f tests/js/package-lock.json ]; then
    stamp=tests/js/node_modules/.lock-stamp
    if [ ! -f "$stamp" ] || ! cmp -s tests/js/package-lock.json "$stamp"; then
        (cd tests/js && npm ci --no-audit --no-fund --loglevel=error)
        cp tests/js/package-lock.json "$stamp"
    fi
fi

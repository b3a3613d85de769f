#!/usr/bin/env bash
# A single-node Ceph cluster for tests: one mon, one OSD on memstore and one radosgw (S3 on
# loopback), no mgr, no systemd, everything (config, data, sockets, pid and log files) under DIR.
#
#   tests/cluster/ceph-rgw.sh start DIR   # prints the S3 endpoint; writes DIR/rgw.env
#   tests/cluster/ceph-rgw.sh stop DIR    # stops the daemons by their pid files
#
# DIR/rgw.env holds RGW_ENDPOINT (http://127.0.0.1:PORT), RGW_ACCESS_KEY, RGW_SECRET_KEY and
# RGW_REGION, for gtest fixtures and pytest. Start-up order and the settings that matter (msgr2
# only with `crc secure` for clients, pool size 1, fast paxos) are from issue 16. Ports are
# picked free on 127.0.0.1 so parallel clusters do not collide. A failed start stops whatever
# it started and prints the tail of the daemon logs.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then
    echo "usage: $0 start|stop DIR" >&2
    exit 2
fi

stop_cluster() {
    # radosgw and the OSD before the mon: they talk to it while shutting down.
    local pidfile
    for pidfile in "$dir"/run/client.rgw.pid "$dir"/run/osd.*.pid "$dir"/run/mon.*.pid; do
        [ -f "$pidfile" ] || continue
        local pid
        pid=$(cat "$pidfile" 2>/dev/null || true)
        [ -n "$pid" ] || continue
        # The data is in memory and thrown away: a daemon slow to shut down (the OSD takes
        # seconds) is killed after a second.
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 20); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.05
        done
        kill -9 "$pid" 2>/dev/null || true
        rm -f "$pidfile"
    done
}

if [ "$cmd" = stop ]; then
    stop_cluster
    exit 0
fi
[ "$cmd" = start ] || { echo "unknown command: $cmd" >&2; exit 2; }

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

fail() {
    echo "ceph-rgw: $*" >&2
    for log in "$dir"/log/*.log; do
        [ -f "$log" ] && { echo "--- $log" >&2; tail -n 20 "$log" >&2; }
    done
    stop_cluster
    exit 1
}

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
mkdir -p "$dir/run" "$dir/log" "$dir/mon" "$dir/osd"
mon_port=$(free_port)
rgw_port=$(free_port)
fsid=$(python3 -c 'import uuid; print(uuid.uuid4())')
conf="$dir/ceph.conf"
access_key=imgpipe-test-access
secret_key=imgpipe-test-secret-key-0123456789

cat >"$conf" <<CONF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
mon initial members = a
public addr = 127.0.0.1
ms bind msgr1 = false
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
run dir = $dir/run
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
pid file = $dir/run/\$name.pid
keyring = $dir/keyring
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
osd objectstore = memstore
memstore device bytes = 2147483648
osd crush chooseleaf type = 0
osd data = $dir/osd
osd journal size = 0
paxos propose interval = 0.05
paxos min wait = 0.01
mon data = $dir/mon
mon cluster log file = $dir/log/cluster.log
[client]
ms mon client mode = crc secure
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw data = $dir/rgw
rgw dns name = localhost
rgw enable usage log = false
rgw thread pool size = 64
CONF

# mon
monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$dir/monmap" >/dev/null
ceph-mon -c "$conf" -i a 2>/dev/null --mkfs --monmap "$dir/monmap" >/dev/null 2>&1 || fail "ceph-mon --mkfs failed"
ceph-mon -c "$conf" -i a 2>/dev/null || fail "ceph-mon did not start"

# osd
osd_uuid=$(python3 -c 'import uuid; print(uuid.uuid4())')
osd_id=$(timeout 30 ceph -c "$conf" osd new "$osd_uuid" 2>/dev/null) || fail "ceph osd new failed"
ceph-osd -c "$conf" -i "$osd_id" 2>/dev/null --mkfs --osd-uuid "$osd_uuid" >/dev/null 2>&1 || fail "ceph-osd --mkfs failed"
ceph-osd -c "$conf" -i "$osd_id" 2>/dev/null || fail "ceph-osd did not start"

# radosgw
mkdir -p "$dir/rgw"
radosgw -c "$conf" -n client.rgw 2>/dev/null || fail "radosgw did not start"
for _ in $(seq 1 600); do
    if curl -s -o /dev/null "http://127.0.0.1:$rgw_port/"; then break; fi
    sleep 0.05
done
curl -s -o /dev/null "http://127.0.0.1:$rgw_port/" || fail "radosgw is not answering on $rgw_port"
timeout 60 radosgw-admin -c "$conf" user create --uid imgpipe-test --display-name "imgpipe test" \
    --access-key "$access_key" --secret-key "$secret_key" >/dev/null 2>&1 ||
    fail "radosgw-admin user create failed"

cat >"$dir/rgw.env" <<ENV
RGW_ENDPOINT=http://127.0.0.1:$rgw_port
RGW_ACCESS_KEY=$access_key
RGW_SECRET_KEY=$secret_key
RGW_REGION=default
ENV
echo "http://127.0.0.1:$rgw_port"

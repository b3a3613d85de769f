"""The soak scenarios, each a function that starts its own `imgpipe serve` in `workdir`, drives
it and returns a plain dict of what it measured plus a list of `failures` (targets not met, in
words). They never raise for a missed target; they raise only when the harness itself cannot run
(binary missing, tmpfs cannot be mounted, server not starting).

- attack:   normal traffic alone (baseline), then the same traffic while 500 slow or stalled
            attackers hold connections; p99 per request kind in both phases and their ratio.
- uploads:  N browsers uploading real images and verifying every variant for a duration; RSS and
            fds per minute; "flat" = last minute's max <= first minute's max x 1.2 + slack.
- kill9:    the upload soak while the server is `kill -9`ed at random moments and restarted on
            the same data dir; every acknowledged upload must end processed and verified.
- diskfull: the data dir on a 64 MiB tmpfs; uploads until the disk is full; what the server
            answers, whether anything partial is left, and whether uploads work again once
            space is freed.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from .attack_process import AttackProcess
from .http1 import Connection, multipart_form
from .procstat import ResourceSampler, flat
from .s3sign import s3sig
from .server import SoakServer
from .traffic import Traffic
from .uploads import CorpusImage, UploadSoak, load_corpus

ATTACK_RATIO_TARGET = 3.0
# Under attack the server holds one socket per attacker: bounded means at most that (plus a
# little), and at most 256 KiB of memory per attacking connection (its header and body buffers)
# plus 32 MiB for the handler threads an attack may start (each touches its stack and arena).
ATTACK_FDS_SLACK = 32
ATTACK_RSS_PER_CONN_KIB = 256
ATTACK_RSS_SLACK_MIB = 32
# "Flat" from minute 1 to the last minute (see procstat.flat).
FLAT = {"rss_factor": 1.2, "rss_slack_mib": 16, "fds_factor": 1.2, "fds_slack": 16}


def _stop(server: SoakServer, failures: list[str]) -> int | None:
    if not server.alive:
        failures.append("the server was not running at the end (crashed?)\n" + server.tail(20))
        return None
    rc = server.stop()
    if rc != 0:
        failures.append(f"exit code {rc} after SIGTERM")
    return rc


# --------------------------------------------------------------------------- attack


def attack(binary: Path, workdir: Path, *, clients: int = 200, baseline_s: float = 30,
           attack_s: float = 60, think_s: float = 1.0, mix: dict[str, int] | None = None,
           trickle_s: float = 10, source_addrs: int = 0, warmup_s: float = 5,
           after_s: float = 15,
           log=print) -> dict:
    mix = mix or {"post-trickle": 200, "post-stall": 100, "slowloris": 100, "idle": 100}
    failures: list[str] = []
    server = SoakServer(workdir / "attack-data", binary=binary, roles="api,s3")
    server.start()
    sampler = ResourceSampler(lambda: server.pid)
    sampler.start()
    traffic = Traffic(server, clients=clients, think_s=think_s)
    attackers = None
    try:
        traffic.seed()
        traffic.start()
        time.sleep(warmup_s)
        traffic.phase = "baseline"
        log(f"attack: baseline, {clients} normal clients for {baseline_s:.0f}s")
        b0 = sampler.now()
        time.sleep(baseline_s)
        b1 = sampler.now()
        # The attack phase starts with the first attacker: requests caught by the attackers'
        # arrival count too.
        traffic.phase = "attack"
        log(f"attack: starting {sum(mix.values())} attackers {mix}")
        a0 = sampler.now()
        attackers = AttackProcess(server, mix, trickle_s=trickle_s, source_addrs=source_addrs)
        attackers.start()
        ready = attackers.wait_ready(120)
        log(f"attack: {ready} attackers connected; measuring for {attack_s:.0f}s more")
        time.sleep(attack_s)
        a1 = sampler.now()
        attack_stats = attackers.stop()
        attackers = None
        # Once the attackers are gone, normal service must be back.
        traffic.phase = "after"
        log(f"attack: attackers gone; {after_s:.0f}s of normal traffic alone")
        time.sleep(after_s)
    finally:
        if attackers is not None:
            attackers.stop()
        traffic.stop()
        sampler.stop()
    rc = _stop(server, failures)
    base, under = traffic.summary("baseline"), traffic.summary("attack")
    ratios = {}
    for kind in ("GET", "PUT", "presign", "POST", "all"):
        b, a = base[kind]["p99_ms"], under[kind]["p99_ms"]
        ratios[kind] = (a / b) if a is not None and b else None
        if ratios[kind] is None or ratios[kind] > ATTACK_RATIO_TARGET:
            failures.append(f"{kind} p99 under attack {_f(a)} ms vs baseline {_f(b)} ms: "
                            f"ratio {_f(ratios[kind], 2)} (target <= {ATTACK_RATIO_TARGET})")
    for phase in ("warmup", "baseline", "attack", "after"):
        s = traffic.summary(phase)
        if s["failures"]:
            failures.append(f"{s['failures']} of {s['requests']} normal requests failed in the "
                            f"{phase} phase, e.g. {s['first_failures'][:3]}")
    n = sum(mix.values())
    rb, ra = sampler.window(b0, b1), sampler.window(a0, a1)
    if (ra["fds_max"] or 0) > (rb["fds_max"] or 0) + n + ATTACK_FDS_SLACK:
        failures.append(f"fds under attack {ra['fds_max']} > baseline {rb['fds_max']} + {n} "
                        f"attackers + {ATTACK_FDS_SLACK}")
    if (ra["rss_max_mib"] or 0) > (rb["rss_max_mib"] or 0) + n * ATTACK_RSS_PER_CONN_KIB / 1024 \
            + ATTACK_RSS_SLACK_MIB:
        failures.append(f"RSS under attack {_f(ra['rss_max_mib'])} MiB > baseline "
                        f"{_f(rb['rss_max_mib'])} MiB + {ATTACK_RSS_PER_CONN_KIB} KiB x {n} + "
                        f"{ATTACK_RSS_SLACK_MIB} MiB")
    # Service back: every kind of request served again (failures are counted above). Its p99
    # is reported, not judged: 15 s on a shared machine is too short a sample for a ratio.
    after = traffic.summary("after")
    idle_kinds = [k for k in ("GET", "PUT", "presign", "POST") if not after[k]["n"]]
    if idle_kinds:
        failures.append(f"after the attack no {idle_kinds} request was made (clients stuck)")
    if ready < sum(mix.values()):
        failures.append(f"only {ready} of {sum(mix.values())} attackers got connected")
    return {
        "scenario": "attack", "clients": clients, "think_s": think_s, "attackers": mix,
        "trickle_s": trickle_s, "source_addrs": source_addrs or sum(mix.values()),
        "baseline_s": baseline_s, "attack_s": attack_s,
        "baseline": base, "under_attack": under, "p99_ratio": ratios,
        "after_attack": after,
        "resources_baseline": rb, "resources_attack": ra,
        "attacker_stats": attack_stats, "keepalive_resends": traffic.resends,
        "server_warnings": server.warnings, "server_errors": server.errors,
        "server_exit": rc, "failures": failures,
    }


# --------------------------------------------------------------------------- uploads


def uploads(binary: Path, workdir: Path, *, clients: int = 200, duration_s: float = 300,
            log=print) -> dict:
    failures: list[str] = []
    server = SoakServer(workdir / "uploads-data", binary=binary)
    server.start()
    sampler = ResourceSampler(lambda: server.pid)
    sampler.start()
    log(f"uploads: {clients} clients for {duration_s:.0f}s")
    soak = UploadSoak(server, clients=clients, duration_s=duration_s, corpus=load_corpus())
    stats = soak.run()
    sampler.stop()
    rc = _stop(server, failures)
    s = stats.summary()
    elapsed = soak.t_end - soak.t_start
    minutes = sampler.per_minute(0, duration_s)
    # Minute 1 is the reference ("from minute 1 to minute 5"); for runs shorter than two minutes
    # the halves of the run stand in.
    if len(minutes) >= 2:
        first, last = minutes[0], minutes[-1]
    else:
        first, last = sampler.window(0, duration_s / 2), sampler.window(duration_s / 2, duration_s)
    ok_flat, why = flat(first, last, **FLAT)
    if not ok_flat:
        failures.append("RSS/fds not flat: " + why)
    if s["errors"]:
        failures.append(f"{s['errors']} errors, e.g. {s['first_errors'][:3]}")
    if s["unverified"] or s["verified"] != s["acknowledged"]:
        failures.append(f"{s['acknowledged']} uploads acknowledged but {s['verified']} verified")
    if s["acknowledged"] == 0:
        failures.append("no upload was acknowledged")
    return {"scenario": "uploads", "clients": clients, "duration_s": duration_s,
            "elapsed_s": elapsed, "stats": s,
            "uploads_per_s": s["verified"] / elapsed if elapsed else None,
            "per_minute": minutes, "flat": {"ok": ok_flat, "why": why, **FLAT},
            "server_warnings": server.warnings, "server_errors": server.errors,
            "server_exit": rc, "failures": failures}


# --------------------------------------------------------------------------- kill -9


def jobs_by_state(binary: Path, data_dir: Path) -> dict[str, int]:
    out = subprocess.run([str(binary), "jobs", "list", "--limit", "10000000", "--data-dir",
                          str(data_dir)], capture_output=True, text=True, check=True).stdout
    counts: dict[str, int] = {}
    for line in out.splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 2:
            counts[parts[1]] = counts.get(parts[1], 0) + 1
    return counts


def tmp_files(data_dir: Path) -> list[str]:
    tmp = data_dir / "tmp"
    return [os.path.join(d, f) for d, _, files in os.walk(tmp) for f in files] if tmp.exists() \
        else []


def kill9(binary: Path, workdir: Path, *, clients: int = 200, duration_s: float = 120,
          kill_every_s: tuple[float, float] = (10, 30), seed: int = 12, log=print) -> dict:
    failures: list[str] = []
    data_dir = workdir / "kill9-data"
    server = SoakServer(data_dir, binary=binary)
    server.start()
    sampler = ResourceSampler(lambda: server.pid)
    sampler.start()
    soak = UploadSoak(server, clients=clients, duration_s=duration_s, corpus=load_corpus(),
                      interruptible=True)
    kills: list[float] = []
    restart_errors: list[str] = []
    rng = random.Random(seed)

    def killer():
        t_end = time.monotonic() + duration_s - 5
        while True:
            wait = rng.uniform(*kill_every_s)
            if time.monotonic() + wait > t_end:
                return
            time.sleep(wait)
            server.kill9()
            kills.append(sampler.now())
            log(f"kill9: killed at {kills[-1]:.1f}s; restarting")
            time.sleep(rng.uniform(0, 1))
            try:
                server.start()
            except Exception as e:  # noqa: BLE001 - reported, and the soak cannot go on
                restart_errors.append(str(e)[-2000:])
                return

    log(f"kill9: {clients} clients for {duration_s:.0f}s, kill -9 every "
        f"{kill_every_s[0]:.0f}-{kill_every_s[1]:.0f}s")
    k = threading.Thread(target=killer, daemon=True)
    k.start()
    stats = soak.run()
    k.join()
    sampler.stop()
    rc = _stop(server, failures) if server.alive else None
    s = stats.summary()
    states = jobs_by_state(binary, data_dir)
    leftovers = tmp_files(data_dir)
    if restart_errors:
        failures.append(f"restart failed: {restart_errors[0]}")
    if s["errors"]:
        failures.append(f"{s['errors']} errors, e.g. {s['first_errors'][:3]}")
    if s["unverified"]:
        failures.append(f"{s['unverified']} acknowledged uploads not verified")
    not_done = {k: v for k, v in states.items() if k != "done"}
    if not_done:
        failures.append(f"jobs not done after the soak: {not_done}")
    if leftovers:
        failures.append(f"{len(leftovers)} temp files left under {data_dir}/tmp")
    if not kills:
        failures.append("no kill happened (duration too short for the kill interval)")
    return {"scenario": "kill9", "clients": clients, "duration_s": duration_s,
            "kills": len(kills), "kill_times_s": [round(t, 1) for t in kills], "stats": s,
            "jobs": states, "tmp_leftovers": len(leftovers), "server_exit": rc,
            "failures": failures}


# --------------------------------------------------------------------------- disk full


def object_files(data_dir: Path) -> int:
    root = data_dir / "objects"
    return sum(len(files) for _, _, files in os.walk(root)) if root.exists() else 0


BALLAST_BYTES = 16 << 20


class MountError(RuntimeError):
    pass


def mount_tmpfs(path: Path, size: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                         capture_output=True, text=True)
    if res.returncode != 0:
        raise MountError(f"cannot mount a {size} tmpfs on {path} (needs root / CAP_SYS_ADMIN): "
                         f"exit {res.returncode}: {res.stderr.strip()}")


def umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


def free_mib(path: Path) -> float:
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize / 2**20


def s3_error(body: bytes) -> tuple[str, str]:
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return "", body[:120].decode("latin-1")
    return root.findtext("Code") or "", root.findtext("Message") or ""


def clear_refusal(status: int, code: str) -> bool:
    """What the soak accepts as the "clear error" for a full disk: a 503 or 507 with an S3
    error code that says something (not InternalError) — the answer MinIO (507
    XMinioStorageFull) and S3 (503 SlowDown / ServiceUnavailable) give when they cannot take
    more."""
    return status in (503, 507) and code not in ("", "InternalError")


def diskfull(binary: Path, workdir: Path, *, size: str = "64m", max_attempts: int = 200,
             log=print) -> dict:
    failures: list[str] = []
    mnt = workdir / "tmpfs"
    mount_tmpfs(mnt, size)
    try:
        return _diskfull(binary, mnt, size, max_attempts, failures, log)
    finally:
        umount(mnt)


def _diskfull(binary, mnt, size, max_attempts, failures, log) -> dict:
    data_dir = mnt / "data"
    # The store refuses uploads below its free-space watermark; scaled to the small disk, so that
    # uploads are refused while the index still has room to record deletes.
    server = SoakServer(data_dir, binary=binary, roles="api,s3",
                        env={"IMGPIPE_STORE_MIN_FREE_BYTES": str(8 << 20)})
    server.start()
    corpus = [c for c in load_corpus() if len(c.data) > 500_000]
    # Once big uploads are refused, small ones squeeze into what is left, so that the last
    # writes to fail may be the index's (SQLite) rather than the object's file. No worker runs
    # here, so the bytes need not be an image.
    squeeze = CorpusImage("squeeze.jpg", os.urandom(16 * 1024))
    # Space taken from the disk beside the data dir, given back later to "free space".
    ballast = mnt / "ballast"
    ballast.write_bytes(os.urandom(BALLAST_BYTES))
    api = Connection("127.0.0.1", server.api_port, 60)
    s3 = Connection("127.0.0.1", server.s3_port, 60)
    stored: dict[str, str] = {}  # key -> sha256 of what was sent, for every 204
    refused: list[dict] = []
    attempts: list[dict] = []

    def upload(i: int, small: bool = False) -> dict:
        image = squeeze if small else corpus[i % len(corpus)]
        r = api.request("POST", "/upload-image", json.dumps({"filename": image.name}).encode(),
                        {"Content-Type": "application/json"})
        if r.status != 200:
            return {"i": i, "step": "presign", "status": r.status, "body": r.body[:200]}
        answer = json.loads(r.body)
        boundary = f"----full{i}"
        form = multipart_form(list(answer["fields"].items()), image.name,
                              answer["fields"].get("Content-Type", "image/jpeg"), image.data,
                              boundary)
        try:
            r = s3.request("POST", "/" + answer["url"].split("/", 3)[3], form,
                           {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        except OSError as e:
            s3.close()
            return {"i": i, "step": "POST", "status": None, "error": str(e),
                    "key": answer["key"]}
        out = {"i": i, "step": "POST", "status": r.status, "key": answer["key"],
               "bytes": len(image.data), "free_mib_after": round(free_mib(mnt), 1)}
        if r.status == 204:
            stored[answer["key"]] = hashlib.sha256(image.data).hexdigest()
        else:
            out["code"], out["message"] = s3_error(r.body)
        return out

    log(f"diskfull: uploading into a {size} tmpfs ({free_mib(mnt):.1f} MiB free)")
    i = 0
    while i < max_attempts and len(refused) < 4:
        a = upload(i)
        attempts.append(a)
        if a["status"] != 204:
            refused.append(a)
        i += 1
    squeezed = 0
    small_refused = 0
    while i < 2 * max_attempts and small_refused < 4:
        a = upload(i, small=True)
        attempts.append(a)
        if a["status"] != 204:
            refused.append(a)
            small_refused += 1
        else:
            squeezed += 1
        i += 1
    full_free = free_mib(mnt)
    # A plain SigV4 PutObject on the full disk too.
    body = corpus[0].data
    put_key = "full/put-when-full.jpg"
    hdrs = s3sig.sign_request("PUT", f"/uploads/{put_key}", host=server.s3_host,
                              access_key=server.access_key, secret_key=server.secret_key,
                              payload_hash=s3sig.sha256_hex(body),
                              headers={"Content-Length": str(len(body))})
    try:
        r = s3.request("PUT", f"/uploads/{put_key}", body, hdrs)
        put_when_full = {"status": r.status, "code": s3_error(r.body)[0]}
        if r.status == 200:
            stored[put_key] = hashlib.sha256(body).hexdigest()
    except OSError as e:
        s3.close()
        put_when_full = {"status": None, "error": str(e)}

    def signed(method, key=None, query=None):
        path = "/uploads" + (f"/{key}" if key else "")
        h = s3sig.sign_request(method, path, host=server.s3_host, query=query,
                               access_key=server.access_key, secret_key=server.secret_key)
        target = s3sig.uri_encode(path, True)
        if query:
            target += "?" + s3sig.canonical_query(query)
        return s3.request(method, target, b"", h)

    # Nothing partial: every acknowledged object whole, every refused one absent, the listing
    # exactly the acknowledged set, no temp file left behind.
    alive_after_full = server.alive
    corrupt, present_refused = [], []
    for key, digest in stored.items():
        r = signed("GET", key)
        if r.status != 200 or hashlib.sha256(r.body).hexdigest() != digest:
            corrupt.append((key, r.status, len(r.body)))
    for a in refused:
        if a.get("key"):
            r = signed("HEAD", a["key"])
            if r.status != 404:
                present_refused.append((a["key"], r.status))
    listing = signed("GET", query=[("list-type", "2"), ("max-keys", "1000")])
    listed = set(ET.fromstring(listing.body).iter()) if listing.status == 200 else set()
    listed_keys = {el.text for el in listed if el.tag.endswith("Key")}
    deadline = time.monotonic() + 10
    while tmp_files(data_dir) and time.monotonic() < deadline:
        time.sleep(0.1)
    leftovers = tmp_files(data_dir)

    orphans_running = object_files(data_dir) - len(listed_keys)

    # Freeing space through the API: DELETE half of what is stored, on the full disk (a store
    # that lets its disk fill up completely may not even have room left to record a delete).
    deleted: list[str] = []
    delete_refusals: list[tuple[int, str]] = []
    for key in sorted(stored)[: max(1, len(stored) // 2)]:
        r = signed("DELETE", key)
        if r.status == 204:
            deleted.append(key)
            stored.pop(key)
        else:
            delete_refusals.append((r.status, s3_error(r.body)[0]))
    freed_by_delete = free_mib(mnt)
    # Space freed from outside as well (an operator cleaning up): recovery must not depend on
    # the deletes having worked.
    ballast.unlink()
    freed_free = free_mib(mnt)
    recovery = [upload(10_000 + j) for j in range(3)]
    recovered_ok = all(a["status"] == 204 for a in recovery)
    for key, digest in stored.items():
        r = signed("GET", key)
        if r.status != 200 or hashlib.sha256(r.body).hexdigest() != digest:
            corrupt.append((key, r.status, len(r.body)))

    api.close()
    s3.close()
    # After a restart (which sweeps what a crash may leave), every file under objects/ must
    # belong to a listed object: a file whose index row never committed is leaked space.
    rc = _stop(server, failures)
    server.start()
    s3 = Connection("127.0.0.1", server.s3_port, 60)
    listing = signed("GET", query=[("list-type", "2"), ("max-keys", "1000")])
    final_keys = {el.text for el in ET.fromstring(listing.body).iter() if el.tag.endswith("Key")}
    s3.close()
    _stop(server, failures)
    orphans_after_restart = object_files(data_dir) - len(final_keys)
    if final_keys != set(stored):
        failures.append(f"after a restart the listing differs from what was acknowledged: "
                        f"missing {sorted(set(stored) - final_keys)[:3]}, "
                        f"extra {sorted(final_keys - set(stored))[:3]}")
    if orphans_after_restart:
        failures.append(f"{orphans_after_restart} object files under {data_dir}/objects belong "
                        f"to no object after a restart (leaked space)")
    first_refusal = refused[0] if refused else None
    if first_refusal is None:
        failures.append(f"no upload was refused after {max_attempts} attempts")
    elif not clear_refusal(first_refusal.get("status") or 0, first_refusal.get("code", "")):
        failures.append("full disk not refused with a clear error: got "
                        f"{first_refusal.get('status')} {first_refusal.get('code')} "
                        f"{first_refusal.get('message', first_refusal.get('error', ''))!r}")
    if not alive_after_full:
        failures.append("the server died when the disk filled up")
    if corrupt:
        failures.append(f"acknowledged objects missing or damaged: {corrupt[:5]}")
    if present_refused:
        failures.append(f"refused uploads present afterwards: {present_refused[:5]}")
    if listing.status != 200:
        failures.append(f"ListObjectsV2 on the full disk answered {listing.status}")
    unexpected = listed_keys - set(stored) - set(deleted)
    if unexpected:
        failures.append(f"listed but never acknowledged (partial objects): "
                        f"{sorted(unexpected)[:5]}")
    if leftovers:
        failures.append(f"{len(leftovers)} temp files left in {data_dir}/tmp: {leftovers[:3]}")
    if delete_refusals:
        failures.append(f"{len(delete_refusals)} of {len(delete_refusals) + len(deleted)} "
                        f"DELETEs refused on the full disk (space cannot be freed through the "
                        f"API): {sorted(set(delete_refusals))}")
    if not recovered_ok:
        failures.append(f"uploads still refused after freeing space: "
                        f"{[(a['status'], a.get('code')) for a in recovery]}")
    return {"scenario": "diskfull", "tmpfs": size, "attempts": len(attempts),
            "acknowledged_before_full": next((a["i"] for a in refused), len(attempts)),
            "small_squeezed_in": squeezed,
            "first_refusal": _brief(first_refusal), "refusals": [_brief(a) for a in refused],
            "put_when_full": put_when_full, "free_mib_when_full": round(full_free, 1),
            "free_mib_after_delete": round(freed_by_delete, 1), "deleted": len(deleted),
            "delete_refusals": delete_refusals,
            "free_mib_after_ballast": round(freed_free, 1),
            "recovery": [_brief(a) for a in recovery], "tmp_leftovers": len(leftovers),
            "orphan_files_while_running": orphans_running,
            "orphan_files_after_restart": orphans_after_restart,
            "server_alive_when_full": alive_after_full, "server_exit": rc,
            "server_errors": server.errors, "last_problems": list(server.problems)[-3:],
            "failures": failures}


def _brief(a: dict | None) -> dict | None:
    if a is None:
        return None
    return {k: (v.decode("latin-1") if isinstance(v, bytes) else v) for k, v in a.items()
            if k in ("i", "step", "status", "code", "message", "error", "free_mib_after", "body")}


def _f(v, digits: int = 1) -> str:
    return "-" if v is None else f"{v:.{digits}f}"

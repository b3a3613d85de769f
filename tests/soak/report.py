"""Turns the scenarios' result dicts into the Markdown the soak prints and writes into
docs/RELIABILITY.md (between the `soak-figures` markers). Pure functions."""

from __future__ import annotations

import datetime
import os
import platform
import re

from .scenarios import ATTACK_FDS_SLACK, ATTACK_RSS_PER_CONN_KIB, ATTACK_RSS_SLACK_MIB

BEGIN = "<!-- soak-figures:begin -->"
END = "<!-- soak-figures:end -->"



def _f(v, digits: int = 0, unit: str = "") -> str:
    if v is None:
        return "-"
    return f"{v:,.{digits}f}{unit}"


def _verdict(ok: bool) -> str:
    return "pass" if ok else "**FAIL**"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), Linux {platform.release()}"


def rows(result: dict) -> list[tuple[str, str, str, str]]:
    """(scenario, target, figure, verdict) rows for one scenario's result."""
    s = result["scenario"]
    out = []
    if s == "attack":
        n = sum(result["attackers"].values())
        b, a = result["baseline"], result["under_attack"]
        for kind in ("GET", "PUT", "presign", "POST"):
            r = result["p99_ratio"][kind]
            out.append((s, f"{kind} p99 under {n} attackers <= 3x baseline",
                        f"{_f(b[kind]['p99_ms'], 1)} -> {_f(a[kind]['p99_ms'], 1)} ms "
                        f"(x{_f(r, 2)})", _verdict(r is not None and r <= 3.0)))
        out.append((s, "no normal request fails",
                     f"{b['failures']}/{b['requests']} baseline, {a['failures']}/{a['requests']} "
                     f"under attack", _verdict(b["failures"] == 0 and a["failures"] == 0)))
        after = result.get("after_attack") or {}
        if after:
            out.append((s, "service back once the attackers leave (every kind served, 0 "
                        "failures)", f"{after['failures']}/{after['requests']} failed, p99 "
                        f"{_f(after['all']['p99_ms'], 1)} ms",
                        _verdict(after["failures"] == 0 and all(
                            after[k]["n"] for k in ("GET", "PUT", "presign", "POST")))))
        rb, ra = result["resources_baseline"], result["resources_attack"]
        fds_ok = (ra["fds_max"] or 0) <= (rb["fds_max"] or 0) + n + ATTACK_FDS_SLACK
        rss_ok = (ra["rss_max_mib"] or 0) <= (rb["rss_max_mib"] or 0) + \
            n * ATTACK_RSS_PER_CONN_KIB / 1024 + ATTACK_RSS_SLACK_MIB
        out.append((s, f"fds <= baseline + 1 per attacker + {ATTACK_FDS_SLACK}",
                    f"{rb['fds_max']} -> {ra['fds_max']}", _verdict(fds_ok)))
        out.append((s, f"RSS <= baseline + {ATTACK_RSS_PER_CONN_KIB} KiB per attacker + "
                       f"{ATTACK_RSS_SLACK_MIB} MiB",
                    f"{_f(rb['rss_max_mib'], 0)} -> {_f(ra['rss_max_mib'], 0)} MiB "
                    f"(threads {rb.get('threads_max')} -> {ra.get('threads_max')})",
                    _verdict(rss_ok)))
        closes = {k: v["server_closes"] for k, v in result["attacker_stats"].items()}
        out.append((s, "attackers closed by the server (info)",
                    ", ".join(f"{k} {v}" for k, v in closes.items()), "info"))
    elif s in ("uploads", "kill9"):
        st = result["stats"]
        label = f"{result['clients']} clients, {result['duration_s'] / 60:.1f} min"
        if s == "kill9":
            label += f", {result['kills']} x kill -9"
        out.append((s, f"every upload stored and verified ({label})",
                    f"{st['acknowledged']} acknowledged, {st['verified']} verified",
                    _verdict(st["acknowledged"] > 0 and st["verified"] == st["acknowledged"]
                             and not st["unverified"])))
        out.append((s, "0 errors", f"{st['errors']} errors"
                    + (f", {st['interrupted']} cut by a kill (not acknowledged)"
                       if s == "kill9" else ""), _verdict(st["errors"] == 0)))
        if s == "uploads":
            pm = result["per_minute"]
            out.append((s, "RSS and fds flat (last minute max <= minute-1 max x 1.2 + 16)",
                        "RSS " + " / ".join(_f(m["rss_max_mib"]) for m in pm) + " MiB; fds "
                        + " / ".join(_f(m["fds_max"]) for m in pm),
                        _verdict(result["flat"]["ok"])))
            out.append((s, "throughput (info)",
                        f"{_f(result['uploads_per_s'], 1)} uploads/s; processing p50 "
                        f"{_f(st['processing_p50_s'], 1)} s, p99 {_f(st['processing_p99_s'], 1)}"
                        f" s; POST p99 {_f(st['post_p99_ms'])} ms", "info"))
        else:
            not_done = {k: v for k, v in result["jobs"].items() if k != "done"}
            out.append((s, "every job done after restarts, no temp file left",
                        f"jobs {result['jobs']}, {result['tmp_leftovers']} temp files",
                        _verdict(not not_done and result["tmp_leftovers"] == 0)))
    elif s == "diskfull":
        fr = result["first_refusal"] or {}
        clear = not any(f.startswith(("full disk not refused", "no upload was refused"))
                        for f in result["failures"])
        out.append((s, f"full {result['tmpfs']} disk: upload refused with a clear error",
                    f"after {result['acknowledged_before_full']} uploads: {fr.get('status')} "
                    f"{fr.get('code') or ''} {fr.get('message') or fr.get('error') or ''}"
                    .strip(), _verdict(clear)))
        partial = [f for f in result["failures"] if any(k in f for k in (
            "acknowledged objects", "refused uploads present", "listed but", "temp files",
            "object files", "listing differs"))]
        out.append((s, "no partial object, no temp file left",
                    f"{result['tmp_leftovers']} temp files; " + ("; ".join(partial)[:120]
                                                                 or "listing = acknowledged"),
                    _verdict(not partial)))
        refusals = result["delete_refusals"]
        out.append((s, "DELETE works on the full disk (space can be freed through the API)",
                    f"{result['deleted']} deleted, {len(refusals)} refused "
                    + " ".join(sorted({f'{st} {c}' for st, c in refusals}))
                    + f"; {result['free_mib_when_full']} -> {result['free_mib_after_delete']}"
                      " MiB free", _verdict(not refusals)))
        rec = result["recovery"]
        out.append((s, "uploads work again once space is freed",
                    f"{result['free_mib_after_ballast']} MiB free; "
                    + ", ".join(str(r.get("status")) for r in rec),
                    _verdict(all(r.get("status") == 204 for r in rec))))
        out.append((s, "server survives the full disk",
                    f"alive {result['server_alive_when_full']}, exit {result['server_exit']}",
                    _verdict(result["server_alive_when_full"] and result["server_exit"] == 0)))
    return out


def table(results: list[dict]) -> str:
    lines = ["| scenario | target | figure | result |", "|---|---|---|---|"]
    for r in results:
        for row in rows(r):
            lines.append("| " + " | ".join(x.replace("|", "/") for x in row) + " |")
    return "\n".join(lines)


def attack_detail(result: dict) -> str:
    lines = ["| request | baseline p50 / p99 ms | under attack p50 / p99 ms | p99 ratio | "
             "failures (baseline / attack) |", "|---|---|---|---|---|"]
    for kind in ("GET", "PUT", "presign", "POST", "all"):
        b, a = result["baseline"][kind], result["under_attack"][kind]
        lines.append(f"| {kind} | {_f(b['p50_ms'], 1)} / {_f(b['p99_ms'], 1)} | "
                     f"{_f(a['p50_ms'], 1)} / {_f(a['p99_ms'], 1)} | "
                     f"{_f(result['p99_ratio'][kind], 2)} | {b['failures']} / {a['failures']} |")
    lines += ["", "| attacker | count | connections | closed by server | lifetime p50 s | "
              "server answered |", "|---|---|---|---|---|---|"]
    for kind, st in result["attacker_stats"].items():
        answers = ", ".join(f"{k} x{v}" for k, v in st["answers"].items()) or "-"
        lines.append(f"| {kind} | {st['attackers']} | {st['connects']} | {st['server_closes']} "
                     f"| {_f(st['lifetime_p50_s'], 1)} | {answers} |")
    return "\n".join(lines)


def minutes_detail(result: dict) -> str:
    lines = ["| minute | RSS max MiB | fds max | threads max |", "|---|---|---|---|"]
    for m in result["per_minute"]:
        lines.append(f"| {m['minute']} | {_f(m['rss_max_mib'], 1)} | {_f(m['fds_max'])} | "
                     f"{_f(m.get('threads_max'))} |")
    return "\n".join(lines)


def figures_markdown(results: list[dict], command: str, when: datetime.datetime,
                     revision: str) -> str:
    out = [f"Measured {when:%Y-%m-%d %H:%M} UTC on {machine()}, revision `{revision}`, with "
           f"`{command}`. The load generators run on the same machine as the server.", "",
           table(results)]
    for r in results:
        if r["scenario"] == "attack":
            addrs = r.get("source_addrs")
            out += ["", f"Attack run: {r['clients']} normal clients (think time "
                    f"{r['think_s']} s) from 127.0.0.1, {r['baseline_s']:.0f} s baseline then "
                    f"{r['attack_s']:.0f} s under attack (trickle every {r['trickle_s']:.0f} s"
                    + (f"; attackers from {addrs} other addresses" if addrs else "") + "):",
                    "", attack_detail(r)]
        if r["scenario"] == "uploads":
            out += ["", f"Upload soak, resources per minute ({r['flat']['why']}):", "",
                    minutes_detail(r)]
    failures = [(r["scenario"], f) for r in results for f in r["failures"]]
    if failures:
        out += ["", "Targets missed, in the harness's words:", ""]
        out += [f"- {s}: {f[:400]}" for s, f in failures]
    return "\n".join(out)


def write_figures(doc_path, markdown: str) -> None:
    """Replaces what lies between the soak-figures markers in `doc_path`."""
    text = doc_path.read_text()
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise ValueError(f"{doc_path} has no {BEGIN} ... {END} section")
    doc_path.write_text(pattern.sub(lambda _: f"{BEGIN}\n{markdown}\n{END}", text))

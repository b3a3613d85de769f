"""The soak (issue 12, "Hostile clients and hostile load"), one command: runs the scenarios of
tests/soak/scenarios.py against the real binary, prints a Markdown table of every target with
its figure and verdict, saves every number as JSON, and (SOAK_WRITE_DOC=1) writes the table into
docs/RELIABILITY.md between its soak-figures markers.

Exit status: 0 when every target is met, 1 when one is missed, 2 when the harness could not run.

Settings (environment; defaults are the issue's figures):
  SOAK_SCENARIOS     attack,uploads,kill9,diskfull (any subset, in this order)
  SOAK_CLIENTS       200    upload clients (uploads, kill9)
  SOAK_UPLOAD_S      300    upload soak duration
  SOAK_KILL9_S       120    kill -9 soak duration
  SOAK_KILL_EVERY    10-30  seconds between kills (uniform)
  SOAK_ATTACK_CLIENTS 200   normal clients in the attack scenario
  SOAK_ATTACKERS     500    attackers: 2/5 post-trickle, 1/5 each post-stall, slowloris, idle
  SOAK_BASELINE_S    30     normal traffic alone
  SOAK_ATTACK_S      60     the same traffic under attack
  SOAK_THINK_S       1.0    normal clients' mean pause between requests
  SOAK_TRICKLE_S     10     attackers' pause between trickled bytes
  SOAK_ATTACKER_ADDRS 0     distinct source addresses of the attackers (127.1.x.y; 0: one
                            per attacker); normal clients always use 127.0.0.1
  SOAK_TMPFS         64m    size of the tmpfs the diskfull scenario fills
  SOAK_OUT           <build>/soak   where results.json and the work dirs go
  SOAK_WRITE_DOC     0      1: write the figures into docs/RELIABILITY.md
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from soak import report, scenarios  # noqa: E402


def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def attacker_mix(total: int) -> dict[str, int]:
    trickle = total * 2 // 5
    rest = total - trickle
    stall, slow = rest // 3, rest // 3
    return {"post-trickle": trickle, "post-stall": stall, "slowloris": slow,
            "idle": rest - stall - slow}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def main() -> int:
    p = argparse.ArgumentParser(description="imgpipe soak (see the module docstring)")
    p.add_argument("--bin", type=Path, default=ROOT / "build" / "src" / "app" / "imgpipe")
    p.add_argument("--publish", type=Path, metavar="RESULTS_JSON",
                   help="run nothing: print (and with SOAK_WRITE_DOC=1 write) the figures of a "
                        "saved results.json, e.g. to merge several runs by hand")
    args = p.parse_args()
    if args.publish:
        return publish(args.publish)
    binary = args.bin.resolve()
    if not binary.is_file():
        print(f"soak: no imgpipe binary at {binary}", file=sys.stderr)
        return 2
    out_dir = Path(os.environ.get("SOAK_OUT") or binary.parents[2] / "soak").resolve()
    work = out_dir / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    wanted = os.environ.get("SOAK_SCENARIOS", "attack,uploads,kill9,diskfull").split(",")
    clients = int(env_float("SOAK_CLIENTS", 200))
    kill_lo, kill_hi = (float(x) for x in os.environ.get("SOAK_KILL_EVERY", "10-30").split("-"))
    runs = {
        "attack": lambda: scenarios.attack(
            binary, work, clients=int(env_float("SOAK_ATTACK_CLIENTS", 200)),
            baseline_s=env_float("SOAK_BASELINE_S", 30), attack_s=env_float("SOAK_ATTACK_S", 60),
            think_s=env_float("SOAK_THINK_S", 1.0),
            mix=attacker_mix(int(env_float("SOAK_ATTACKERS", 500))),
            trickle_s=env_float("SOAK_TRICKLE_S", 10),
            source_addrs=int(env_float("SOAK_ATTACKER_ADDRS", 0)), log=log),
        "uploads": lambda: scenarios.uploads(
            binary, work, clients=clients, duration_s=env_float("SOAK_UPLOAD_S", 300), log=log),
        "kill9": lambda: scenarios.kill9(
            binary, work, clients=clients, duration_s=env_float("SOAK_KILL9_S", 120),
            kill_every_s=(kill_lo, kill_hi), log=log),
        "diskfull": lambda: scenarios.diskfull(
            binary, work, size=os.environ.get("SOAK_TMPFS", "64m"), log=log),
    }
    unknown = [w for w in wanted if w not in runs]
    if unknown:
        print(f"soak: unknown scenario(s) {unknown}; known: {list(runs)}", file=sys.stderr)
        return 2
    results = []
    revision = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True).stdout.strip() or "unknown"
    settings = " ".join(f"{k}={v}" for k, v in sorted(os.environ.items())
                        if k.startswith("SOAK_") and k not in ("SOAK_WRITE_DOC", "SOAK_OUT"))
    meta = {"when": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "revision": revision,
            "command": (settings + " " if settings else "") + "make soak"}
    for name in wanted:
        log(f"=== {name}")
        try:
            results.append(runs[name]())
        except (scenarios.MountError, RuntimeError, FileNotFoundError) as e:
            print(f"soak: {name} could not run: {e}", file=sys.stderr)
            return 2
        (out_dir / "results.json").write_text(
            json.dumps({"meta": meta, "results": results}, indent=1, default=str))
        log(f"{name}: {len(results[-1]['failures'])} target(s) missed")
    shutil.rmtree(work, ignore_errors=True)
    return publish(out_dir / "results.json")


def publish(results_path: Path) -> int:
    """Prints the figures of a results.json (and writes them into docs/RELIABILITY.md when
    SOAK_WRITE_DOC=1); 1 if a target was missed."""
    saved = json.loads(results_path.read_text())
    meta, results = saved["meta"], saved["results"]
    markdown = report.figures_markdown(results, meta["command"],
                                       datetime.datetime.fromisoformat(meta["when"]),
                                       meta["revision"])
    print(markdown)
    print(f"\n(all numbers: {results_path})")
    if os.environ.get("SOAK_WRITE_DOC") == "1":
        report.write_figures(ROOT / "docs" / "RELIABILITY.md", markdown)
        print("figures written to docs/RELIABILITY.md")
    return 1 if any(r["failures"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())

"""ResourceSampler: samples a process's resident memory (VmRSS in /proc/<pid>/status), its
thread count (Threads, same file) and its open file descriptors (entries of /proc/<pid>/fd) once
per interval, from a thread, following the process across restarts (it asks `pid_of()` each
time; None means "not running", no sample).

Thread-safe: the sampler thread appends, any thread may read the summaries.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Sample:
    t: float  # seconds since the sampler started
    pid: int
    rss_kib: int
    fds: int
    threads: int


def status_fields(pid: int) -> tuple[int, int] | None:
    """(VmRSS in KiB, Threads) from /proc/<pid>/status; None if the process is gone."""
    rss = threads = None
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("Threads:"):
                    threads = int(line.split()[1])
    except OSError:
        return None
    return (rss, threads) if rss is not None and threads is not None else None


def fd_count(pid: int) -> int | None:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


class ResourceSampler(threading.Thread):
    def __init__(self, pid_of: Callable[[], int | None], interval_s: float = 1.0):
        super().__init__(daemon=True, name="resource-sampler")
        self.pid_of = pid_of
        self.interval_s = interval_s
        self.t0 = time.monotonic()
        self._samples: list[Sample] = []
        self._lock = threading.Lock()
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample_now()
            self._stop_event.wait(self.interval_s)

    def sample_now(self) -> None:
        pid = self.pid_of()
        if pid is None:
            return
        status, fds = status_fields(pid), fd_count(pid)
        if status is None or fds is None:  # exited between the two reads
            return
        with self._lock:
            self._samples.append(Sample(time.monotonic() - self.t0, pid, status[0], fds,
                                        status[1]))

    def stop(self) -> None:
        self._stop_event.set()
        self.join(10)

    def now(self) -> float:
        return time.monotonic() - self.t0

    def samples(self, start: float = 0.0, end: float = float("inf")) -> list[Sample]:
        with self._lock:
            return [s for s in self._samples if start <= s.t < end]

    def window(self, start: float, end: float) -> dict:
        """Max and last RSS (MiB) and fd count in [start, end)."""
        got = self.samples(start, end)
        if not got:
            return {"samples": 0, "rss_max_mib": None, "fds_max": None}
        return {"samples": len(got), "rss_max_mib": max(s.rss_kib for s in got) / 1024,
                "rss_last_mib": got[-1].rss_kib / 1024, "fds_max": max(s.fds for s in got),
                "fds_last": got[-1].fds, "threads_max": max(s.threads for s in got)}

    def per_minute(self, start: float, end: float) -> list[dict]:
        """window() for each whole or partial minute from `start`."""
        out = []
        t = start
        while t < end:
            w = self.window(t, min(t + 60, end))
            w["minute"] = len(out) + 1
            out.append(w)
            t += 60
        return out


def flat(first: dict, last: dict, *, rss_factor: float = 1.2, rss_slack_mib: float = 16,
         fds_factor: float = 1.2, fds_slack: int = 16) -> tuple[bool, str]:
    """The "flat" criterion the soak states: the last window's maxima are at most the first
    window's maxima × factor + slack (RSS and fds alike). Returns (ok, explanation)."""
    if not first.get("samples") or not last.get("samples"):
        return False, "no samples in the first or last window"
    rss_bound = first["rss_max_mib"] * rss_factor + rss_slack_mib
    fds_bound = first["fds_max"] * fds_factor + fds_slack
    ok = last["rss_max_mib"] <= rss_bound and last["fds_max"] <= fds_bound
    why = (f"last RSS max {last['rss_max_mib']:.1f} MiB vs bound {rss_bound:.1f} "
           f"(= {first['rss_max_mib']:.1f} x {rss_factor} + {rss_slack_mib}); "
           f"last fds max {last['fds_max']} vs bound {fds_bound:.0f} "
           f"(= {first['fds_max']} x {fds_factor} + {fds_slack})")
    return ok, why

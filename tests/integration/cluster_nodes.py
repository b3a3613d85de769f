"""Processes of a cluster on this machine, each on its own loopback port, for the scale-out
tests: redis-server with its AOF on disk, the single-node Ceph cluster (tests/cluster/ceph-rgw.sh)
and `imgpipe` nodes started with any roles and flags. Every class stops what it started; the
tests wait on what a process logs or answers, never on time."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
from pathlib import Path
from typing import Callable

from helpers import REPO, imgpipe_bin, wait_until

CEPH = REPO / "tests" / "cluster" / "ceph-rgw.sh"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """redis-server on a free loopback port with its AOF (`appendfsync always`) in `data_dir`.
    start() after kill9() brings it back on the same port from the same AOF."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir",
             str(self.data_dir), "--appendonly", "yes", "--appendfsync", "always", "--save", "",
             "--logfile", str(self.data_dir / "redis.log")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self.answers, "redis-server answers PING", timeout=20)

    def answers(self) -> bool:
        assert self.proc.poll() is None, (self.data_dir / "redis.log").read_text()
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                s.sendall(b"PING\r\n")
                return s.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def kill9(self) -> None:
        self.proc.kill()
        self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)


class CephRgw:
    """The single-node Ceph cluster with radosgw; `env` holds RGW_ENDPOINT, RGW_ACCESS_KEY,
    RGW_SECRET_KEY and RGW_REGION."""

    def __init__(self, cluster_dir: Path):
        self.dir = cluster_dir
        self.env: dict[str, str] = {}

    def start(self) -> "CephRgw":
        subprocess.run([str(CEPH), "start", str(self.dir)], check=True,
                       stdout=subprocess.DEVNULL, timeout=180)
        self.env = dict(line.split("=", 1) for line in (self.dir / "rgw.env").read_text().split())
        return self

    def stop(self) -> None:
        subprocess.run([str(CEPH), "stop", str(self.dir)], check=True, timeout=60)


class Node:
    """One `imgpipe serve` process: `args` after `serve`, `env` on top of a clean environment.
    Its JSON log lines are kept (`lines`); the ports it listens on are read from them
    (`ports["api"]`, `ports["s3"]`, `ports["metrics"]`). Has `api_port`, so the
    pipeline_client helpers work on it."""

    def __init__(self, name: str, args: list[str], env: dict[str, str]):
        self.name, self.args, self.env = name, args, env
        self.proc: subprocess.Popen | None = None
        self.ports: dict[str, int] = {}
        self.lines: list[str] = []
        self.ready = threading.Event()

    @property
    def api_port(self) -> int:
        return self.ports["api"]

    @property
    def s3_port(self) -> int:
        return self.ports["s3"]

    def launch(self) -> "Node":
        env = {k: v for k, v in os.environ.items() if not k.startswith(("IMGPIPE_", "AWS_"))}
        env.update(self.env)
        self.ready = threading.Event()
        self.proc = subprocess.Popen([str(imgpipe_bin()), "serve", *self.args],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, env=env)
        threading.Thread(target=self._read, args=(self.proc, self.ready), daemon=True).start()
        return self

    def _read(self, proc: subprocess.Popen, ready: threading.Event) -> None:
        for raw in proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.lines.append(line)
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("msg") == "listening":
                self.ports[entry["role"]] = int(entry["port"])
            elif entry.get("msg") == "ready":
                ready.set()

    def wait_ready(self) -> "Node":
        wait_until(lambda: self.ready.is_set() or self.proc.poll() is not None,
                   lambda: f"{self.name} ready; log:\n" + self.log(), timeout=60)
        assert self.proc.poll() is None, f"{self.name} exited; log:\n{self.log()}"
        return self

    def start(self) -> "Node":
        return self.launch().wait_ready()

    def log(self, last: int = 60) -> str:
        return "\n".join(self.lines[-last:])

    def entries(self):
        """The JSON log entries so far."""
        for line in list(self.lines):
            try:
                yield json.loads(line)
            except ValueError:
                continue

    def kill9(self) -> None:
        self.proc.kill()
        self.proc.wait()
        self.proc = None

    def kill9_holding(self, held: Callable[[], list], timeout: float = 120) -> list:
        """`kill -9` at a moment the process holds work, whatever the machine's speed: freezes
        it (SIGSTOP), asks `held()` what it holds then, and kills it if that is something, else
        lets it run on and asks again. Returns what it held. A frozen process cannot finish
        what `held()` saw it holding, so the kill interrupts exactly that."""
        pid = self.proc.pid

        def frozen_holding() -> list:
            os.kill(pid, signal.SIGSTOP)
            wait_until(lambda: Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
                       == "T",
                       f"{self.name} stopped")
            found = held()
            if not found:
                os.kill(pid, signal.SIGCONT)
            return found

        found = wait_until(frozen_holding, f"{self.name} holding work", timeout=timeout)
        self.kill9()
        return found

    def stop_and_check(self) -> None:
        proc, self.proc = self.proc, None
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(60)
        assert rc == 0, f"{self.name} exited with {rc}; log:\n{self.log()}"

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

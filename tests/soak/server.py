"""SoakServer: one `imgpipe serve` process for the soak scenarios, on fixed ports so that a
`kill -9` and a restart on the same data dir keep every URL the clients hold (presigned POST
targets, variant URLs) valid.

Unlike tests/integration/helpers.Server it never calls pytest (the soak also runs as a plain
script), keeps only the last lines of the server's log (a soak writes an access-log line per
request) and counts warnings and errors. Not thread-safe: one owner starts, kills and stops it;
`pid`, `alive` and the counters may be read from any thread.
"""

from __future__ import annotations

import collections
import json
import os
import secrets
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
READY_TIMEOUT_S = 60
STOP_TIMEOUT_S = 60


def default_binary() -> Path:
    return Path(os.environ.get("IMGPIPE_BIN", REPO / "build" / "src" / "app" / "imgpipe"))


def free_port() -> int:
    """A port nothing listens on now (the kernel's pick for port 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerError(RuntimeError):
    pass


class SoakServer:
    def __init__(self, data_dir: Path, *, binary: Path | None = None, roles: str | None = None,
                 env: dict[str, str] | None = None, log_keep: int = 400):
        self.data_dir = Path(data_dir)
        self.binary = Path(binary or default_binary())
        self.roles = roles  # None: every role (api,s3,worker)
        self.access_key = "AKSOAK" + secrets.token_hex(7).upper()
        self.secret_key = secrets.token_urlsafe(30)
        self.s3_port = free_port()
        self.api_port = free_port()
        # Every normal client of a soak comes from 127.0.0.1: the per-address rate limit of the
        # upload API and the per-address connection cap would otherwise treat 200 simulated
        # browsers as one (as behind a proxy, where the cap is off too).
        self.env = {"IMGPIPE_API_RATE_LIMIT": "1000000", "IMGPIPE_API_RATE_BURST": "1000000",
                    "IMGPIPE_HTTP_MAX_CONNECTIONS_PER_ADDRESS": "0"}
        self.env.update(env or {})
        self.proc: subprocess.Popen | None = None
        self.log_tail: collections.deque[str] = collections.deque(maxlen=log_keep)
        self.problems: collections.deque[str] = collections.deque(maxlen=log_keep)  # warn/error
        self.warnings = 0
        self.errors = 0
        self.starts = 0
        self._ready = threading.Event()

    # -- addressing
    @property
    def s3_host(self) -> str:
        return f"127.0.0.1:{self.s3_port}"

    @property
    def api_host(self) -> str:
        return f"127.0.0.1:{self.api_port}"

    @property
    def pid(self) -> int | None:
        proc = self.proc
        return proc.pid if proc is not None and proc.poll() is None else None

    @property
    def alive(self) -> bool:
        return self.pid is not None

    # -- lifecycle
    def start(self) -> None:
        if self.proc is not None:
            raise ServerError("server already running")
        if not self.binary.is_file():
            raise ServerError(f"imgpipe binary not found at {self.binary} (set IMGPIPE_BIN)")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("IMGPIPE_", "AWS_"))}
        env.update(self.env)
        env["IMGPIPE_ACCESS_KEY"] = self.access_key
        env["IMGPIPE_SECRET_KEY"] = self.secret_key
        roles = ["--roles", self.roles] if self.roles else []
        self._ready = threading.Event()
        proc = subprocess.Popen(
            [str(self.binary), "serve", "--data-dir", str(self.data_dir),
             "--s3-listen", self.s3_host, "--api-listen", self.api_host, *roles],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        self.proc = proc
        self.starts += 1
        threading.Thread(target=self._read_log, args=(proc, self._ready), daemon=True).start()
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not self._ready.wait(0.05):
            if proc.poll() is not None:
                self.proc = None
                raise ServerError(f"imgpipe exited with {proc.returncode} before ready:\n"
                                  + self.tail())
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                self.proc = None
                raise ServerError(f"imgpipe not ready after {READY_TIMEOUT_S}s:\n" + self.tail())

    def _read_log(self, proc: subprocess.Popen, ready: threading.Event) -> None:
        for raw in proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.log_tail.append(line)
            # Most lines are access-log lines: look inside only those that can matter.
            if '"warn"' in line or '"error"' in line:
                try:
                    level = json.loads(line).get("level")
                except ValueError:
                    level = None
                if level == "warn":
                    self.warnings += 1
                    self.problems.append(line)
                elif level == "error":
                    self.errors += 1
                    self.problems.append(line)
            elif '"ready"' in line:
                try:
                    if json.loads(line).get("msg") == "ready":
                        ready.set()
                except ValueError:
                    pass

    def kill9(self) -> None:
        """SIGKILL and reap; the data dir stays as the crash left it."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    def stop(self) -> int:
        """SIGTERM, wait, return the exit code (the caller decides what it means)."""
        proc, self.proc = self.proc, None
        if proc is None:
            raise ServerError("server not running")
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise ServerError(f"imgpipe did not exit within {STOP_TIMEOUT_S}s of SIGTERM:\n"
                              + self.tail())

    def tail(self, n: int = 60) -> str:
        return "\n".join(list(self.log_tail)[-n:])

    def __enter__(self) -> "SoakServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.proc is not None:
            self.kill9()

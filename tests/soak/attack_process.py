"""AttackProcess: runs attackers.py as a child process against a SoakServer and collects its
statistics. Not thread-safe; one owner."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "attackers.py"


class AttackProcess:
    def __init__(self, server, mix: dict[str, int], *, trickle_s: float = 10,
                 source_addrs: int = 0):
        self.argv = [sys.executable, str(SCRIPT), "--s3-port", str(server.s3_port),
                     "--api-port", str(server.api_port), "--trickle-s", str(trickle_s),
                     "--source-addrs", str(source_addrs)]
        for kind in ("post-trickle", "post-stall", "slowloris", "idle"):
            self.argv += [f"--{kind}", str(mix.get(kind, 0))]
        self.proc: subprocess.Popen | None = None
        self._lines: list[str] = []
        self._ready = threading.Event()

    def start(self) -> None:
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self._lines.append(line)
            if line.startswith('{"ready"'):
                self._ready.set()

    def wait_ready(self, timeout: float) -> int:
        """How many attackers had connected and sent their first bytes (all, or as many as had
        when `timeout` ran out)."""
        self._ready.wait(timeout)
        for line in self._lines:
            if line.startswith('{"ready"'):
                return json.loads(line)["ready"]
        return 0

    def stop(self) -> dict:
        if self.proc is None:
            return {}
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        for line in reversed(self._lines):
            if not line.startswith('{"ready"') and line.strip():
                return json.loads(line)
        return {}

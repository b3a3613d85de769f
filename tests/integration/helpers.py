"""Helpers for the real-client integration tests (conftest.py turns them into fixtures).

Each test module gets a fresh `imgpipe serve` (temp data dir, random credentials, port 0) that is
stopped with SIGTERM at the end of the module; the stop asserts exit code 0. The clients under
test (awscli, boto3, aws-sdk-js, curl) run as subprocesses with an isolated environment so no
user configuration or credentials on the machine can leak in.

Binary: $IMGPIPE_BIN, default <repo>/build/src/app/imgpipe. Test corpus (images read by some
tests): $IMGPIPE_TESTDATA, default <repo>/../shared/testdata.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import s3sig

REPO = Path(__file__).resolve().parents[2]
CLIENTS_DIR = REPO / "tests" / "clients"
JS_DIR = REPO / "tests" / "js"
TESTDATA = Path(os.environ.get("IMGPIPE_TESTDATA") or REPO.parent / "shared" / "testdata")
READY_TIMEOUT_S = 30
STOP_TIMEOUT_S = 30


def imgpipe_bin() -> Path:
    return Path(os.environ.get("IMGPIPE_BIN", REPO / "build" / "src" / "app" / "imgpipe"))


# --------------------------------------------------------------------------- server


@dataclass
class Server:
    """One `imgpipe serve` process. Not thread-safe; owned by one test module."""

    data_dir: Path
    access_key: str
    secret_key: str
    binary: Path | None = None  # None: imgpipe_bin()
    roles: str | None = "s3,api"  # None: the server's default (every role)
    env: dict[str, str] = field(default_factory=dict)  # extra settings (IMGPIPE_WORKER_...)
    # Where to listen; port 0 picks a free one (a test that restarts on the same ports sets them).
    s3_listen: str = "127.0.0.1:0"
    api_listen: str = "127.0.0.1:0"
    proc: subprocess.Popen | None = None
    s3_port: int = 0
    api_port: int = 0
    log_lines: list[str] = field(default_factory=list)
    _reader: threading.Thread | None = None
    _ready: threading.Event = field(default_factory=threading.Event)

    # -- addressing
    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.s3_port}"

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    def vhost(self, bucket: str) -> str:
        return f"{bucket}.localhost:{self.s3_port}"

    def stderr_text(self) -> str:
        return "\n".join(self.log_lines[-200:])

    # -- lifecycle
    def start(self) -> None:
        assert self.proc is None, "server already running"
        binary = self.binary or imgpipe_bin()
        if not binary.is_file():
            pytest.fail(f"imgpipe binary not found at {binary} (set IMGPIPE_BIN)")
        roles = ["--roles", self.roles] if self.roles else []
        env = {k: v for k, v in os.environ.items() if not k.startswith(("IMGPIPE_", "AWS_"))}
        env["IMGPIPE_ACCESS_KEY"] = self.access_key
        env["IMGPIPE_SECRET_KEY"] = self.secret_key
        env.update(self.env)
        self.log_lines = []
        self._ready = threading.Event()
        self.s3_port = self.api_port = 0
        self.proc = subprocess.Popen(
            [str(binary), "serve", "--data-dir", str(self.data_dir), "--s3-listen",
             self.s3_listen, "--api-listen", self.api_listen, *roles],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        self._reader = threading.Thread(target=self._read_stderr, args=(self.proc,), daemon=True)
        self._reader.start()
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not self._ready.wait(0.05):
            if self.proc.poll() is not None:
                self._reader.join(2)
                rc = self.proc.returncode
                self.proc = None
                pytest.fail(f"imgpipe exited with {rc} before ready; stderr:\n{self.stderr_text()}")
            if time.monotonic() > deadline:
                self.proc.kill()
                self.proc.wait()
                self.proc = None
                pytest.fail(f"imgpipe not ready after {READY_TIMEOUT_S}s; stderr:\n"
                            f"{self.stderr_text()}")
        if not self.s3_port and (self.roles is None or "s3" in self.roles.split(",")):
            pytest.fail(f"imgpipe logged ready without an s3 listener; stderr:\n{self.stderr_text()}")

    def _read_stderr(self, proc: subprocess.Popen) -> None:
        for raw in proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.log_lines.append(line)
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if not isinstance(entry, dict):
                continue
            if entry.get("msg") == "listening":
                if entry.get("role") == "s3":
                    self.s3_port = int(entry["port"])
                elif entry.get("role") == "api":
                    self.api_port = int(entry["port"])
            elif entry.get("msg") == "ready":
                self._ready.set()

    def stop(self) -> int:
        """SIGTERM, wait, return the exit code (the caller asserts it)."""
        assert self.proc is not None, "server not running"
        proc, self.proc = self.proc, None
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            pytest.fail(f"imgpipe did not exit within {STOP_TIMEOUT_S}s of SIGTERM; stderr:\n"
                        f"{self.stderr_text()}")
        if self._reader:
            self._reader.join(5)
        return rc

    def stop_and_check(self) -> None:
        rc = self.stop()
        assert rc == 0, f"imgpipe exited with {rc} after SIGTERM; stderr:\n{self.stderr_text()}"

    def restart(self) -> None:
        self.stop_and_check()
        self.start()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid


def wait_until(condition, what: str, timeout: float = 30):
    """Polls `condition()` until it returns something truthy, which it returns; fails the test
    naming `what` (a string, or a function giving one, called then) after `timeout` seconds. For
    waiting on a state the test can observe, instead of sleeping and hoping."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting until "
                                 f"{what() if callable(what) else what}")
        time.sleep(0.01)


def new_server(data_dir: Path, **options) -> Server:
    """A server with fresh credentials; options are Server fields (binary, roles, env)."""
    return Server(data_dir=data_dir, access_key="AKIT" + secrets.token_hex(8).upper(),
                  secret_key=secrets.token_urlsafe(30), **options)


# --------------------------------------------------------------------------- clients


def client_env(server: Server, **extra: str) -> dict[str, str]:
    """Environment for an S3 client: the server's credentials, us-east-1, and no user config."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "IMGPIPE_", "BOTO_", "PYTHON"))}
    env.update({
        "AWS_ACCESS_KEY_ID": server.access_key,
        "AWS_SECRET_ACCESS_KEY": server.secret_key,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_PAGER": "",
        "S3_ENDPOINT": server.endpoint,
        "S3_PORT": str(server.s3_port),
    })
    env.update(extra)
    return env


def run(argv: list[str], *, env: dict[str, str] | None = None, timeout: float = 120,
        check: bool = True, cwd: Path | None = None,
        input_bytes: bytes | None = None) -> subprocess.CompletedProcess:
    """Runs a client; on unexpected failure, fails the test with its output."""
    try:
        res = subprocess.run([str(a) for a in argv], env=env, cwd=cwd, input=input_bytes,
                             capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"timed out after {timeout}s: {' '.join(map(str, argv))}\n"
                    f"stdout: {e.stdout!r}\nstderr: {e.stderr!r}")
    if check and res.returncode != 0:
        pytest.fail(f"exit {res.returncode}: {' '.join(map(str, argv))}\n"
                    f"stdout:\n{res.stdout.decode(errors='replace')[-4000:]}\n"
                    f"stderr:\n{res.stderr.decode(errors='replace')[-4000:]}")
    return res


def _which_excluding(name: str, excluded: tuple[str, ...]) -> str | None:
    path = ":".join(p for p in os.environ.get("PATH", "").split(":")
                    if p and os.path.realpath(p) not in excluded)
    return shutil.which(name, path=path)


SYSTEM_DIRS = ("/usr/bin", "/bin", "/usr/local/bin")


def image_tool(name: str) -> str:
    """The image's (pyenv) copy of a tool, never Debian's."""
    found = _which_excluding(name, tuple(os.path.realpath(d) for d in SYSTEM_DIRS))
    if found:
        return found
    shim = f"/root/.pyenv/shims/{name}"
    if os.access(shim, os.X_OK):
        return shim
    pytest.fail(f"the image's {name} (pyenv) was not found on PATH nor at {shim}")


def write_random(path: Path, size: int, seed: int = 0) -> Path:
    """Writes `size` pseudo-random (incompressible, reproducible) bytes."""
    import random
    rnd = random.Random(seed)
    block = rnd.randbytes(1 << 20)
    with open(path, "wb") as f:
        remaining = size
        i = 0
        while remaining > 0:
            n = min(remaining, len(block))
            # rotate so consecutive MiBs differ (a part-shuffling bug would show)
            rot = (i * 7919) % len(block)
            f.write((block[rot:] + block[:rot])[:n])
            remaining -= n
            i += 1
    return path


# --------------------------------------------------------------------------- raw HTTP


class Raw:
    """Signs and sends single S3 requests with `requests`, for cases no SDK produces."""

    def __init__(self, server: Server):
        self.server = server

    def request(self, method: str, path: str, *, query: list[tuple[str, str]] | None = None,
                body: bytes = b"", headers: dict[str, str] | None = None,
                payload_hash: str | None = None, access_key: str | None = None,
                secret_key: str | None = None, when=None, host: str | None = None,
                sign: bool = True):
        import requests
        query = query or []
        host = host or self.server.host
        if payload_hash is None:
            payload_hash = s3sig.sha256_hex(body)
        hdrs = dict(headers or {})
        if sign:
            hdrs = s3sig.sign_request(
                method, path, host=host, query=query, headers=hdrs, payload_hash=payload_hash,
                access_key=access_key or self.server.access_key,
                secret_key=secret_key or self.server.secret_key, when=when)
        url = f"http://127.0.0.1:{self.server.s3_port}{s3sig.uri_encode(path, True)}"
        if query:
            url += "?" + s3sig.canonical_query(query)
        return requests.request(method, url, data=body, headers=hdrs, timeout=60,
                                allow_redirects=False)


def error_code(resp) -> str:
    """The <Code> of an S3 XML error body ('' if none)."""
    import xml.etree.ElementTree as ET
    try:
        root = ET.fromstring(resp.content)
    except ET.ParseError:
        return ""
    code = root.find("Code")
    return code.text if code is not None and code.text else ""


def assert_s3_error(resp, status: int, code: str) -> None:
    assert (resp.status_code, error_code(resp)) == (status, code), (
        f"expected {status} {code}, got {resp.status_code}: {resp.content[:600]!r}")

"""The secret key generated at first start stays out of the server's output (service managers
keep stdout and stderr: journald, docker logs) and lives only in <data>/credentials, mode 0600;
`imgpipe keys show --data-dir DIR` prints it on request."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest

from helpers import READY_TIMEOUT_S, STOP_TIMEOUT_S, imgpipe_bin, run


def clean_env() -> dict[str, str]:
    """No configured keys, so the server must generate its own."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("IMGPIPE_", "AWS_"))}


def serve_until_ready(data_dir: Path, out: Path, err: Path) -> subprocess.Popen:
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        proc = subprocess.Popen(
            [str(imgpipe_bin()), "serve", "--data-dir", str(data_dir), "--roles", "s3",
             "--s3-listen", "127.0.0.1:0", "--api-listen", "127.0.0.1:0"],
            stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr, env=clean_env())
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        for line in err.read_text(errors="replace").splitlines():
            try:
                if json.loads(line).get("msg") == "ready":
                    return proc
            except ValueError:
                pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            pytest.fail(f"imgpipe not ready (exit {proc.returncode}):\n{err.read_text()}")
        time.sleep(0.05)


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(STOP_TIMEOUT_S) == 0


def test_generated_secret_is_only_in_the_credentials_file(tmp_path: Path):
    data = tmp_path / "data"
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    proc = serve_until_ready(data, out, err)
    try:
        credentials = data / "credentials"
        fields = dict(line.split("=", 1) for line in credentials.read_text().splitlines())
        access, secret = fields["access_key"], fields["secret_key"]
        assert len(secret) == 40
        assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
        assert run([str(imgpipe_bin()), "keys", "show", "--data-dir", data],
                   env=clean_env()).stdout.decode() == f"access_key={access}\nsecret_key={secret}\n"
    finally:
        stop(proc)
    # A restart reuses the file and prints nothing secret either.
    proc = serve_until_ready(data, tmp_path / "stdout2", tmp_path / "stderr2")
    stop(proc)
    for name in ("stdout", "stderr", "stdout2", "stderr2"):
        text = (tmp_path / name).read_text(errors="replace")
        assert secret not in text, name
    assert access in out.read_text()  # the access key is no secret: the banner shows it


def test_keys_show_without_credentials_is_a_clear_error(tmp_path: Path):
    res = run([str(imgpipe_bin()), "keys", "show", "--data-dir", tmp_path / "empty"],
              env=clean_env(), check=False)
    assert res.returncode == 1
    assert b"no credentials in" in res.stderr
    assert res.stdout == b""

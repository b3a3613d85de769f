"""The deployment files: deploy/imgpipe.service passes `systemd-analyze verify` (no running
systemd needed) and keeps its `systemd-analyze security` exposure at the level the README states;
deploy/imgpipe.toml is a configuration the binary accepts (load_config validates every value)."""

from __future__ import annotations

import re

from helpers import REPO, imgpipe_bin, run

UNIT = REPO / "deploy" / "imgpipe.service"
SAMPLE = REPO / "deploy" / "imgpipe.toml"


def installed_unit(tmp_path):
    """The unit with ExecStart pointing at the built binary (verify checks that it exists)."""
    text = UNIT.read_text().replace("/usr/local/bin/imgpipe", str(imgpipe_bin()))
    path = tmp_path / "imgpipe.service"
    path.write_text(text)
    return path


def test_unit_passes_systemd_analyze_verify(tmp_path):
    res = run(["systemd-analyze", "verify", installed_unit(tmp_path)], check=False)
    out = (res.stdout + res.stderr).decode()
    assert res.returncode == 0 and not out.strip(), out


def test_unit_is_hardened(tmp_path):
    res = run(["systemd-analyze", "security", "--offline=yes", installed_unit(tmp_path)],
              check=False)
    out = res.stdout.decode()
    m = re.search(r"Overall exposure level for imgpipe.service: ([0-9.]+)", out)
    assert m, out
    assert float(m.group(1)) <= 1.5, out  # README.md states 1.2 ("OK")
    for setting in ("DynamicUser=yes", "ProtectSystem=strict", "StateDirectory=imgpipe",
                    "NoNewPrivileges=yes", "MemoryMax="):
        assert setting in UNIT.read_text()


def test_sample_config_is_accepted(tmp_path):
    res = run([imgpipe_bin(), "config", "print", "--config", SAMPLE,
               "--data-dir", tmp_path / "data"], env={"PATH": "/usr/bin:/bin"})
    out = res.stdout.decode()
    assert re.search(r"^metrics\.listen\s+127\.0\.0\.1:9464\s+\(file ", out, re.M), out
    assert re.search(r"^s3\.public_url\s+https://img-upload\.example\.com\s+\(file ", out, re.M)
    assert re.search(r"^data_dir\s+\S+\s+\(flag\)", out, re.M), out

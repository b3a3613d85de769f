"""A clone with nothing beside it builds and serves (issue 10).

The work tree (tracked files plus untracked ones not ignored, as they are on disk, so uncommitted
changes count) is copied alone into a temporary folder, with no ../shared and so no test corpus.
There `make server DEPS=` builds the way `make run` does, minus installing packages: the default
configuration (tests and benchmarks ON) and the `imgpipe` target only. The test then checks that
the build ran no test binary (ctest lists tests just before running them, never at build time)
and built nothing but the server, starts `imgpipe serve` as `make run` does (every role) on free
ports, and gets 200 from GET /healthz.

Cost: ccache makes the build cheap after its first run; CCACHE_BASEDIR is the copy, so the cache
keys hold paths relative to it and one run's objects serve the next, whatever the temp folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests

from helpers import REPO, new_server

BUILD_TIMEOUT_S = 1800  # a cold cache compiles the whole server: minutes on 2 cores


def copy_work_tree(dest: Path) -> None:
    """Copies what a clone of the work tree would hold: no build dirs, corpus or node_modules."""
    listed = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True, check=False)
    if listed.returncode != 0:
        pytest.fail(f"git ls-files failed in {REPO}: {listed.stderr.decode(errors='replace')}")
    for name in sorted(set(listed.stdout.decode().split("\0")) - {""}):
        src = REPO / name
        # Deleted or renamed in the work tree but still in the index; or a submodule.
        if not os.path.lexists(src) or (src.is_dir() and not src.is_symlink()):
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target, follow_symlinks=False)


def build_env(copy: Path) -> dict[str, str]:
    # Nothing from an outer `make test` (MAKEFLAGS carries its command-line variables, BUILD
    # among them) and no corpus setting reaches the copy's build.
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL") and not k.startswith("IMGPIPE_")}
    env["CCACHE_BASEDIR"] = str(copy)
    env["CCACHE_NOHASHDIR"] = "true"
    return env


def built_executables(build: Path) -> list[str]:
    found = []
    for root, dirs, files in os.walk(build):
        dirs[:] = [d for d in dirs if d != "CMakeFiles"]  # CMake's compiler probes
        for f in files:
            path = Path(root) / f
            if path.is_file() and os.access(path, os.X_OK) and not f.endswith((".sh", ".py")):
                found.append(str(path.relative_to(build)))
    return sorted(found)


def test_bare_clone_builds_only_the_server_and_serves(tmp_path):
    copy = tmp_path / "imgpipe"
    copy_work_tree(copy)
    assert not (tmp_path / "shared").exists()

    start = time.monotonic()
    try:
        res = subprocess.run(["make", "-C", str(copy), "server", "DEPS=", "BUILD=build"],
                             env=build_env(copy), capture_output=True, timeout=BUILD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`make server` in the bare copy took over {BUILD_TIMEOUT_S}s")
    output = (res.stdout + res.stderr).decode(errors="replace")
    assert res.returncode == 0, f"`make server` failed in the bare copy:\n{output[-6000:]}"
    print(f"bare copy: `make server` took {time.monotonic() - start:.1f}s")

    build = copy / "build"
    cache = (build / "CMakeCache.txt").read_text()
    assert "IMGPIPE_TESTS:BOOL=ON" in cache, "the check below needs the test targets configured"
    # A POST_BUILD gtest_discover_tests would run each test binary (reading the corpus) as a
    # build step; PRE_TEST leaves no such step.
    assert "GoogleTestAddTests" not in (build / "build.ninja").read_text(), \
        "a test binary runs at build time: gtest_discover_tests needs DISCOVERY_MODE PRE_TEST"
    assert built_executables(build) == ["src/app/imgpipe"]

    server = new_server(tmp_path / "data", binary=build / "src" / "app" / "imgpipe", roles=None)
    server.start()
    try:
        assert server.api_port, f"no api listener logged; stderr:\n{server.stderr_text()}"
        resp = requests.get(f"http://127.0.0.1:{server.api_port}/healthz", timeout=10)
        assert resp.status_code == 200, resp.text
    finally:
        server.stop_and_check()
    # The build is hundreds of MB, and pytest keeps its last few temp folders; kept on failure.
    shutil.rmtree(copy)

"""The binary runs with imgpipe's glibc malloc tunables (src/app/malloc_tunables.h): it
re-executes itself once with GLIBC_TUNABLES set, so the serving process's own environment, as
the kernel reports it, carries them; a user's tunables are kept, and a user's own
glibc.malloc.tcache_count is left as it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import new_server


def environment_of(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(entry.split("=", 1) for entry in raw.decode().split("\0") if "=" in entry)


@pytest.mark.parametrize("users, expected", [
    ("", "glibc.malloc.tcache_count=64"),  # empty: as if unset
    ("glibc.malloc.perturb=0", "glibc.malloc.tcache_count=64:glibc.malloc.perturb=0"),
    ("glibc.malloc.tcache_count=7", "glibc.malloc.tcache_count=7"),
])
def test_serving_process_runs_with_the_tunables(tmp_path, users, expected):
    server = new_server(tmp_path / "data", env={"GLIBC_TUNABLES": users})
    server.start()
    try:
        got = environment_of(server.proc.pid).get("GLIBC_TUNABLES", "")
        # glibc (2.36) parses the string in place, ending it at each ':' it passes: the kernel's
        # copy shows the first tunable, or more.
        assert got.split(":")[0] == expected.split(":")[0] and expected.startswith(got), got
    finally:
        server.stop_and_check()

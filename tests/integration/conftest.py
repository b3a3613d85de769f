"""pytest fixtures for the real-client integration tests: a fresh `imgpipe serve` per module
(stopped with SIGTERM, exit code 0 asserted), a scratch dir, a raw signed-request helper, and a
session rule that any skipped test fails the run (CI must never silently skip)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers import Raw, new_server  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = new_server(tmp_path_factory.mktemp("data"))
    srv.start()
    yield srv
    if srv.proc is not None:
        srv.stop_and_check()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("work")


@pytest.fixture(scope="module")
def raw(server) -> Raw:
    return Raw(server)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    skipped = terminalreporter.stats.get("skipped", [])
    if skipped:
        terminalreporter.write_line(f"ERROR: {len(skipped)} test(s) skipped; skips are not allowed",
                                    red=True)


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and reporter.stats.get("skipped") and exitstatus == 0:
        session.exitstatus = 1

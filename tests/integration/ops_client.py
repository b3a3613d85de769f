"""Client-side helpers for the operations tests: the metrics listener's port (from the server's
`listening` log line), a scrape parsed by the Prometheus project's own Python parser
(python3-prometheus-client, independent of imgpipe's renderer), and waiting for a sample."""

from __future__ import annotations

import json
import time

import requests
from prometheus_client.parser import text_string_to_metric_families


def metrics_port(server) -> int:
    for line in server.log_lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("msg") == "listening" and \
                entry.get("role") == "metrics":
            return int(entry["port"])
    raise AssertionError("no metrics listener in the log:\n" + server.stderr_text())


def ops_url(server, path: str) -> str:
    return f"http://127.0.0.1:{metrics_port(server)}{path}"


def scrape_text(server) -> str:
    resp = requests.get(ops_url(server, "/metrics"), timeout=10)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return resp.text


def scrape(server) -> dict[tuple, float]:
    """{(sample name, frozenset of label items): value} of one scrape."""
    samples = {}
    for family in text_string_to_metric_families(scrape_text(server)):
        for s in family.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return samples


def value(samples: dict, name: str, **labels) -> float:
    """A sample's value, 0 when the series does not exist yet (counters start at 0)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def wait_for_sample(server, name: str, at_least: float, timeout: float = 60, **labels) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        samples = scrape(server)
        if value(samples, name, **labels) >= at_least:
            return samples
        assert time.monotonic() < deadline, \
            f"{name}{labels} below {at_least} after {timeout}s: {value(samples, name, **labels)}"
        time.sleep(0.05)

"""Connection: one keep-alive HTTP/1.1 connection to one host:port (http.client underneath), the
way a browser or SDK holds one, with a per-request timeout.

A request sent on a reused connection that the server had already closed (the peer shut it
between two requests, e.g. its idle timeout) is sent again once on a new connection, as browsers
and SDKs do (unless `resend` is off); such resends are counted, because a server that closes
kept-alive connections early under load would show up there. Any other failure raises. Not
thread-safe: one per client thread.
"""

from __future__ import annotations

import http.client
import time
from dataclasses import dataclass

RESENDABLE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
              ConnectionAbortedError)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes
    seconds: float  # from the first byte sent to the last byte read


class Connection:
    def __init__(self, host: str, port: int, timeout: float = 30.0, resend: bool = True):
        self.host, self.port, self.timeout, self.resend = host, port, timeout, resend
        self._conn: http.client.HTTPConnection | None = None
        self._used = False
        self.resends = 0

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn, self._used = None, False

    def request(self, method: str, target: str, body: bytes = b"",
                headers: dict[str, str] | None = None) -> Reply:
        for attempt in (0, 1):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self.host, self.port,
                                                        timeout=self.timeout)
                self._used = False
            reused = self._used
            t0 = time.monotonic()
            try:
                self._conn.request(method, target, body=body or None, headers=headers or {})
                resp = self._conn.getresponse()
                data = resp.read()
            except RESENDABLE:
                self.close()
                if reused and attempt == 0 and self.resend:
                    self.resends += 1
                    continue
                raise
            except Exception:
                self.close()
                raise
            self._used = True
            if resp.will_close:
                self.close()
            return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data,
                         time.monotonic() - t0)
        raise AssertionError("unreachable")


def multipart_form(fields: list[tuple[str, str]], file_name: str, content_type: str,
                   data: bytes, boundary: str) -> bytes:
    """A browser-style multipart/form-data body: every field as a plain part, the file last."""
    out = bytearray()
    for name, value in fields:
        out += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n").encode()
    out += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{file_name}"\r\nContent-Type: {content_type}\r\n\r\n').encode()
    out += data
    out += f"\r\n--{boundary}--\r\n".encode()
    return bytes(out)

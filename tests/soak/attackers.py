"""Hostile clients without credentials, run as their own process (so their work does not skew
the normal clients' latency measured in the parent):

  post-trickle  POST Object headers (multipart, Content-Length 8 MiB) and the start of a form to
                the S3 port, then one more body byte every TRICKLE seconds, forever;
  post-stall    the same headers and first bytes, then nothing;
  slowloris     a request line and then one header line every TRICKLE seconds, never ending the
                header block (alternately to the S3 and the API port);
  idle          one complete request (GET /healthz on the API port, an anonymous GET on the S3
                port), its response read, then the kept-alive connection held silent.

Each attacker reconnects 0.1 s after the server closes its connection, so the pressure stays
constant. Attackers connect from loopback addresses other than 127.0.0.1 (127.1.x.y; all of
127/8 is loopback on Linux), spread over --source-addrs addresses, so that a server limiting
connections per client address can tell them from the normal clients (which use 127.0.0.1); the
default, one address per attacker, is the case such a limit cannot help with. Usage (the soak
starts it):

  attackers.py --s3-port P --api-port P [--post-trickle 200 --post-stall 100 --slowloris 100
               --idle 100 --trickle-s 10 --source-addrs 0]

It prints one line `{"ready": ...}` once every attacker has connected and sent its first bytes,
and on SIGTERM (or SIGINT) one line of JSON statistics per kind: connections made, connection
errors, closes by the server with how long each connection had lived, and the status lines the
server answered before closing. Standard library only; a standalone script.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

BODY_LENGTH = 8 << 20
BOUNDARY = "----attacker"
FORM_START = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="key"\r\n\r\nuploads/'
              ).encode()


@dataclass
class KindStats:
    attackers: int = 0
    connects: int = 0
    connect_errors: Counter = field(default_factory=Counter)
    server_closes: int = 0
    lifetimes: list = field(default_factory=list)  # seconds from connect to the server's close
    answers: Counter = field(default_factory=Counter)  # first line the server sent, if any
    open_now: int = 0
    max_open: int = 0

    def as_json(self) -> dict:
        life = sorted(self.lifetimes)

        def pct(p):
            return round(life[min(len(life) - 1, int(p / 100 * len(life)))], 1) if life else None
        return {"attackers": self.attackers, "connects": self.connects,
                "connect_errors": dict(self.connect_errors), "server_closes": self.server_closes,
                "lifetime_p50_s": pct(50), "lifetime_max_s": life[-1] if life else None,
                "answers": dict(self.answers.most_common(5)), "open_at_end": self.open_now,
                "max_open": self.max_open}


class Attack:
    def __init__(self, args):
        self.args = args
        self.stats: dict[str, KindStats] = {}
        self.first_bytes_sent = 0
        self.total = 0
        self.ready = asyncio.Event()
        self.stopping = asyncio.Event()

    def opening(self, kind: str, index: int) -> tuple[int, bytes]:
        a = self.args
        if kind in ("post-trickle", "post-stall"):
            head = (f"POST /uploads HTTP/1.1\r\nHost: 127.0.0.1:{a.s3_port}\r\n"
                    f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
                    f"Content-Length: {BODY_LENGTH}\r\n\r\n").encode()
            return a.s3_port, head + FORM_START
        if kind == "slowloris":
            port = a.s3_port if index % 2 == 0 else a.api_port
            path = "/uploads" if port == a.s3_port else "/upload-image"
            return port, f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode()
        if kind == "idle":
            port = a.s3_port if index % 2 == 0 else a.api_port
            path = "/uploads/no-such-key" if port == a.s3_port else "/healthz"
            return port, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
        raise ValueError(kind)

    def trickle(self, kind: str, n: int) -> bytes | None:
        if kind == "post-trickle":
            return b"a"
        if kind == "slowloris":
            return f"X-Slow-{n}: {n}\r\n".encode()
        return None  # post-stall and idle send nothing more

    def source(self, serial: int) -> str:
        n = self.args.source_addrs or self.total
        k = serial % max(1, n)
        return f"127.1.{k // 250}.{k % 250 + 1}"

    async def one(self, kind: str, index: int, serial: int) -> None:
        st = self.stats[kind]
        first = True
        source = self.source(serial)
        while not self.stopping.is_set():
            port, opening = self.opening(kind, index)
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port,
                                                               local_addr=(source, 0))
            except OSError as e:
                st.connect_errors[type(e).__name__] += 1
                await asyncio.sleep(0.5)
                continue
            st.connects += 1
            st.open_now += 1
            st.max_open = max(st.max_open, st.open_now)
            t0 = time.monotonic()
            try:
                writer.write(opening)
                await writer.drain()
                if first:
                    first = False
                    self.first_bytes_sent += 1
                    if self.first_bytes_sent == self.total:
                        self.ready.set()
                closed = await self.hold(kind, reader, writer)
            except OSError:
                closed = True
            finally:
                st.open_now -= 1
                writer.close()
            if closed and not self.stopping.is_set():
                st.server_closes += 1
                st.lifetimes.append(time.monotonic() - t0)
                await asyncio.sleep(0.1)

    async def hold(self, kind, reader, writer) -> bool:
        """Keeps the connection as the attack wants until the server closes it (True) or the
        attack stops (False)."""
        st = self.stats[kind]
        answered = False
        read_task = asyncio.ensure_future(reader.read(65536))
        stop_task = asyncio.ensure_future(self.stopping.wait())
        n = 0
        try:
            while True:
                done, _ = await asyncio.wait({read_task, stop_task},
                                             timeout=self.args.trickle_s,
                                             return_when=asyncio.FIRST_COMPLETED)
                if stop_task in done:
                    return False
                if read_task in done:
                    data = read_task.result()
                    if not data:
                        return True
                    if not answered:
                        answered = True
                        if kind != "idle":  # idle attackers expect their one answer
                            st.answers[data.split(b"\r\n", 1)[0].decode("latin-1")[:60]] += 1
                    read_task = asyncio.ensure_future(reader.read(65536))
                    continue
                more = self.trickle(kind, n)
                n += 1
                if more is not None:
                    writer.write(more)
                    await writer.drain()
        except (ConnectionError, OSError):
            return True
        finally:
            read_task.cancel()
            stop_task.cancel()

    async def run(self) -> None:
        a = self.args
        kinds = {"post-trickle": a.post_trickle, "post-stall": a.post_stall,
                 "slowloris": a.slowloris, "idle": a.idle}
        self.total = sum(kinds.values())
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stopping.set)
        tasks = []
        for kind, count in kinds.items():
            self.stats[kind] = KindStats(attackers=count)
            for i in range(count):
                tasks.append(asyncio.ensure_future(self.one(kind, i, len(tasks))))
                if len(tasks) % 50 == 0:
                    await asyncio.sleep(0.05)  # ramp: do not flood the accept backlog at once
        if self.total == 0:
            self.ready.set()
        ready_wait = asyncio.ensure_future(self.ready.wait())
        stop_wait = asyncio.ensure_future(self.stopping.wait())
        await asyncio.wait({ready_wait, stop_wait}, return_when=asyncio.FIRST_COMPLETED)
        print(json.dumps({"ready": self.first_bytes_sent}), flush=True)
        await self.stopping.wait()
        await asyncio.gather(*tasks, return_exceptions=True)
        print(json.dumps({k: v.as_json() for k, v in self.stats.items()}), flush=True)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--s3-port", type=int, required=True)
    p.add_argument("--api-port", type=int, required=True)
    p.add_argument("--post-trickle", type=int, default=200)
    p.add_argument("--post-stall", type=int, default=100)
    p.add_argument("--slowloris", type=int, default=100)
    p.add_argument("--idle", type=int, default=100)
    p.add_argument("--trickle-s", type=float, default=10.0)
    p.add_argument("--source-addrs", type=int, default=0,
                   help="distinct source addresses (0: one per attacker)")
    asyncio.run(Attack(p.parse_args(argv)).run())


if __name__ == "__main__":
    sys.exit(main())

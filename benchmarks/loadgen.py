"""HTTP/1.1 keep-alive load generator for the ingest benchmark; runs in its own process.

Two loops, both over a fixed pool of keep-alive connections with one request in flight each:

- **closed** (``--rate 0``): every connection sends its next request as soon as the previous
  answer arrived, until ``--duration`` seconds or ``--count`` requests. Measures capacity.
- **open** (``--rate R``): request *i* is due at ``t0 + i/R`` whatever happened before; a free
  connection waits until the due time and sends. Latency is taken from the *due* time, not the
  send time, so a server that stalls is charged for the requests that piled up behind the stall
  (no coordinated omission). The send-time latency is reported too.

Either way the loop stops issuing at the deadline and then waits for every request in flight to
be answered, so ``count_2xx`` is exact: after the ingest's flush its stored count must equal it.
Writes one ``LOADGEN_JSON {...}`` line on stdout. Stdlib plus uvloop when installed; the request
bytes are built once and only replayed, so the generator stays cheap (its CPU is reported).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import time
from array import array
from collections import Counter
from typing import Any
from urllib.parse import urlsplit


class _Connection(asyncio.Protocol):
    """One keep-alive connection; ``request`` sends the fixed bytes and awaits one answer."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.waiter: asyncio.Future[int] | None = None
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's transport is no asyncio.Transport subclass

    def data_received(self, data: bytes) -> None:
        self.buf += data
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buf[:end]).lower()
        at = head.find(b"\r\ncontent-length:")
        length = 0
        if at >= 0:
            stop = head.find(b"\r\n", at + 2)
            length = int(head[at + 17 : stop if stop >= 0 else len(head)])
        total = end + 4 + length
        if len(self.buf) < total:
            return
        status = int(head[9:12])
        del self.buf[:total]
        waiter.set_result(status)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError(f"connection lost: {exc!r}"))

    async def request(self, data: bytes) -> int:
        assert self.transport is not None
        self.waiter = self.loop.create_future()
        self.transport.write(data)
        return await self.waiter


def build_request(url: str, body: bytes, encoding: str) -> tuple[str, int, bytes]:
    parts = urlsplit(url)
    if parts.hostname is None or parts.port is None:
        raise SystemExit(f"url {url!r} needs host and port")
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [
        f"POST {target} HTTP/1.1",
        f"Host: {parts.hostname}:{parts.port}",
        "Content-Type: application/x-sentry-envelope",
        "User-Agent: sentry.python/2.19.0",
        f"Content-Length: {len(body)}",
    ]
    if encoding:
        lines.append(f"Content-Encoding: {encoding}")
    return parts.hostname, parts.port, ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class _Run:
    """Shared state of one phase (warm-up or measured)."""

    def __init__(self, *, duration: float, count: int, rate: float, record: bool) -> None:
        self.duration = duration
        self.count = count
        self.rate = rate
        self.record = record
        self.issued = 0
        self.status: Counter[int] = Counter()
        self.errors = 0
        self.lat_ns = array("q")
        self.send_lat_ns = array("q")
        self.late_ns = array("q")
        self.t0 = 0
        self.deadline = 0

    def take(self) -> int | None:
        """The next request's index, or None once the phase is over (time or count)."""
        if self.count and self.issued >= self.count:
            return None
        if time.perf_counter_ns() >= self.deadline:
            return None
        i = self.issued
        self.issued += 1
        return i


async def _worker(
    run: _Run, loop: asyncio.AbstractEventLoop, host: str, port: int, data: bytes, conn: list[_Connection]
) -> None:
    perf = time.perf_counter_ns
    while True:
        i = run.take()
        if i is None:
            return
        due = 0
        if run.rate > 0:
            due = run.t0 + int(i * 1e9 / run.rate)
            if due >= run.deadline:
                return
            wait = due - perf()
            if wait > 0:
                await asyncio.sleep(wait / 1e9)
        if conn[0].lost:
            _, proto = await loop.create_connection(lambda: _Connection(loop), host, port)
            conn[0] = proto
        sent = perf()
        try:
            status = await conn[0].request(data)
        except (ConnectionError, OSError):
            run.errors += 1
            conn[0].lost = True
            continue
        done = perf()
        run.status[status] += 1
        if run.record:
            run.send_lat_ns.append(done - sent)
            if due:
                run.lat_ns.append(done - due)
                run.late_ns.append(max(0, sent - due))
            else:
                run.lat_ns.append(done - sent)


async def _phase(
    conns: list[list[_Connection]],
    host: str,
    port: int,
    data: bytes,
    *,
    duration: float,
    count: int,
    rate: float,
    record: bool,
) -> _Run:
    loop = asyncio.get_running_loop()
    run = _Run(duration=duration, count=count, rate=rate, record=record)
    run.t0 = time.perf_counter_ns()
    run.deadline = run.t0 + int(duration * 1e9) if duration > 0 else 2**62
    await asyncio.gather(*(_worker(run, loop, host, port, data, c) for c in conns))
    run.duration = (time.perf_counter_ns() - run.t0) / 1e9
    return run


def _pct(sorted_ns: list[int], p: float) -> float:
    if not sorted_ns:
        return float("nan")
    k = min(len(sorted_ns) - 1, max(0, round(p / 100 * len(sorted_ns)) - 1))
    return sorted_ns[k] / 1e6


def _summary(run: _Run, cpu_s: float) -> dict[str, Any]:
    lat = sorted(run.lat_ns)
    send = sorted(run.send_lat_ns)
    late = sorted(run.late_ns)
    ok = sum(n for s, n in run.status.items() if 200 <= s < 300)
    out: dict[str, Any] = {
        "seconds": run.duration,
        "issued": run.issued,
        "answered": sum(run.status.values()),
        "count_2xx": ok,
        "status": {str(k): v for k, v in sorted(run.status.items())},
        "errors": run.errors,
        "rate_2xx": ok / run.duration if run.duration else 0.0,
        "target_rate": run.rate,
        "cpu_s": cpu_s,
        "cpu_pct": 100 * cpu_s / run.duration if run.duration else 0.0,
    }
    for name, xs in (("lat", lat), ("send_lat", send)):
        for p in (50, 90, 99, 99.9):
            out[f"{name}_p{p:g}_ms"] = _pct(xs, p)
        out[f"{name}_max_ms"] = xs[-1] / 1e6 if xs else float("nan")
        out[f"{name}_mean_ms"] = sum(xs) / len(xs) / 1e6 if xs else float("nan")
    if run.rate > 0:
        out["late_p99_ms"] = _pct(late, 99)
        out["late_over_1ms"] = sum(1 for x in late if x > 1_000_000)
    return out


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


async def main_async(args: argparse.Namespace, body: bytes) -> dict[str, Any]:
    host, port, data = build_request(args.url, body, args.encoding)
    loop = asyncio.get_running_loop()
    conns: list[list[_Connection]] = []
    for _ in range(args.connections):
        _, proto = await loop.create_connection(lambda: _Connection(loop), host, port)
        conns.append([proto])
    result: dict[str, Any] = {"connections": args.connections, "request_bytes": len(data), "body_bytes": len(body)}
    if args.warmup > 0:
        w = await _phase(conns, host, port, data, duration=args.warmup, count=0, rate=args.rate, record=False)
        result["warmup"] = {"seconds": w.duration, "count_2xx": sum(n for s, n in w.status.items() if 200 <= s < 300)}
        result["warmup"]["errors"] = w.errors
    c0 = _cpu()
    run = await _phase(conns, host, port, data, duration=args.duration, count=args.count, rate=args.rate, record=True)
    result.update(_summary(run, _cpu() - c0))
    for c in conns:
        if c[0].transport is not None:
            c[0].transport.close()
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--body", required=True, help="file with the request body")
    ap.add_argument("--encoding", default="", help="Content-Encoding header value (empty: none)")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--duration", type=float, default=10.0, help="measured seconds (0: until --count)")
    ap.add_argument("--count", type=int, default=0, help="stop after this many requests (0: by time)")
    ap.add_argument("--rate", type=float, default=0.0, help="open loop at this many requests/s (0: closed loop)")
    ap.add_argument("--warmup", type=float, default=0.0, help="warm-up seconds, same loop, not recorded")
    args = ap.parse_args()
    if args.duration <= 0 and args.count <= 0:
        ap.error("give --duration or --count")
    try:
        import uvloop

        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
        loop_name = "uvloop"
    except ImportError:
        runner = asyncio.Runner()
        loop_name = "asyncio"
    with runner:
        with open(args.body, "rb") as f:
            body = f.read()
        result = runner.run(main_async(args, body))
    result["loop"] = loop_name
    print("LOADGEN_JSON " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()

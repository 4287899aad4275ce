"""Fault proxy overhead with no toxic: added latency (p50/p99) and throughput, direct vs through the proxy.

Three processes on loopback: a small keep-alive HTTP/1.1 server (this script with ``--serve``),
the proxy as users run it (``python -m harness.cli.chaos_cmd proxy``, its own process and event
loop), and the client (this process, blocking sockets). Every measurement is taken side by side,
interleaved: request i goes direct then through the proxy, request i+1 the other way round (ABBA),
so drift in machine load hits both arms alike. Latency is the client's request → full response
time; the overhead is the difference of the medians (and of the p99s).

    python benchmarks/chaos_proxy_overhead.py                      # 20,000 keep-alive requests per arm
    python benchmarks/chaos_proxy_overhead.py --requests 50000 --connect-requests 3000 --bulk-mb 256

Modes measured: keep-alive requests (the SDKs' case), a new connection per request (the proxy
then also opens an upstream connection), and bulk throughput (one large response, MB/s). The
budget checked is issue 7's: at most 1 ms added p50 with no toxic. Only loopback addresses are used.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BUDGET_P50_MS = 1.0
HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BLOCK = b"x" * (1 << 20)


# ---------------------------------------------------------------------------------------------
# the server (``--serve``): GET / → 200 "ok"; GET /bulk/N → N bytes
# ---------------------------------------------------------------------------------------------
async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ", 2)[1]
            if path.startswith(b"/bulk/"):
                size = int(path[6:])
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
                while size > 0:
                    writer.write(BLOCK[: min(size, len(BLOCK))])
                    size -= len(BLOCK)
                    await writer.drain()
            else:
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok")
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def _serve() -> None:
    server = await asyncio.start_server(_handle, "127.0.0.1", 0)
    print(f"READY 127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


# ---------------------------------------------------------------------------------------------
# the client
# ---------------------------------------------------------------------------------------------
REQUEST = b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n"


def _connect(address: tuple[str, int]) -> socket.socket:
    sock = socket.create_connection(address, timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _read_response(sock: socket.socket, buf: bytearray) -> int:
    """Read one response; returns its body length (the buffer keeps what follows it)."""
    while True:
        end = buf.find(b"\r\n\r\n")
        if end >= 0:
            break
        data = sock.recv(65536)
        if not data:
            raise ConnectionError("closed mid-response")
        buf += data
    length = 0
    for line in bytes(buf[:end]).split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    need = end + 4 + length
    while len(buf) < need:
        data = sock.recv(1 << 20)
        if not data:
            raise ConnectionError("closed mid-body")
        buf += data
    del buf[:need]
    return length


def _one_request(sock: socket.socket, buf: bytearray) -> float:
    start = time.perf_counter_ns()
    sock.sendall(REQUEST)
    _read_response(sock, buf)
    return (time.perf_counter_ns() - start) / 1e6


def keepalive(direct: tuple[str, int], proxied: tuple[str, int], n: int, warmup: int) -> dict[str, list[float]]:
    socks = {"direct": _connect(direct), "proxy": _connect(proxied)}
    bufs = {"direct": bytearray(), "proxy": bytearray()}
    out: dict[str, list[float]] = {"direct": [], "proxy": []}
    try:
        for i in range(warmup + n):
            order = ("direct", "proxy") if i % 2 == 0 else ("proxy", "direct")
            for arm in order:
                ms = _one_request(socks[arm], bufs[arm])
                if i >= warmup:
                    out[arm].append(ms)
    finally:
        for s in socks.values():
            s.close()
    return out


def new_connections(direct: tuple[str, int], proxied: tuple[str, int], n: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"direct": [], "proxy": []}
    addresses = {"direct": direct, "proxy": proxied}
    for i in range(n):
        order = ("direct", "proxy") if i % 2 == 0 else ("proxy", "direct")
        for arm in order:
            start = time.perf_counter_ns()
            with _connect(addresses[arm]) as sock:
                sock.sendall(REQUEST)
                _read_response(sock, bytearray())
            out[arm].append((time.perf_counter_ns() - start) / 1e6)
    return out


def bulk(direct: tuple[str, int], proxied: tuple[str, int], megabytes: int, rounds: int) -> dict[str, list[float]]:
    """MB/s (10^6 bytes) for one response of ``megabytes`` MiB, per round and arm."""
    size = megabytes << 20
    out: dict[str, list[float]] = {"direct": [], "proxy": []}
    addresses = {"direct": direct, "proxy": proxied}
    for i in range(rounds):
        order = ("direct", "proxy") if i % 2 == 0 else ("proxy", "direct")
        for arm in order:
            with _connect(addresses[arm]) as sock:
                start = time.perf_counter()
                sock.sendall(b"GET /bulk/%d HTTP/1.1\r\nHost: bench\r\n\r\n" % size)
                got = _read_response(sock, bytearray())
                out[arm].append(got / (time.perf_counter() - start) / 1e6)
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _start(args: list[str]) -> tuple[subprocess.Popen[str], tuple[str, int]]:
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, cwd=REPO)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("READY "):
        proc.kill()
        raise SystemExit(f"{args[:4]} did not start: {line!r}")
    host, port = line.split()[1].rsplit(":", 1)
    return proc, (host, int(port))


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
    if proc.stdout is not None:
        proc.stdout.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--requests", type=int, default=20_000, help="keep-alive requests per arm")
    parser.add_argument("--warmup", type=int, default=1_000)
    parser.add_argument("--connect-requests", type=int, default=2_000, help="new-connection requests per arm")
    parser.add_argument("--bulk-mb", type=int, default=128, help="MiB per bulk response")
    parser.add_argument("--bulk-rounds", type=int, default=4)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    if args.serve:
        asyncio.run(_serve())
        return 0

    server, direct = _start([sys.executable, str(Path(__file__).resolve()), "--serve"])
    proxy, proxied = _start(
        [sys.executable, "-m", "harness.cli.chaos_cmd", "proxy", "--upstream", f"{direct[0]}:{direct[1]}"]
    )
    try:
        started = time.time()
        ka = keepalive(direct, proxied, args.requests, args.warmup)
        nc = new_connections(direct, proxied, args.connect_requests)
        tp = bulk(direct, proxied, args.bulk_mb, args.bulk_rounds)
        elapsed = time.time() - started
    finally:
        _stop(proxy)
        _stop(server)

    figures: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "loadavg": os.getloadavg()}, "seconds": elapsed}
    print(f"fault proxy overhead, no toxic (loopback; {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.2f})")
    header = ("direct p50", "proxy p50", "added", "direct p99", "proxy p99", "added")
    print(f"{'mode':<30}" + "".join(f"{h:>12}" for h in header))
    for mode, data in (("keep-alive request (ms)", ka), ("new connection + request (ms)", nc)):
        d50, p50 = statistics.median(data["direct"]), statistics.median(data["proxy"])
        d99, p99 = pct(data["direct"], 0.99), pct(data["proxy"], 0.99)
        print(f"{mode:<30}{d50:>12.3f}{p50:>12.3f}{p50 - d50:>+12.3f}{d99:>12.3f}{p99:>12.3f}{p99 - d99:>+12.3f}")
        figures[mode] = {
            "n": len(data["direct"]),
            "direct_p50": d50,
            "proxy_p50": p50,
            "added_p50": p50 - d50,
            "direct_p99": d99,
            "proxy_p99": p99,
            "added_p99": p99 - d99,
        }
    d_mb, p_mb = statistics.median(tp["direct"]), statistics.median(tp["proxy"])
    print(f"bulk throughput, {args.bulk_mb} MiB response: direct {d_mb:,.0f} MB/s, proxy {p_mb:,.0f} MB/s")
    figures["bulk_mb_per_s"] = {"direct": d_mb, "proxy": p_mb, "rounds": args.bulk_rounds, "mib": args.bulk_mb}
    added = figures["keep-alive request (ms)"]["added_p50"]
    verdict = "PASS" if added <= BUDGET_P50_MS else "FAIL"
    print(f"budget: added p50 (keep-alive) {added:.3f} ms <= {BUDGET_P50_MS} ms: {verdict}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())

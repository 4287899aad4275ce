"""A tiny pipelined HTTP/1.1 client for load in tests: thousands of POSTs for little client CPU.

httpx costs milliseconds of client CPU per request, which on a 2-core machine measures the client,
not the server. Here each connection writes a batch of identical requests back to back and then
reads the batch's answers (HTTP/1.1 pipelining, which uvicorn serves in order).
"""

from __future__ import annotations

import socket
import threading
from urllib.parse import urlsplit


def _read_responses(sock: socket.socket, count: int, buf: bytearray) -> list[int]:
    statuses = []
    while len(statuses) < count:
        end = buf.find(b"\r\n\r\n")
        while end < 0:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection mid-batch")
            buf += chunk
            end = buf.find(b"\r\n\r\n")
        head = bytes(buf[:end]).decode("latin-1").split("\r\n")
        length = 0
        for line in head[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        while len(buf) < end + 4 + length:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection mid-body")
            buf += chunk
        del buf[: end + 4 + length]
        statuses.append(int(head[0].split()[1]))
    return statuses


def post_many(
    url: str,
    body: bytes,
    count: int,
    *,
    headers: dict[str, str] | None = None,
    connections: int = 8,
    batch: int = 50,
) -> list[int]:
    """POST ``body`` to ``url`` ``count`` times over ``connections`` keep-alive connections; the statuses."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    request = (f"POST {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Length: {len(body)}\r\n{extra}\r\n").encode(
        "latin-1"
    ) + body
    results: list[list[int]] = [[] for _ in range(connections)]
    errors: list[BaseException] = []

    def run(index: int, n: int) -> None:
        try:
            with socket.create_connection((parts.hostname, parts.port or 80), timeout=60) as sock:
                buf = bytearray()
                done = 0
                while done < n:
                    k = min(batch, n - done)
                    sock.sendall(request * k)
                    results[index] += _read_responses(sock, k, buf)
                    done += k
        except BaseException as exc:  # re-raised in the caller
            errors.append(exc)

    share = [count // connections + (1 if i < count % connections else 0) for i in range(connections)]
    threads = [threading.Thread(target=run, args=(i, n)) for i, n in enumerate(share) if n]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return [s for r in results for s in r]

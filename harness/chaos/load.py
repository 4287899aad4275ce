"""Steady load for chaos experiments: a fixed number of requests from a few workers, every outcome kept.

`drive` is the probe behind "the app keeps serving": it sends ``requests`` requests from
``concurrency`` threads (closed loop, each with its own keep-alive client) and returns a
`LoadSample` with every latency and every user-facing failure (an unexpected status, a transport
error, a timeout), so a check can say how many failed and what p95 was, before and under a fault.
It never retries: a retry would hide the failure the check is looking for.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = ["LoadSample", "drive", "percentile"]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..1); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class LoadSample:
    latencies_ms: list[float]
    """Every request's latency, failed ones included (a hang that timed out counts at its timeout)."""
    failures: list[str] = field(default_factory=list)
    """One line per user-facing failure: what was asked and what came back."""
    seconds: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def failed(self) -> int:
        return len(self.failures)

    @property
    def p50_ms(self) -> float:
        return percentile(self.latencies_ms, 0.50)

    @property
    def p95_ms(self) -> float:
        return percentile(self.latencies_ms, 0.95)

    def summary(self) -> str:
        return f"{self.requests} requests, {self.failed} failed, p50 {self.p50_ms:.1f} ms, p95 {self.p95_ms:.1f} ms"

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "failed": self.failed,
            "p50_ms": round(self.p50_ms, 3),
            "p95_ms": round(self.p95_ms, 3),
            "seconds": round(self.seconds, 3),
            "failures": self.failures[:10],
        }


def drive(
    base_url: str,
    path: str,
    *,
    requests: int,
    concurrency: int = 4,
    method: str = "GET",
    body: Callable[[int], Any] | None = None,
    headers: Mapping[str, str] | None = None,
    expect: Collection[int] = (200,),
    timeout: float = 30.0,
) -> LoadSample:
    """Send ``requests`` requests (``body(i)`` is request i's JSON body, if given) and record each outcome."""
    counter = iter(range(requests))
    lock = threading.Lock()
    latencies: list[float] = []
    failures: list[str] = []

    def worker() -> None:
        with httpx.Client(base_url=base_url, timeout=timeout, trust_env=False, headers=dict(headers or {})) as client:
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                start = time.perf_counter()
                problem = None
                try:
                    kwargs = {"json": body(i)} if body is not None else {}
                    response = client.request(method, path, **kwargs)
                    if response.status_code not in expect:
                        problem = f"{method} {path} #{i}: {response.status_code} {response.text[:120]!r}"
                except httpx.HTTPError as exc:
                    problem = f"{method} {path} #{i}: {type(exc).__name__}: {exc}"
                elapsed = (time.perf_counter() - start) * 1000
                with lock:
                    latencies.append(elapsed)
                    if problem:
                        failures.append(problem)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="chaos-load") as pool:
        for future in [pool.submit(worker) for _ in range(concurrency)]:
            future.result()
    return LoadSample(latencies, failures, time.perf_counter() - started)

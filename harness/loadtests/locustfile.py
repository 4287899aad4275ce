"""The performance gate's user journeys, driven as an open model from a block plan (issue 8).

Run only by Locust in its own process (``harness.load`` starts it): Locust monkey-patches the
standard library with gevent on import, so nothing pytest imports may import this file.

Why an open model: a closed-loop user waits for each answer before sending the next request, so a
slow target is sent *fewer* requests and its slowness hides (coordinated omission). Here one
scheduler greenlet starts one request per arrival on a fixed timetable (``rate`` per second), in a
greenlet of its own, whatever the earlier requests are doing; only a ``capacity`` block caps the
requests in flight, on purpose, to find the throughput at saturation.

The plan (JSON, path in ``LocustVariables.PLAN`` of harness.settings) lists blocks: arm (``A`` baseline,
``B`` instrumented), length, arrival rate, warm-up flag and the seed of the journey mix. Blocks run back to back on a
fixed timetable (every process of a distributed run follows the same wall-clock schedule and sends
its share of each arrival stream). Each block writes:

- ``block-NNN-wK.csv``: one row per request, from Locust's ``request`` event (never its rounded
  statistics): journey, due time (ms from block start), dispatch lag (ms), latency (ms, Locust's own
  ``response_time``), ok, status;
- ``block-NNN-wK.json``: counts, this process's CPU use, and the target's CPU seconds (psutil) over
  the block, when the plan gives the target's pid.

Health checks are never part of a journey: they are filtered by the SDK and would dilute the cost.
"""

from __future__ import annotations

import csv
import json
import os
import random
import time
from pathlib import Path
from typing import Any

import gevent
import gevent.pool
import psutil
from locust import events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.exception import StopUser

from harness.settings import LocustVariables

PLAN_ENV = LocustVariables.PLAN
WORKER_ENV = LocustVariables.WORKER_INDEX

# Tracks of the fake Spotify's catalogue (targets/fake_spotify/catalogue.py), and search words it knows.
TRACK_IDS = ("DY4OHELQthYEJUB29pjatc", "LxCpi3hRkCWM2nElGqu06H", "CwQQNrulkd37STFarje5M2", "FVGMXNqEcMvHWEeokdfnrM")
SEARCH_WORDS = ("love", "night", "blue", "summer", "dance", "river")
BEARER = {"Authorization": "Bearer gate-load-token"}

_PLAN: dict[str, Any] = json.loads(Path(os.environ[PLAN_ENV]).read_text()) if os.environ.get(PLAN_ENV) else {}
_ROWS: dict[int, list[tuple[str, float, float, float, int, int]]] = {}
_DUE: dict[int, float] = {}


def _record(
    *, response_time: float, exception: BaseException | None, context: dict[str, Any], response: Any = None, **_: Any
) -> None:
    block = context.get("gate_block")
    if block is None:
        return
    status = int(getattr(response, "status_code", 0) or 0)
    start_ms = (context["gate_start"] - _DUE[block]) * 1000
    lag_ms = (context["gate_start"] - context["gate_due"]) * 1000
    _ROWS.setdefault(block, []).append(
        (context["gate_journey"], start_ms - lag_ms, lag_ms, float(response_time), int(exception is None), status)
    )


events.request.add_listener(_record)  # type: ignore[no-untyped-call]  # a call, not a decorator: Locust leaves it untyped


def _journeys(weights: dict[str, int], rng: random.Random, count: int) -> list[str]:
    names = sorted(weights)
    return rng.choices(names, weights=[weights[n] for n in names], k=count)


def _target_times(pid: int | None) -> tuple[float | None, float | None]:
    """The target's (CPU time, time runnable but waiting for a CPU) in seconds, from one pass over
    ``/proc/<pid>/task/*/schedstat`` (fields 0 and 1, nanoseconds, summed over its threads; where
    ``/proc/<pid>/stat`` counts 10 ms ticks, 3% of a short block's CPU time). The wait is the direct
    measure of how much other work delayed it. Without schedstat, CPU falls back to the process's tick
    accounting and the wait is unknown. A thread that ends between two reads takes its time with it;
    the targets' threads live as long as the process."""
    if pid is None:
        return None, None
    run = wait = 0
    try:
        for task_dir in Path(f"/proc/{pid}/task").iterdir():
            try:
                fields = (task_dir / "schedstat").read_text().split()
                run, wait = run + int(fields[0]), wait + int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    except OSError:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:
            return None, None
        return float(times.user + times.system), None
    return run / 1e9, wait / 1e9


def _core_busy_seconds(core: int | None) -> float | None:
    """Busy time of one CPU (all processes), to tell how much of the target's core others took."""
    if core is None:
        return None
    t = psutil.cpu_times(percpu=True)[core]
    return float(t.user + t.nice + t.system + t.irq + t.softirq + getattr(t, "steal", 0.0))


class GateJourneys(FastHttpUser):
    """One scheduler per process; requests run in their own greenlets, sharing a connection pool."""

    host = "http://127.0.0.1"
    concurrency = int(_PLAN.get("max_concurrency", 256))
    network_timeout = float(_PLAN.get("request_timeout", 10.0))
    connection_timeout = float(_PLAN.get("request_timeout", 10.0))

    def _send(self, host: str, block: int, journey: str, due: float) -> None:
        context = {"gate_block": block, "gate_journey": journey, "gate_due": due, "gate_start": time.perf_counter()}
        if journey == "search":
            word = random.choice(SEARCH_WORDS)
            self.client.get(f"{host}/api/spotify/search?q={word}", name="search", headers=BEARER, context=context)
        elif journey == "track":
            track = random.choice(TRACK_IDS)
            self.client.get(f"{host}/api/spotify/tracks/{track}", name="track", headers=BEARER, context=context)
        elif journey == "profile":
            self.client.get(f"{host}/api/spotify/me", name="profile", headers=BEARER, context=context)
        else:
            body = {"email": "load.user@example.com", "password": "correct-horse-battery"}
            self.client.post(f"{host}/api/login", name="login", json=body, context=context)

    def _run_block(self, block: dict[str, Any], start: float, worker: int, workers: int) -> None:
        index = int(block["index"])
        arm = _PLAN["arms"][block["arm"]]
        seconds, rate = float(block["seconds"]), float(block["rate"])
        capped = block.get("kind") == "capacity"
        pool = gevent.pool.Pool(int(block.get("concurrency") or _PLAN.get("max_concurrency", 256)))
        total = int(seconds * rate)
        mine = range(worker, total, workers)
        rng = random.Random(int(block["seed"]))
        journeys = _journeys(_PLAN["journeys"], rng, total)
        core = _PLAN.get("target_core")
        cpu0, core0 = time.process_time(), _core_busy_seconds(core)
        target0, wait0 = _target_times(arm.get("pid"))
        wall0 = time.perf_counter()
        lag_from = max(0.0, start - wall0)
        _DUE[index] = wall0 + lag_from
        sent = 0
        for i in mine:
            due = _DUE[index] + i / rate
            if (wait := due - time.perf_counter()) > 0:
                gevent.sleep(wait)  # sleep-ok: this is the arrival timetable itself
            if capped and time.perf_counter() > _DUE[index] + seconds:
                break
            pool.spawn(self._send, arm["host"], index, journeys[i], due)  # blocks only when the cap is reached
            sent += 1
        arrivals_end = time.perf_counter()
        drained = pool.join(timeout=float(_PLAN.get("drain_seconds", 1.0)))
        in_flight = len(pool)
        pool.kill(block=False)
        wall = time.perf_counter() - wall0
        cpu = time.process_time() - cpu0
        core1 = _core_busy_seconds(core)
        target1, wait1 = _target_times(arm.get("pid"))
        rows = _ROWS.pop(index, [])
        out = Path(_PLAN["out_dir"])
        with (out / f"block-{index:03d}-w{worker}.csv").open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(("journey", "due_ms", "lag_ms", "latency_ms", "ok", "status"))
            writer.writerows((j, f"{d:.3f}", f"{lg:.3f}", f"{lat:.3f}", ok, st) for j, d, lg, lat, ok, st in rows)
        meta = {
            "index": index,
            "arm": block["arm"],
            "worker": worker,
            "offered_rate": rate / workers,
            "sent": sent,
            "completed": len(rows),
            "errors": sum(1 for r in rows if not r[4]),
            "in_flight_at_end": in_flight,
            "drained": bool(drained),
            "arrival_seconds": arrivals_end - wall0,
            "wall_seconds": wall,
            "loadgen_cpu_seconds": cpu,
            "target_cpu_seconds": None if target0 is None or target1 is None else target1 - target0,
            "target_core_busy_seconds": None if core0 is None or core1 is None else core1 - core0,
            "target_wait_seconds": None if wait0 is None or wait1 is None else wait1 - wait0,
        }
        (out / f"block-{index:03d}-w{worker}.json").write_text(json.dumps(meta))

    @task
    def run_plan(self) -> None:
        worker = int(os.environ.get(WORKER_ENV, getattr(self.environment.runner, "worker_index", 0)))
        workers = int(_PLAN.get("workers", 1))
        out = Path(_PLAN["out_dir"])
        # Wall-clock start shared by every process of a distributed run; a local run starts now.
        start_wall = float(_PLAN.get("start_at") or time.time())
        late = time.time() - start_wall
        if late > 0.5:
            (out / f"late-w{worker}.txt").write_text(f"worker {worker} started {late:.2f} s after the plan's start")
        slot_start = time.perf_counter() + (start_wall - time.time())
        for block in _PLAN["blocks"]:
            if (wait := slot_start - time.perf_counter()) > 0:
                gevent.sleep(wait)  # sleep-ok: the timetable's next block
            self._run_block(block, slot_start, worker, workers)
            slot_start += float(block["seconds"]) + float(_PLAN.get("drain_seconds", 1.0))
        (out / f"done-w{worker}.txt").write_text("done")
        runner = self.environment.runner
        if runner is not None and type(runner).__name__ == "LocalRunner":
            gevent.spawn_later(0, runner.quit)
        raise StopUser

"""Run Locust on a plan, always as child processes: one local process, or one master and N workers.

Locust monkey-patches the standard library with gevent when it is imported, which would break pytest,
xdist and every thread in the harness: so this module never imports it, it runs ``python -m locust``.
Each process is a `harness.common.process.ManagedProcess`, pinned (``taskset``) to the load core when
one is given, its output in a log file; the run is bounded by the timetable's length plus a start-up
allowance, and a run that overruns is killed and reported with its log.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from harness.common.process import ManagedProcess
from harness.load.plan import LoadPlan
from harness.settings import AppVariables, LocustVariables

__all__ = ["LOCUSTFILE", "LocustRunError", "locust_argv", "run_locust"]

# Shipped inside the package (harness/loadtests/), so an installed gate finds it without a source checkout.
LOCUSTFILE: Final = Path(__file__).resolve().parents[1] / "loadtests" / "locustfile.py"
STARTUP_ALLOWANCE_S: Final = 20.0  # gevent + locust import on a loaded 2-core machine


class LocustRunError(RuntimeError):
    """Locust did not finish its timetable; the message carries the tail of its logs."""


@dataclass(frozen=True, slots=True)
class LocustRun:
    seconds: float
    logs: tuple[Path, ...]


def _free_port() -> int:
    # Locust's workers must be told the master's port, so it cannot simply bind port 0 itself.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def locust_argv(
    role: str, *, run_seconds: float, workers: int = 1, master_port: int = 0, python: str = sys.executable
) -> list[str]:
    """The command line of one Locust process: ``local``, ``master`` or ``worker``."""
    base = [python, "-m", "locust", "-f", str(LOCUSTFILE), "--loglevel", "WARNING", "--host", "http://127.0.0.1"]
    if role == "worker":
        return [*base, "--worker", "--master-host", "127.0.0.1", "--master-port", str(master_port)]
    users = ["-u", str(workers), "-r", str(workers), "--run-time", f"{math_ceil(run_seconds)}s", "--stop-timeout", "5"]
    if role == "master":
        return [
            *base,
            "--headless",
            "--master",
            "--master-bind-host",
            "127.0.0.1",
            "--master-bind-port",
            str(master_port),
            "--expect-workers",
            str(workers),
            "--expect-workers-max-wait",
            str(int(STARTUP_ALLOWANCE_S)),
            *users,
        ]
    return [*base, "--headless", "--only-summary", *users]


def math_ceil(x: float) -> int:
    return int(-(-x // 1))


def _tail(procs: list[ManagedProcess], lines: int = 30) -> str:
    return "\n".join(p.log_tail(lines) for p in procs)


def _all_done(out: Path, workers: int) -> bool:
    return all((out / f"done-w{w}.txt").exists() for w in range(workers))


def _wait_done(procs: list[ManagedProcess], out: Path, workers: int, deadline: float) -> None:
    """Wait for the first process (local, or master) to exit; a master is told to stop (SIGTERM) as soon as
    every worker has written its done marker, rather than idling out the rest of ``--run-time``."""
    first = procs[0]
    while first.poll() is None:
        if time.monotonic() > deadline:
            raise LocustRunError(f"Locust overran its timetable\n{_tail(procs)}")
        if workers > 1 and _all_done(out, workers):
            first.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            first.wait(0.5)  # the condition is the process's exit; the 0.5 s bounds how late done is noticed
    for proc in procs[1:]:
        try:
            proc.wait(max(0.1, min(15.0, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGTERM)


def run_locust(plan: LoadPlan, plan_path: Path, *, cpu: int | None = None) -> LocustRun:
    """Run the plan to its end (``done-wK.txt`` from every process) or raise ``LocustRunError``."""
    out = Path(plan.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SENTRY_", AppVariables.PREFIX))}
    env.update({LocustVariables.PLAN: str(plan_path), "PYTHONUNBUFFERED": "1"})
    # Generous: a local run quits by itself when its timetable is done; a master is stopped at "done".
    run_seconds = 1.5 * plan.timetable_seconds() + STARTUP_ALLOWANCE_S
    procs: list[ManagedProcess] = []

    def spawn(name: str, argv: list[str], extra: dict[str, str]) -> None:
        procs.append(
            ManagedProcess.start(
                f"locust-{name}", argv, log_path=out / f"locust-{name}.log", env={**env, **extra}, cpu=cpu
            )
        )

    started = time.monotonic()
    try:
        if plan.workers == 1:
            spawn("local", locust_argv("local", run_seconds=run_seconds), {LocustVariables.WORKER_INDEX: "0"})
        else:
            port = _free_port()
            spawn("master", locust_argv("master", run_seconds=run_seconds, workers=plan.workers, master_port=port), {})
            for w in range(plan.workers):
                spawn(
                    f"worker{w}",
                    locust_argv("worker", run_seconds=0, master_port=port),
                    {LocustVariables.WORKER_INDEX: str(w)},
                )
        deadline = started + run_seconds + STARTUP_ALLOWANCE_S + 15
        _wait_done(procs, out, plan.workers, deadline)
    finally:
        for proc in procs:
            proc.stop(timeout=0.0)  # what still runs here has overrun or failed: no grace
    missing = [w for w in range(plan.workers) if not (out / f"done-w{w}.txt").exists()]
    if missing:
        raise LocustRunError(f"Locust process(es) {missing} did not finish the plan\n{_tail(procs)}")
    return LocustRun(time.monotonic() - started, tuple(p.log_path for p in procs))

"""The processes a server-side comparison needs, placed on the machine's two cores.

Baseline (A) is the bundled target with no DSN (Sentry off); instrumented (B) is the same target with
the mode's real configuration, sending to an ingest this rig starts. Both share one fake Spotify with a
fixed latency, so a route's time is known and the SDK's share of it is measurable. The targets are
pinned to the target core (every thread, present and future: threads inherit the main thread's
mask); the ingest and the fake Spotify go to the load core with Locust, so the instrumented side does
not also pay for the fake Sentry's work. Only one target is sent load at a time, so the idle one
costs its core nothing. Everything is stopped on exit, always.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final

from harness.ingest.launcher import start_ingest
from harness.load.plan import Arm
from harness.targets.launcher import start_target
from harness.targets.options import TargetOptions
from harness.targets.spotify import FakeSpotify

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from harness.ingest.launcher import IngestProcess
    from harness.targets.target import Target

__all__ = [
    "BASELINE",
    "INSTRUMENTED",
    "ArmSpec",
    "ArmsRig",
    "Cores",
    "ServerRig",
    "arms_rig",
    "pick_cores",
    "pin_process",
    "server_rig",
]

INGEST_PROJECT: Final = 1


@dataclass(frozen=True, slots=True)
class Cores:
    target: int | None
    load: int | None

    def describe(self) -> str:
        if self.target is None:
            return "not pinned (fewer than two usable cores)"
        return f"target on CPU {self.target}; Locust, ingest and fake Spotify on CPU {self.load}"


def pick_cores(available: set[int] | None = None) -> Cores:
    """The first usable core for the target, the last for the load; no pinning with one core."""
    cpus = sorted(os.sched_getaffinity(0) if available is None else available)
    if len(cpus) < 2:
        return Cores(None, None)
    return Cores(cpus[0], cpus[-1])


def pin_process(pid: int, cpu: int | None) -> int:
    """Pin every thread of ``pid`` to ``cpu``; returns how many threads were pinned."""
    if cpu is None:
        return 0
    pinned = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
            os.sched_setaffinity(int(task.name), {cpu})
            pinned += 1
    return pinned


@dataclass(frozen=True, slots=True)
class ArmSpec:
    """How one arm's target runs: with Sentry (a DSN on the rig's ingest) or without, a mutant, extra env."""

    sentry: bool
    mutant: str | None = None
    env: Mapping[str, str | None] = field(default_factory=dict)

    def describe(self) -> dict[str, object]:
        return {"sentry": self.sentry, "mutant": self.mutant, **dict(self.env)}


BASELINE: Final = ArmSpec(sentry=False)
INSTRUMENTED: Final = ArmSpec(sentry=True)


@dataclass
class ArmsRig:
    """Several arms of one target behind one ingest and one fake Spotify (attribution's rotation):
    ``A`` is the baseline, every other key one configuration. Idle arms wait on the target core; only
    the arm a block drives is sent load."""

    name: str
    targets: dict[str, Target]
    specs: dict[str, ArmSpec]
    spotify: FakeSpotify
    ingest: IngestProcess
    cores: Cores
    environment: str
    spotify_latency_ms: int
    log_dir: Path

    def arms(self) -> dict[str, Arm]:
        return {
            key: Arm(t.url, t.process.popen.pid if t.process is not None else None) for key, t in self.targets.items()
        }

    def describe(self) -> dict[str, object]:
        return {
            "target": self.name,
            "environment": self.environment,
            "spotify_latency_ms": self.spotify_latency_ms,
            "arms": {key: spec.describe() for key, spec in self.specs.items()},
            "cores": self.cores.describe(),
        }

    def start_arm(self, label: str, spec: ArmSpec) -> Target:
        """Start one more arm in this rig (same ingest, fake Spotify and core), pinned like the others.

        Why later than the rest: an arm whose configuration depends on what another arm measured (a
        mutant's injected cost sized from the baseline's service time) can only start after it. The
        rig stops it with the others."""
        if label in self.targets:
            raise ValueError(f"arm {label!r} is already running")
        opts = TargetOptions(
            environment=self.environment,
            server_dsn=self.ingest.dsns[INGEST_PROJECT] if spec.sentry else None,
            browser_dsn=self.ingest.dsns[INGEST_PROJECT] if spec.sentry else None,
            fault_token=None,
            mutant=spec.mutant,
            extra_env=dict(spec.env),
        )
        target = start_target(self.name, opts, self.log_dir / label, spotify_url=self.spotify.url)
        self.targets[label] = target
        self.specs[label] = spec
        if target.process is not None:
            pin_process(target.process.popen.pid, self.cores.target)
        return target


@contextmanager
def arms_rig(
    name: str,
    log_dir: Path,
    specs: Mapping[str, ArmSpec],
    *,
    environment: str = "production",
    spotify_latency_ms: int = 20,
    cores: Cores | None = None,
) -> Iterator[ArmsRig]:
    """Start ingest, fake Spotify and one target per spec (in parallel: each waits for its health
    route), each pinned to the target core. Everything started is stopped on exit, always, arms
    started later with ``start_arm`` included."""
    cores = pick_cores() if cores is None else cores
    key = secrets.token_hex(16)
    ingest = start_ingest(log_dir / "ingest", projects=[(INGEST_PROJECT, key)], cpu=cores.load)
    rig: ArmsRig | None = None
    try:
        spotify = FakeSpotify.start(log_dir / "spotify", latency_ms=spotify_latency_ms)
        rig = ArmsRig(name, {}, {}, spotify, ingest, cores, environment, spotify_latency_ms, log_dir)
        pin_process(spotify.process.popen.pid, cores.load)
        with ThreadPoolExecutor(max_workers=4) as pool:
            futures = [pool.submit(rig.start_arm, label, spec) for label, spec in specs.items()]
            for future in futures:
                future.result()  # the first failure is raised once every start has ended
        rig.targets = {label: rig.targets[label] for label in specs}  # the specs' order, not the starts'
        rig.specs = dict(specs)
        yield rig
    finally:
        if rig is not None:
            for target in list(rig.targets.values()):
                with contextlib.suppress(Exception):
                    target.stop()
            with contextlib.suppress(Exception):
                rig.spotify.stop()
        ingest.stop()


@dataclass
class ServerRig:
    """The A/B rig: an ``ArmsRig`` of two arms, ``baseline`` (A, by default no DSN) and ``instrumented`` (B)."""

    rig: ArmsRig

    @property
    def cores(self) -> Cores:
        return self.rig.cores

    def arms(self) -> dict[str, Arm]:
        arms = self.rig.arms()
        return {"A": arms["baseline"], "B": arms["instrumented"]}

    def describe(self) -> dict[str, object]:
        """The rig's description with the two arms' specs under ``baseline`` and ``instrumented``."""
        described = self.rig.describe()
        specs = described.pop("arms")
        cores = described.pop("cores")
        assert isinstance(specs, dict)
        return {**described, **specs, "cores": cores}


@contextmanager
def server_rig(
    name: str,
    log_dir: Path,
    *,
    environment: str = "production",
    baseline: ArmSpec = BASELINE,
    instrumented: ArmSpec = INSTRUMENTED,
    spotify_latency_ms: int = 20,
    cores: Cores | None = None,
) -> Iterator[ServerRig]:
    """Start ingest, fake Spotify and both targets. By default A has no DSN and B the mode's real
    configuration; an A/A run (how the gate checks itself) passes the same spec for both."""
    specs = {"baseline": baseline, "instrumented": instrumented}
    with arms_rig(
        name, log_dir, specs, environment=environment, spotify_latency_ms=spotify_latency_ms, cores=cores
    ) as rig:
        yield ServerRig(rig)

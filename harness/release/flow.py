"""The release flow a CI pipeline runs, with the real ``sentry-cli``, each step timed.

Steps, in the order of the seed's plan: ``releases new``, ``sourcemaps inject`` (debug IDs into the
built files, in place, as CI does before deploying them), ``sourcemaps upload`` (an artifact bundle
for the release), ``releases finalize``, ``deploys new``. A step that fails stops the flow; the
steps that ran keep their times and output, so a report can say which step failed and why.
Mutants of the pipeline are expressed by leaving steps out (``skip``) or uploading another folder.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.release.sentry_cli import CliTarget

STEPS = ("releases-new", "sourcemaps-inject", "sourcemaps-upload", "releases-finalize", "deploys-new")
STEP_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class StepResult:
    name: str
    argv: tuple[str, ...]
    seconds: float
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "argv": list(self.argv),
            "seconds": round(self.seconds, 3),
            "returncode": self.returncode,
            "stderr_tail": self.stderr[-2000:],
        }


@dataclass(frozen=True)
class FlowResult:
    steps: tuple[StepResult, ...]
    skipped: tuple[str, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.steps)

    @property
    def failed(self) -> StepResult | None:
        return next((s for s in self.steps if not s.ok), None)

    def step(self, name: str) -> StepResult | None:
        return next((s for s in self.steps if s.name == name), None)

    def timings(self) -> dict[str, float]:
        return {s.name: round(s.seconds, 3) for s in self.steps}

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
            "steps": [s.as_dict() for s in self.steps],
            "skipped": list(self.skipped),
        }


@dataclass
class ReleaseFlow:
    cli: Path
    target: CliTarget
    release: str
    dist: Path
    """The built client (debug IDs are injected here, in place)."""
    environment: str = "production"
    url_prefix: str = "~/"
    upload_dist: Path | None = None
    """Upload this folder instead of ``dist`` (the stale-maps mutant); default ``dist``."""
    skip: Sequence[str] = ()
    extra_upload_args: Sequence[str] = ()
    timeout_s: float = STEP_TIMEOUT_S
    env: dict[str, str] | None = field(default=None, repr=False)

    def commands(self) -> list[tuple[str, list[str]]]:
        cli = str(self.cli)
        upload = self.upload_dist or self.dist
        all_steps = [
            ("releases-new", [cli, "releases", "new", self.release]),
            ("sourcemaps-inject", [cli, "sourcemaps", "inject", str(self.dist)]),
            (
                "sourcemaps-upload",
                [
                    cli,
                    "sourcemaps",
                    "upload",
                    "--release",
                    self.release,
                    "--url-prefix",
                    self.url_prefix,
                    *self.extra_upload_args,
                    str(upload),
                ],
            ),
            ("releases-finalize", [cli, "releases", "finalize", self.release]),
            ("deploys-new", [cli, "deploys", "new", "--release", self.release, "-e", self.environment]),
        ]
        unknown = set(self.skip) - set(STEPS)
        if unknown:
            raise ValueError(f"unknown step(s) {sorted(unknown)}; steps are {STEPS}")
        return [(name, argv) for name, argv in all_steps if name not in self.skip]

    def run(self) -> FlowResult:
        env = self.target.env(self.env)
        started = time.perf_counter()
        results: list[StepResult] = []
        for name, argv in self.commands():
            t0 = time.perf_counter()
            try:
                proc = subprocess.run(
                    argv, env=env, capture_output=True, text=True, timeout=self.timeout_s, check=False
                )
                code, out, err = proc.returncode, proc.stdout, proc.stderr
            except subprocess.TimeoutExpired as exc:
                code = -1
                out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
                err = f"timed out after {self.timeout_s:g} s"
            results.append(StepResult(name, tuple(argv), time.perf_counter() - t0, code, out, err))
            if code != 0:
                break
        return FlowResult(tuple(results), tuple(self.skip), time.perf_counter() - started)

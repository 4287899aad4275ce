"""Replay a workflow's release steps locally, with the same commands in the same order.

A GitHub Actions workflow's ``run:`` steps are shell scripts; the release steps of
``.github/workflows/deploy.yml`` (ids starting ``release-``, then ``strip-maps``) are run here with
bash against the fake Sentry, in a workspace laid out like the checkout. ``${{ … }}`` expressions in
``env`` are replaced from a table the caller gives (``github.sha``, ``vars.*``, ``secrets.*``); an
expression the table does not know is an error, so a changed workflow cannot be replayed silently
wrong. Nothing else of GitHub Actions is emulated.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

_EXPR = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")
REPLAYED_PREFIXES = ("release-", "strip-maps")


@dataclass(frozen=True)
class RunStep:
    id: str
    name: str
    run: str
    env: Mapping[str, str]


@dataclass(frozen=True)
class StepOutcome:
    step: RunStep
    returncode: int
    seconds: float
    stdout: str
    stderr: str


def load_job(path: Path, job: str) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    jobs = data.get("jobs") or {}
    if job not in jobs:
        raise ValueError(f"{path} has no job {job!r} (jobs: {sorted(jobs)})")
    found: dict[str, Any] = jobs[job]
    return found


def substitute(value: str, table: Mapping[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        expr = match.group(1)
        if expr not in table:
            raise KeyError(f"the replay has no value for ${{{{ {expr} }}}}")
        return table[expr]

    return _EXPR.sub(one, value)


def release_steps(job: Mapping[str, Any], prefixes: tuple[str, ...] = REPLAYED_PREFIXES) -> list[RunStep]:
    """The job's ``run`` steps whose id starts with one of ``prefixes``, in workflow order."""
    steps = []
    for raw in job.get("steps") or []:
        step_id = str(raw.get("id") or "")
        if "run" in raw and step_id.startswith(prefixes):
            env = {str(k): str(v) for k, v in (raw.get("env") or {}).items()}
            steps.append(RunStep(step_id, str(raw.get("name") or step_id), str(raw["run"]), env))
    return steps


def replay(
    job: Mapping[str, Any],
    workspace: Path,
    table: Mapping[str, str],
    base_env: Mapping[str, str],
    *,
    timeout: float = 120.0,
) -> list[StepOutcome]:
    """Run the release steps with ``bash -e`` in ``workspace``; stops at the first failing step."""
    job_env = {str(k): substitute(str(v), table) for k, v in (job.get("env") or {}).items()}
    outcomes = []
    for step in release_steps(job):
        env = {**base_env, **job_env, **{k: substitute(v, table) for k, v in step.env.items()}}
        started = time.perf_counter()
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step.run],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        outcomes.append(StepOutcome(step, proc.returncode, time.perf_counter() - started, proc.stdout, proc.stderr))
        if proc.returncode != 0:
            break
    return outcomes

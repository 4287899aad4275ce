"""Experiments in the Chaos Toolkit shape: steady state → inject → steady state under the fault → roll back → recovered.

An `Experiment` names its steady-state hypothesis (probes with tolerances), the faults and actions
of its method, and its rollbacks. `run_experiment` checks the hypothesis before anything is
injected, injects, checks it again while the fault is active (Chaos Toolkit's "after", taken before
the rollbacks), rolls back (always: the "always" rollback strategy, also when a probe or action
failed or raised, or the system was not steady to begin with), then checks recovery. The `Journal`
keeps every probe's measured value, so a report shows the steady state before and after, the fault
and the figures. Probes and actions are plain callables: this module must not know about proxies,
targets or Sentry.
"""

from __future__ import annotations

import enum
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from harness.results import CheckResult, Verdict

__all__ = [
    "Action",
    "ActivityRecord",
    "Experiment",
    "ExperimentStatus",
    "Fault",
    "Journal",
    "Probe",
    "ProbeRecord",
    "run_experiment",
]


class ExperimentStatus(enum.StrEnum):
    COMPLETED = "completed"
    """The hypothesis held before, under the fault and after roll back."""
    DEVIATED = "deviated"
    """It held before but not under the fault, or the system did not recover."""
    FAILED = "failed"
    """It did not hold before anything was injected: the experiment says nothing about the fault."""
    ABORTED = "aborted"
    """An action raised (the fault could not be injected): nothing to conclude."""
    INTERRUPTED = "interrupted"
    """The run itself was interrupted (Ctrl-C, a test timeout): rolled back, then re-raised."""


Tolerance = Callable[[Any], bool] | tuple[float, float] | bool | int | float | str | None


@dataclass(frozen=True)
class Probe:
    """A measurement and what counts as steady.

    ``tolerance`` is Chaos Toolkit's: a value the measurement must equal (default ``True``), a
    ``(low, high)`` range (inclusive), a predicate, or None (any value: only ``relative`` judges).
    ``relative``, if given, is also checked under the fault and after roll back, against what the
    same probe measured before: ``lambda now, before: now <= 1.1 * before``.
    """

    name: str
    measure: Callable[[], Any]
    tolerance: Tolerance = True
    relative: Callable[[Any, Any], bool] | None = None
    relative_text: str = ""
    """How to show ``relative`` in a report, e.g. ``≤ 110% of before``."""

    def within(self, value: Any, before: Any = None, *, compare: bool = False) -> bool:
        if not _within(self.tolerance, value):
            return False
        return not (compare and self.relative is not None) or bool(self.relative(value, before))

    def describe(self) -> str:
        text = _describe(self.tolerance)
        if self.relative is not None:
            text += f"; {self.relative_text or 'relative check'} vs. before"
        return text


@dataclass(frozen=True)
class Action:
    name: str
    run: Callable[[], Any]


class Fault(Protocol):
    """Something an experiment injects and must be able to take back (e.g. `harness.chaos.faults.ToxicFault`)."""

    @property
    def name(self) -> str: ...

    def inject(self) -> Any: ...

    def rollback(self) -> Any: ...


@dataclass(frozen=True)
class Experiment:
    title: str
    steady_state: Sequence[Probe]
    faults: Sequence[Fault] = ()
    """Injected in order at the start of the method; rolled back in reverse order first among the rollbacks."""
    method: Sequence[Action | Probe] = ()
    """Run after the faults: actions (e.g. drive load) and probes, whose values are recorded, not judged."""
    rollbacks: Sequence[Action] = ()
    recovery: Sequence[Probe] | None = None
    """Checked after roll back; None means the steady-state probes again."""
    description: str = ""


@dataclass(frozen=True)
class ProbeRecord:
    phase: str
    """``before``, ``during`` (under the fault), ``after`` (after roll back) or ``method``."""
    name: str
    value: Any
    tolerance: str
    ok: bool | None
    """None for method probes, which are recorded but not judged."""
    duration_s: float
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "name": self.name,
            "value": _jsonable(self.value),
            "tolerance": self.tolerance,
            "ok": self.ok,
            "duration_s": round(self.duration_s, 6),
            "error": self.error,
        }


@dataclass(frozen=True)
class ActivityRecord:
    phase: str
    """``method`` or ``rollback``."""
    name: str
    ok: bool
    duration_s: float
    output: Any = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "name": self.name,
            "ok": self.ok,
            "duration_s": round(self.duration_s, 6),
            "output": _jsonable(self.output),
            "error": self.error,
        }


@dataclass
class Journal:
    """What happened, in order, with every measured value: the evidence behind a chaos check."""

    title: str
    status: ExperimentStatus = ExperimentStatus.COMPLETED
    faults: list[str] = field(default_factory=list)
    steady_states: dict[str, list[ProbeRecord]] = field(
        default_factory=lambda: {"before": [], "during": [], "after": []}
    )
    run: list[ActivityRecord | ProbeRecord] = field(default_factory=list)
    rollbacks: list[ActivityRecord] = field(default_factory=list)
    duration_s: float = 0.0

    @property
    def deviations(self) -> list[ProbeRecord]:
        return [r for records in self.steady_states.values() for r in records if r.ok is False]

    @property
    def rollback_errors(self) -> list[ActivityRecord]:
        return [r for r in self.rollbacks if not r.ok]

    def value(self, phase: str, probe: str) -> Any:
        """What ``probe`` measured in ``phase`` (``before``, ``during``, ``after``); KeyError if it did not run."""
        for record in self.steady_states[phase]:
            if record.name == probe:
                return record.value
        raise KeyError(f"probe {probe!r} did not run in phase {phase!r}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "status": self.status.value,
            "faults": list(self.faults),
            "steady_states": {phase: [r.as_dict() for r in rs] for phase, rs in self.steady_states.items()},
            "run": [r.as_dict() for r in self.run],
            "rollbacks": [r.as_dict() for r in self.rollbacks],
            "duration_s": round(self.duration_s, 3),
        }

    def summary(self) -> str:
        """A few lines for a report: status, the fault, each probe before / under the fault / after."""
        lines = [f"{self.title}: {self.status.value} in {self.duration_s:.1f} s"]
        if self.faults:
            lines.append("fault: " + "; ".join(self.faults))
        names = list(dict.fromkeys(r.name for rs in self.steady_states.values() for r in rs))
        for name in names:
            cells = []
            for phase in ("before", "during", "after"):
                record = next((r for r in self.steady_states[phase] if r.name == name), None)
                if record is None:
                    cells.append(f"{phase} –")
                else:
                    mark = "ok" if record.ok else ("error" if record.error else "NOT MET")
                    shown = record.error if record.error else _short(record.value)
                    cells.append(f"{phase} {shown} ({mark})")
            tolerance = next(r.tolerance for rs in self.steady_states.values() for r in rs if r.name == name)
            lines.append(f"  {name} [{tolerance}]: " + ", ".join(cells))
        for activity in self.run:
            if isinstance(activity, ActivityRecord) and not activity.ok:
                lines.append(f"  action {activity.name} raised: {activity.error}")
        for rollback in self.rollback_errors:
            lines.append(f"  rollback {rollback.name} raised: {rollback.error}")
        return "\n".join(lines)

    def to_check_result(self, check_id: str, *, evidence: dict[str, Any] | None = None) -> CheckResult:
        """Completed → pass; deviated → fail (naming each probe, phase and value); failed/aborted → inconclusive."""
        verdict = {
            ExperimentStatus.COMPLETED: Verdict.PASS,
            ExperimentStatus.DEVIATED: Verdict.FAIL,
            ExperimentStatus.FAILED: Verdict.INCONCLUSIVE,
            ExperimentStatus.ABORTED: Verdict.INCONCLUSIVE,
            ExperimentStatus.INTERRUPTED: Verdict.INCONCLUSIVE,
        }[self.status]
        if self.status is ExperimentStatus.COMPLETED:
            text = f"{self.title}: the steady state held before, under the fault and after roll back"
        elif self.status is ExperimentStatus.INTERRUPTED:
            text = f"{self.title}: interrupted (rolled back)"
        elif self.status is ExperimentStatus.ABORTED:
            failed = next((r for r in self.run if isinstance(r, ActivityRecord) and not r.ok), None)
            culprit = f"{failed.name} raised {failed.error}" if failed else "an action raised"
            text = f"{self.title}: aborted, {culprit}"
        else:
            where = "before the fault (not steady to begin with)" if self.status is ExperimentStatus.FAILED else ""
            parts = [
                f"{r.name} {r.phase}: {r.error or _short(r.value)} (tolerance {r.tolerance})" for r in self.deviations
            ]
            text = f"{self.title}: {self.status.value} {where}".rstrip() + "; " + "; ".join(parts)
        if self.rollback_errors:
            text += "; rollback failed: " + ", ".join(r.name for r in self.rollback_errors)
        return CheckResult(
            check_id=check_id,
            verdict=verdict,
            summary=text.strip(),
            evidence={"experiment": self.as_dict(), **(evidence or {})},
        )


def run_experiment(experiment: Experiment, *, clock: Callable[[], float] = time.perf_counter) -> Journal:
    """Run it, always rolling back; exceptions from probes and actions are recorded, not raised."""
    journal = Journal(title=experiment.title, faults=[f.name for f in experiment.faults])
    started = clock()
    injected: list[Fault] = []
    try:
        if not _check(experiment.steady_state, "before", journal, clock):
            journal.status = ExperimentStatus.FAILED
            return journal
        for fault in experiment.faults:
            injected.append(fault)  # roll back even if inject raised half-way
            if not _act(Action(f"inject {fault.name}", fault.inject), "method", journal.run, clock):
                journal.status = ExperimentStatus.ABORTED
                return journal
        for activity in experiment.method:
            if isinstance(activity, Probe):
                journal.run.append(_measure(activity, "method", None, clock, judge=False))
            elif not _act(activity, "method", journal.run, clock):
                journal.status = ExperimentStatus.ABORTED
                return journal
        if not _check(experiment.steady_state, "during", journal, clock):
            journal.status = ExperimentStatus.DEVIATED
    except BaseException:
        journal.status = ExperimentStatus.INTERRUPTED
        raise
    finally:
        for fault in reversed(injected):
            _act(Action(f"roll back {fault.name}", fault.rollback), "rollback", journal.rollbacks, clock)
        for action in experiment.rollbacks:
            _act(action, "rollback", journal.rollbacks, clock)
        if journal.status in (ExperimentStatus.COMPLETED, ExperimentStatus.DEVIATED):
            recovery = experiment.steady_state if experiment.recovery is None else experiment.recovery
            if not _check(recovery, "after", journal, clock):
                journal.status = ExperimentStatus.DEVIATED
        journal.duration_s = clock() - started
    return journal


def _check(probes: Sequence[Probe], phase: str, journal: Journal, clock: Callable[[], float]) -> bool:
    ok = True
    for probe in probes:
        before = next((r.value for r in journal.steady_states["before"] if r.name == probe.name), None)
        record = _measure(probe, phase, before, clock, judge=True)
        journal.steady_states[phase].append(record)
        ok = ok and bool(record.ok)
    return ok


def _measure(probe: Probe, phase: str, before: Any, clock: Callable[[], float], *, judge: bool) -> ProbeRecord:
    start = clock()
    try:
        value = probe.measure()
    except Exception as exc:
        return ProbeRecord(
            phase, probe.name, None, probe.describe(), False if judge else None, clock() - start, _err(exc)
        )
    ok: bool | None = None
    error = None
    if judge:
        try:
            ok = probe.within(value, before, compare=phase != "before")
        except Exception as exc:
            ok, error = False, f"tolerance raised {_err(exc)}"
    return ProbeRecord(phase, probe.name, value, probe.describe(), ok, clock() - start, error)


def _act(action: Action, phase: str, into: list[Any], clock: Callable[[], float]) -> bool:
    start = clock()
    try:
        output = action.run()
    except Exception as exc:
        into.append(ActivityRecord(phase, action.name, False, clock() - start, None, _err(exc)))
        return False
    into.append(ActivityRecord(phase, action.name, True, clock() - start, output))
    return True


def _within(tolerance: Tolerance, value: Any) -> bool:
    if tolerance is None:
        return True
    if callable(tolerance):
        return bool(tolerance(value))
    if isinstance(tolerance, tuple):
        low, high = tolerance
        return isinstance(value, int | float) and not isinstance(value, bool) and low <= value <= high
    if isinstance(tolerance, bool):
        return value is tolerance
    return bool(value == tolerance)


def _describe(tolerance: Tolerance) -> str:
    if tolerance is None:
        return "any value"
    if isinstance(tolerance, tuple):
        return f"between {tolerance[0]:g} and {tolerance[1]:g}"
    if callable(tolerance):
        return str(getattr(tolerance, "__doc__", None) or getattr(tolerance, "__name__", "predicate"))
    return f"== {tolerance!r}"


def _err(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _short(value: Any) -> str:
    if callable(getattr(value, "summary", None)):
        return str(value.summary())
    if isinstance(value, float):
        return f"{value:.4g}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "as_dict"):
        return _jsonable(value.as_dict())
    return repr(value)

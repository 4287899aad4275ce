"""Chaos for the gate: a TCP fault proxy with Toxiproxy's toxics, and experiments in the Chaos Toolkit shape.

- `FaultProxy` (asyncio) and `ChaosRunner`/`ProxyHandle` (the same from synchronous code);
- toxics: ``latency``, ``bandwidth``, ``slow_close``, ``timeout``, ``reset_peer``, ``slicer``,
  ``limit_data`` (`harness.chaos.toxics`), described by `ToxicSpec`;
- `Experiment`/`run_experiment`: steady state → inject → steady state under the fault → roll back
  (always) → recovered, with a `Journal` of every probe's measured value.
- the checks as pure functions (`checks`, `delivery`, `memory`, `availability`, `browser_journey`)
  and the scenarios on a `rig.ChaosRig` that end in them (`experiments`), imported by module.

See docs/chaos.md. Nothing here starts a server on import.
"""

from harness.chaos.faults import ProxyDown, ToxicFault
from harness.chaos.proxy import (
    FaultProxy,
    ProxyError,
    ProxyStats,
    ToxicAlreadyExists,
    ToxicNotFound,
    ToxicStats,
)
from harness.chaos.runner import ChaosError, ChaosRunner, ProxyHandle
from harness.chaos.scenario import (
    Action,
    ActivityRecord,
    Experiment,
    ExperimentStatus,
    Fault,
    Journal,
    Probe,
    ProbeRecord,
    run_experiment,
)
from harness.chaos.spec import Address, Direction, ToxicSpec, parse_address, parse_toxic_spec
from harness.chaos.toxics import TOXIC_TYPES, make_toxic

__all__ = [
    "TOXIC_TYPES",
    "Action",
    "ActivityRecord",
    "Address",
    "ChaosError",
    "ChaosRunner",
    "Direction",
    "Experiment",
    "ExperimentStatus",
    "Fault",
    "FaultProxy",
    "Journal",
    "Probe",
    "ProbeRecord",
    "ProxyDown",
    "ProxyError",
    "ProxyHandle",
    "ProxyStats",
    "ToxicAlreadyExists",
    "ToxicFault",
    "ToxicNotFound",
    "ToxicSpec",
    "ToxicStats",
    "make_toxic",
    "parse_address",
    "parse_toxic_spec",
    "run_experiment",
]

"""The targets the gate runs against: any app a target file describes (the bundled reference apps
included), or an external deployment.

``lifecycle`` builds, starts and stops what a file describes; ``start_target``/``running_target`` start
a bundled app through its own file; ``describe_external`` says how to point a deployment at the gate.
Suites use the ``target`` fixture from ``harness.targets.fixtures``.
"""

from harness.targets.external import ExternalTarget, describe_external, external_target
from harness.targets.launcher import (
    BUNDLED_TARGETS,
    TargetUnavailable,
    bundled_description,
    running_target,
    start_target,
    unavailable_reason,
)
from harness.targets.lifecycle import TargetSetupError, start_described
from harness.targets.options import VARIANTS, TargetOptions
from harness.targets.paths import CLIENT_DIST
from harness.targets.spotify import FakeSpotify
from harness.targets.target import FAULT_KINDS, GATE_TOKEN_HEADER, Target

__all__ = [
    "BUNDLED_TARGETS",
    "CLIENT_DIST",
    "FAULT_KINDS",
    "GATE_TOKEN_HEADER",
    "VARIANTS",
    "ExternalTarget",
    "FakeSpotify",
    "Target",
    "TargetOptions",
    "TargetSetupError",
    "TargetUnavailable",
    "bundled_description",
    "describe_external",
    "external_target",
    "running_target",
    "start_described",
    "start_target",
    "unavailable_reason",
]

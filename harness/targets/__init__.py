"""The targets the gate runs against: the bundled reference servers, or an external deployment.

``start_target``/``running_target`` start ``express-vue`` or ``python-api`` (plus a fake Spotify) on
free loopback ports and wait until healthy; ``describe_external`` says how to point a deployment at the
gate. Suites use the ``target`` fixture from ``harness.targets.fixtures``.
"""

from harness.targets.external import ExternalTarget, describe_external, external_target, is_external
from harness.targets.launcher import (
    BUNDLED_TARGETS,
    BundledTarget,
    TargetUnavailable,
    running_target,
    start_target,
    wait_healthy,
)
from harness.targets.options import VARIANTS, TargetOptions, target_environment
from harness.targets.paths import CLIENT_DIST
from harness.targets.spotify import FakeSpotify
from harness.targets.target import FAULT_KINDS, GATE_TOKEN_HEADER, Target

__all__ = [
    "BUNDLED_TARGETS",
    "CLIENT_DIST",
    "FAULT_KINDS",
    "GATE_TOKEN_HEADER",
    "VARIANTS",
    "BundledTarget",
    "ExternalTarget",
    "FakeSpotify",
    "Target",
    "TargetOptions",
    "TargetUnavailable",
    "describe_external",
    "external_target",
    "is_external",
    "running_target",
    "start_target",
    "target_environment",
    "wait_healthy",
]

"""Production-readiness logic: expectations from the target file, trace counting, client-report accounting,
and the checks.

Pure functions over stored items and dicts; the one module that talks to a target (`drive`) is used
by the suites and self-tests, never on import.
"""

from harness.production.expectations import EnvironmentExpectation, Expectations, expectations_from
from harness.production.items import (
    discarded,
    marked_items,
    root_traces,
    tags_of,
)

__all__ = [
    "EnvironmentExpectation",
    "Expectations",
    "discarded",
    "expectations_from",
    "marked_items",
    "root_traces",
    "tags_of",
]

"""The target file (``sentry-gate.toml``): how a user describes their own app to the gate.

``model`` is the typed schema, ``load`` reads and validates a file (one-line errors with file, line
and key), ``locate`` maps a key to its line. The lifecycle that starts what a file describes lives
in `harness.targets`.
"""

from harness.targetfile.load import DEFAULT_NAME, Described, TargetFileError, load_target_file, parse_target_file
from harness.targetfile.model import TargetFile

__all__ = ["DEFAULT_NAME", "Described", "TargetFile", "TargetFileError", "load_target_file", "parse_target_file"]

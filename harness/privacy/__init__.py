"""Privacy audit: canaries, the multi-encoding scanner, the store-wide scan, Relay's own PII rules, replay checks."""

from harness.privacy.canaries import KINDS, Canary, CanaryFactory
from harness.privacy.encodings import forms
from harness.privacy.scanner import Hit, Scanner, locate_in_json

__all__ = ["KINDS", "Canary", "CanaryFactory", "Hit", "Scanner", "forms", "locate_in_json"]

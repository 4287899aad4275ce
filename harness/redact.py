"""Redacted copies of captured data: every registered secret replaced by a label like ``⟦password⟧``.

Anything a report or an Allure result attaches goes through here first, so a privacy audit's own
artefacts never leak what it planted. Longer secrets are replaced first, so a secret that contains
another is not half-replaced.

It also holds the one list of header names whose values are secrets (`SENSITIVE_HEADERS`), which the
production checks (a captured request) and the replay checks (recorded network details) both judge by.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from urllib.parse import quote, quote_plus

SENSITIVE_HEADERS = ("authorization", "cookie", "set-cookie", "x-api-key", "x-forwarded-for")
"""Header names (lower-case) that must never be captured: credentials, session cookies, the client's address."""


def _forms(value: str) -> set[str]:
    """The encodings a secret may travel in: as is, JSON-escaped, URL-encoded, base64."""
    raw = value.encode()
    return {
        value,
        json.dumps(value)[1:-1],
        quote(value, safe=""),
        quote_plus(value, safe=""),
        base64.b64encode(raw).decode().rstrip("="),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
    } - {""}


@dataclass
class Redactor:
    secrets: dict[str, str] = field(default_factory=dict)
    """value → label."""

    def add(self, value: str, label: str) -> None:
        if value:
            self.secrets[value] = label

    def redact(self, text: str) -> str:
        pairs = [(form, label) for value, label in self.secrets.items() for form in _forms(value)]
        for form, label in sorted(pairs, key=lambda p: -len(p[0])):
            text = text.replace(form, f"⟦{label}⟧")
        return text

    def redact_bytes(self, data: bytes) -> bytes:
        return self.redact(data.decode("utf-8", "replace")).encode("utf-8")

"""The forms a value takes on its way into a payload, so a scanner can find it in any of them.

Plain, JSON-escaped, URL-encoded (``%20`` and ``+`` spaces), lower-cased, and base64/base64url.
A value inside a larger base64 blob is encoded differently depending on its offset modulo 3, so
for each of the three alignments we keep the part of its encoding that does not depend on its
neighbours (the "stable core").
"""

from __future__ import annotations

import base64
import json
from urllib.parse import quote, quote_plus

MIN_CORE = 8
"""Shorter base64 cores would match by chance; values that short are found in their plain forms."""


def _stable_cores(value: bytes, *, urlsafe: bool) -> set[str]:
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    cores = set()
    for pad in range(3):
        encoded = encode(b"\x00" * pad + value).decode().rstrip("=")
        # characters carrying any bit of the padding bytes, and of what follows the value, are unstable
        first = ((pad * 8) + 5) // 6 if pad else 0
        last = ((pad + len(value)) * 8) // 6
        core = encoded[first:last]
        if len(core) >= MIN_CORE:
            cores.add(core)
    return cores


def forms(value: str) -> dict[str, str]:
    """Every searchable form of ``value``, as ``{form: encoding name}`` (the first name wins)."""
    raw = value.encode("utf-8")
    out: dict[str, str] = {}

    def add(form: str, name: str) -> None:
        if form and form not in out:
            out[form] = name

    add(value, "plain")
    add(json.dumps(value)[1:-1], "json-escaped")
    add(json.dumps(value, ensure_ascii=False)[1:-1], "json-escaped")
    add(quote(value, safe=""), "url-encoded")
    add(quote_plus(value, safe=""), "url-encoded-plus")
    add(value.lower(), "lower-cased")
    for core in sorted(_stable_cores(raw, urlsafe=False)):
        add(core, "base64")
    for core in sorted(_stable_cores(raw, urlsafe=True)):
        add(core, "base64url")
    return out

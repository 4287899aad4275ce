"""Relay's own data-scrubbing rules as a second net: what Sentry's server would scrub left the app.

`relay_findings` runs ``sentry_relay.pii_strip_event`` (the Rust PII processor Sentry runs on ingest)
with Sentry's default data-scrubbing configuration (``convert_datascrubbing_config`` of the project
settings Sentry ships on: scrub data, scrub defaults, scrub IP addresses) over one event-like payload,
reads every remark in the ``_meta`` tree it returns, and maps each back to the value the app sent.

The placeholder rule (a rule firing on something the app already scrubbed is not a finding): a value
is *already scrubbed* when, after removing every scrub placeholder (``[Filtered]``, ``[email]``,
``[ip]``, ``[creditcard]``, ``[iban]``, ``[REDACTED]``, … any ``[word]`` Relay or an SDK writes), every
``*`` and every non-alphanumeric character, nothing is left but an optional auth scheme word
(``Bearer``, ``Basic``, ``Token``). Empty values and ``null`` are not findings either. So
``[Filtered]``, ``***``, ``Bearer [Filtered]`` and ``code=[Filtered]&state=[Filtered]``-style
remainders without a value are skipped; ``Bearer abc123`` or ``jo@example.org`` are findings.

Detectors Relay lacks for this app (`extra_detectors`): JWTs anywhere, OAuth ``code``/``state`` and
``token``-named parameters carrying a value in URLs and breadcrumbs, Spotify-style access tokens.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from harness.envelope.jsontree import walk_json
from harness.results import MaskedLocation

DEFAULT_DATASCRUBBING = {
    "scrubData": True,
    "scrubDefaults": True,
    "scrubIpAddresses": True,
    "sensitiveFields": [],
    "excludeFields": [],
}
"""Sentry's defaults for a new project (Settings → Security & Privacy)."""

EVENT_LIKE = ("event", "transaction", "feedback", "user_report")
PLACEHOLDER = re.compile(r"\[[A-Za-z][A-Za-z0-9_-]{0,31}\]")
# the gate's targets listen on loopback: their own address in a URL or Host header is nobody's personal data
LOOPBACK = re.compile(r"(?<![\d.])(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)(:\d+)?")
URL_HEAD = re.compile(r"^(?:[a-z][a-z0-9+.-]*://[^/?#\s]*)?/[^?#\s]*\??")
PARAM_NAME = re.compile(r"(?:^|[&;])[\w.-]+=")
SCHEME_ONLY = re.compile(r"^(bearer|basic|token)?$", re.I)
JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
OAUTH_PARAM = re.compile(r"[?&#](code|state|access_token|refresh_token|id_token|token)=([^&#\s\"]{4,})", re.I)
SPOTIFY_TOKEN = re.compile(r"\bBQ[A-Za-z0-9_-]{40,}")


def is_already_scrubbed(value: Any) -> bool:
    """The placeholder rule (module docstring)."""
    if value is None or value == "":
        return True
    if isinstance(value, list | tuple):
        return all(is_already_scrubbed(v) for v in value)
    if isinstance(value, dict):
        return all(is_already_scrubbed(v) for v in value.values())
    if not isinstance(value, str):
        return False
    rest = URL_HEAD.sub("", value.strip())
    rest = PARAM_NAME.sub("", rest) if rest != value.strip() or "=" in rest else rest
    rest = LOOPBACK.sub("", PLACEHOLDER.sub("", rest)).replace("*", "")
    rest = re.sub(r"[\W_]+", "", rest)
    return bool(SCHEME_ONLY.match(rest))


def _relay() -> Any:
    """The ``sentry-relay`` package (Relay's Rust normalizer and PII processor); ImportError when absent."""
    return importlib.import_module("sentry_relay")


@cache
def default_config() -> Any:
    """Relay's PII config for Sentry's default data-scrubbing settings (what ``pii_strip_event`` takes)."""
    return _relay().convert_datascrubbing_config(DEFAULT_DATASCRUBBING)


def _meta_remarks(meta: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], list[Any]]]:
    if not isinstance(meta, dict):
        return
    for key, child in meta.items():
        if key == "":
            if isinstance(child, dict) and child.get("rem"):
                yield path, list(child["rem"])
        else:
            yield from _meta_remarks(child, (*path, key))


def _lookup(value: Any, path: tuple[str, ...], normalized: Any) -> Any:
    """The value the app sent at a ``_meta`` path of Relay's normalized output: Relay turns header and
    cookie objects into sorted ``[name, value]`` pairs, so an index there is mapped back by the name."""
    for seg in path:
        here = normalized
        normalized = _child(normalized, seg)
        if isinstance(value, dict):
            if seg in value:
                value = value[seg]
            elif seg.isdigit() and isinstance(here, list) and isinstance(normalized, list) and normalized:
                name = str(normalized[0]).lower()
                match = [(k, v) for k, v in value.items() if str(k).lower() == name]
                value = match[0] if match else None
            else:
                return None
        elif isinstance(value, list | tuple) and seg.isdigit() and int(seg) < len(value):
            value = value[int(seg)]
        else:
            return None
    return value


def _child(node: Any, seg: str) -> Any:
    if isinstance(node, dict):
        return node.get(seg)
    if isinstance(node, list) and seg.isdigit() and int(seg) < len(node):
        return node[int(seg)]
    return None


def relay_findings(event: dict[str, Any], where: str) -> list[MaskedLocation]:
    """Each Relay rule that would fire on a value the app sent, except on already-scrubbed values."""
    stripped = _relay().pii_strip_event(default_config(), event)
    if isinstance(stripped, str):
        stripped = json.loads(stripped)
    out = []
    for path, remarks in _meta_remarks(stripped.get("_meta", {})):
        original = _lookup(event, path, stripped)
        if is_already_scrubbed(original):
            continue
        text = original if isinstance(original, str) else json.dumps(original, default=str)
        rules = sorted({str(r[0]) for r in remarks if r})
        dotted = "$." + ".".join(path)
        out.append(MaskedLocation.of(f"{where} / {dotted}", " ".join(rules), text, "relay"))

    return out


def extra_detectors(event: Any, where: str) -> list[MaskedLocation]:
    """JWTs, OAuth code/state/token parameters with a value, Spotify-style tokens: rules Relay has not."""
    out = []
    for path, text in walk_json(event):
        for match in JWT.finditer(text):
            out.append(MaskedLocation.of(f"{where} / {path}", "gate:jwt", match.group(0), "plain"))
        for match in OAUTH_PARAM.finditer(text):
            if not is_already_scrubbed(match.group(2)):
                out.append(
                    MaskedLocation.of(
                        f"{where} / {path}", f"gate:url-param:{match.group(1).lower()}", match.group(2), "plain"
                    )
                )
        for match in SPOTIFY_TOKEN.finditer(text):
            out.append(MaskedLocation.of(f"{where} / {path}", "gate:spotify-token", match.group(0), "plain"))
    return out

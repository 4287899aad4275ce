"""The server SDK's configuration per mode, variant and mutant: the Python twin of the Express config.

Modes follow the seed's plan (``production`` 0.1/0.1, 50 breadcrumbs, four headers removed, errors
of ``/health`` dropped; ``staging`` 0.5/0.5, 100, two headers; ``development`` 1.0/1.0, 100, one
header, sending only with ``ENABLE_SENTRY=true``; ``test`` off). The ``seed`` variant is the plan as
written; ``hardened`` closes its gaps (see targets/README.md). Each mutant of targets/MUTANTS.md that
applies to the server changes exactly one of these decisions, and nothing else.

Three attribution switches take parts of the SDK away, one at a time, so the load gate can tell where
its cost comes from: ``SENTRY_TRACING=off`` (no traces or profiles key at all),
``SENTRY_DEFAULT_INTEGRATIONS=off`` (only our explicit integrations) and ``SENTRY_DISABLED_INTEGRATIONS``
(integrations by ``identifier``).

``init_options`` is pure (settings in, ``sentry_sdk.init`` keyword arguments out) so tests can read
the decisions without starting an SDK; ``init_sentry`` applies them.
"""

from __future__ import annotations

import functools
import importlib
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import sentry_sdk
from sentry_sdk.integrations import _AUTO_ENABLING_INTEGRATIONS, _DEFAULT_INTEGRATIONS, DidNotEnable, Integration
from sentry_sdk.integrations.asyncio import AsyncioIntegration
from sentry_sdk.integrations.starlette import StarletteIntegration
from sentry_sdk.scrubber import EventScrubber
from sentry_sdk.transport import HttpTransport

from .scrub import SCRUBBED_HEADERS, filter_breadcrumb, filter_event_queries, mask_sensitive_headers, remove_headers
from .settings import ConfigError

if TYPE_CHECKING:
    from collections.abc import Callable

    from .settings import Settings

__all__ = [
    "MODES",
    "Mode",
    "disabled_integrations",
    "init_options",
    "init_sentry",
    "is_enabled",
    "known_integrations",
    "mode_of",
    "traces_rate",
]

# The gate's own header (its value is a test secret) never belongs in an event.
_GATE_HEADERS: Final = ("x-gate-token",)
_HEALTH_OR_METRICS: Final = re.compile(r"/(health|metrics)\b")


@dataclass(frozen=True, slots=True)
class Mode:
    traces: float
    profiles: float
    max_breadcrumbs: int
    seed_removed_headers: tuple[str, ...]  # what the plan's beforeSend removes in this mode
    drop_health_errors: bool
    needs_flag: bool  # development: sends only when ENABLE_SENTRY=true


MODES: Final[dict[str, Mode]] = {
    "production": Mode(0.1, 0.1, 50, SCRUBBED_HEADERS, True, False),
    "staging": Mode(0.5, 0.5, 100, ("authorization", "cookie"), False, False),
    "development": Mode(1.0, 1.0, 100, ("authorization",), False, True),
}


def mode_of(settings: Settings) -> Mode:
    """The plan's ``switch``: any mode it does not name falls through to development."""
    return MODES.get(settings.environment, MODES["development"])


def is_enabled(settings: Settings) -> bool:
    test_sends = settings.environment == "test" and settings.is_mutant("test-env-sends")
    if settings.dsn is None or (settings.environment == "test" and not test_sends):
        return False
    if mode_of(settings).needs_flag:
        return settings.enable_sentry or settings.is_mutant("dev-sends-without-flag") or test_sends
    return True


_last_event: list[str | None] = [None]


def last_event_id() -> str | None:
    """The id of the last error event the SDK handed to its transport (None before any): what
    ``/monitoring/sentry-health`` reports as ``lastEvent``. Recorded by the last ``before_send``, not read
    from ``sentry_sdk.last_event_id()``, which lives on the request's isolation scope: a health request
    never sees another request's event."""
    return _last_event[0]


def _recording_last(
    before_send: Callable[[dict[str, Any], Any], dict[str, Any] | None],
) -> Callable[[dict[str, Any], Any], dict[str, Any] | None]:
    def recording(event: dict[str, Any], hint: Any) -> dict[str, Any] | None:
        kept = before_send(event, hint)
        if kept is not None and isinstance(kept.get("event_id"), str):
            _last_event[0] = kept["event_id"]
        return kept

    return recording


def traces_rate(settings: Settings) -> float:
    base = mode_of(settings).traces
    if settings.environment == "production" and settings.is_mutant("traces-rate-full"):
        base = 1.0
    if settings.traces_override is not None and not settings.is_mutant("kill-switch-ignored"):
        return settings.traces_override
    return base


def profiles_rate(settings: Settings) -> float:
    if settings.profiles_override is not None and not settings.is_mutant("kill-switch-ignored"):
        return settings.profiles_override
    if settings.environment == "production" and settings.is_mutant("profiles-rate-full"):
        return 1.0
    return mode_of(settings).profiles


def _remove_body(event: dict[str, Any]) -> None:
    # max_request_body_size="never" already keeps the body out; this also drops the SDK's placeholder.
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("data", None)


def _before_send(settings: Settings) -> Callable[[dict[str, Any], Any], dict[str, Any] | None]:
    mode = mode_of(settings)
    hardened = settings.variant == "hardened"
    if settings.is_mutant("headers-not-scrubbed"):
        removed: tuple[str, ...] = ()
    else:
        removed = (*SCRUBBED_HEADERS, *_GATE_HEADERS) if hardened else mode.seed_removed_headers
    filter_queries = hardened and not settings.is_mutant("query-tokens-kept")
    drop_health = mode.drop_health_errors and not settings.is_mutant("health-errors-kept")
    drop_bodies = hardened and not settings.is_mutant("request-bodies-sent")

    mask_headers = hardened and not settings.is_mutant("headers-not-scrubbed")

    def before_send(event: dict[str, Any], _hint: Any) -> dict[str, Any] | None:
        remove_headers(event, removed)
        if mask_headers:
            mask_sensitive_headers(event)
        request = event.get("request")
        url = request.get("url") if isinstance(request, dict) else None
        if drop_health and isinstance(url, str) and "/health" in url:
            return None
        if drop_bodies:
            _remove_body(event)
        return filter_event_queries(event) if filter_queries else event

    return before_send


def _before_send_transaction(settings: Settings) -> Callable[[dict[str, Any], Any], dict[str, Any] | None]:
    drop_health = not settings.is_mutant("health-transactions-kept")
    filter_queries = not settings.is_mutant("query-tokens-kept")
    removed = () if settings.is_mutant("headers-not-scrubbed") else (*SCRUBBED_HEADERS, *_GATE_HEADERS)
    drop_bodies = not settings.is_mutant("request-bodies-sent")

    mask_headers = settings.variant == "hardened" and not settings.is_mutant("headers-not-scrubbed")

    def before_send_transaction(event: dict[str, Any], _hint: Any) -> dict[str, Any] | None:
        name = event.get("transaction")
        if drop_health and isinstance(name, str) and _HEALTH_OR_METRICS.search(name):
            return None
        remove_headers(event, removed)
        if mask_headers:
            mask_sensitive_headers(event)
        if drop_bodies:
            _remove_body(event)
        return filter_event_queries(event) if filter_queries else event

    return before_send_transaction


def _slow_traces_sampler(rate: float, delay_ms: float) -> Callable[[dict[str, Any]], float | bool]:
    def traces_sampler(context: dict[str, Any]) -> float | bool:
        until = time.perf_counter() + delay_ms / 1000
        while time.perf_counter() < until:  # busy-wait, as the Node twin: the hook is synchronous
            pass
        parent = context.get("parent_sampled")
        return parent if isinstance(parent, bool) else rate

    return traces_sampler


def _own_integrations() -> list[Integration]:
    return [StarletteIntegration(transaction_style="url"), AsyncioIntegration()]


@functools.cache
def known_integrations() -> dict[str, type[Integration]]:
    """Every integration ``SENTRY_DISABLED_INTEGRATIONS`` may name, by ``identifier``: the SDK's defaults,
    the auto-enabling ones that can run here (their library installed), and ours."""
    found: dict[str, type[Integration]] = {}
    for dotted in (*_DEFAULT_INTEGRATIONS, *_AUTO_ENABLING_INTEGRATIONS):
        module, _, name = dotted.rpartition(".")
        try:
            cls = getattr(importlib.import_module(module), name)
        except (DidNotEnable, ImportError, SyntaxError):  # what the SDK itself skips: the library is absent
            continue
        found[cls.identifier] = cls
    for integration in _own_integrations():
        found[integration.identifier] = type(integration)
    return dict(sorted(found.items()))


def disabled_integrations(settings: Settings) -> list[type[Integration]]:
    """The classes ``SENTRY_DISABLED_INTEGRATIONS`` names; an unknown name is a ``ConfigError``."""
    if not settings.disabled_integrations:
        return []
    known = known_integrations()
    unknown = [name for name in settings.disabled_integrations if name not in known]
    if unknown:
        raise ConfigError(
            f"SENTRY_DISABLED_INTEGRATIONS names unknown integration(s) {', '.join(unknown)}; known: {', '.join(known)}"
        )
    return [known[name] for name in settings.disabled_integrations]


class _RateLimitBlindTransport(HttpTransport):
    """``rate-limits-ignored``: the SDK never learns of a 429 or ``X-Sentry-Rate-Limits``."""

    def _update_rate_limits(self, response: Any) -> None:
        return None


def init_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``sentry_sdk.init`` (meaningful only when ``is_enabled``)."""
    mode = mode_of(settings)
    hardened = settings.variant == "hardened"
    production = settings.environment == "production"
    pii = settings.is_mutant("headers-not-scrubbed")
    disabled = disabled_integrations(settings)
    options: dict[str, Any] = {
        "dsn": settings.dsn,
        "environment": "development" if settings.is_mutant("wrong-environment") else settings.environment,
        "release": None if settings.is_mutant("no-release") else settings.release,
        "max_breadcrumbs": 100 if production and settings.is_mutant("breadcrumbs-unbounded") else mode.max_breadcrumbs,
        "trace_lifecycle": "static",
        "send_default_pii": pii,
        "before_send": _recording_last(_before_send(settings)),
        "integrations": [i for i in _own_integrations() if type(i) not in disabled],
        "shutdown_timeout": 2,
    }
    # SENTRY_TRACING=off: no traces or profiles key at all (not 0); it wins over the overrides and mutants.
    if settings.tracing:
        options["traces_sample_rate"] = traces_rate(settings)
    if not settings.default_integrations:
        options["default_integrations"] = False
        options["auto_enabling_integrations"] = False
    if disabled:
        options["disabled_integrations"] = disabled
    if pii:
        # The SDK's own scrubber would hide the same headers; this mutant removes every net.
        options["event_scrubber"] = EventScrubber(denylist=[], pii_denylist=[], send_default_pii=True)
    if settings.tracing and not settings.is_mutant("profiling-off"):
        options["profiles_sample_rate"] = profiles_rate(settings)
    if hardened:
        # Frame locals carry the ASGI scope, whose raw header list no denylist matches: the Authorization
        # and Cookie values would travel in every stack trace (the Node twin: stackFrameVariables false).
        options["include_local_variables"] = False
        options["before_send_transaction"] = _before_send_transaction(settings)
        if not settings.is_mutant("query-tokens-kept"):
            options["before_breadcrumb"] = lambda crumb, _hint: filter_breadcrumb(crumb)
        if not settings.is_mutant("request-bodies-sent"):
            options["max_request_body_size"] = "never"
    if settings.tracing and settings.is_mutant("slow-traces-sampler"):
        options["traces_sampler"] = _slow_traces_sampler(traces_rate(settings), settings.mutant_delay_ms)
    if settings.is_mutant("rate-limits-ignored"):
        options["transport"] = _RateLimitBlindTransport
    return options


def init_sentry(settings: Settings) -> bool:
    """Start the SDK if this mode sends; call inside the running event loop (asyncio integration).

    Raises ``ConfigError`` for an unknown name in ``SENTRY_DISABLED_INTEGRATIONS``, even when the SDK stays off.
    """
    disabled_integrations(settings)
    if not is_enabled(settings):
        return False
    options = init_options(settings)
    sentry_sdk.init(**options)
    if options["release"] is None:
        # The SDK would guess a release from git or CI variables; the contract says: none.
        sentry_sdk.get_client().options["release"] = None
    return True

"""The shop's Sentry set-up (server SDK) and the settings its page's SDK gets.

- live, preprod: send; dev: silent unless ``SHOP_SENTRY_ENABLED=1``. No DSN: no SDK at all.
- traces rate per environment; ``SHOP_TRACES_RATE`` overrides it (0 turns tracing off without a deploy).
- ``before_send_transaction`` drops /healthz, /metrics and /status/sentry; ``before_send`` drops request
  bodies, query strings and cookies; breadcrumbs bounded per environment; ``send_default_pii`` off.
- profiles rate per environment; ``SHOP_PROFILES_RATE`` overrides it.
- `sentry_state` is what the monitoring endpoints report: whether the SDK runs, the id of the last event it
  accepted for sending, and whether its transport is backing off (degraded).
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sentry_sdk
from sentry_sdk.integrations.flask import FlaskIntegration
from sentry_sdk.integrations.logging import LoggingIntegration

from shop.sentry_configs import SentryConfig, load
from shop.settings import Settings

MONITORING_PATHS = frozenset({"/healthz", "/metrics", "/status/sentry"})
FILTERED = "[Filtered]"

_state: dict[str, Any] = {"config": None, "enabled": False, "last_event_id": None, "events": 0}
LAST_DSN = Path(tempfile.gettempdir()) / f"foreign-shop-{os.getuid()}" / "last-dsn"
"""Where the ``remember_dsn`` configuration keeps the DSN it last ran with."""


def config() -> SentryConfig:
    """The configuration SHOP_SENTRY_CONFIG names, loaded once."""
    if _state["config"] is None:
        _state["config"] = load(Settings.from_environ().sentry_config)
    cfg: SentryConfig = _state["config"]
    return cfg


def sends(settings: Settings) -> bool:
    """Whether Sentry runs in this environment (dev only when asked)."""
    if settings.env == "dev" and config().silent_in_dev:
        return settings.sentry_enabled_in_dev
    if settings.env == "preprod" and config().silent_in_preprod:
        return settings.sentry_enabled_in_dev
    return True


def _path(event: dict[str, Any]) -> str:
    url = (event.get("request") or {}).get("url") or ""
    return urlsplit(url).path or str(event.get("transaction") or "")


def drop_monitoring(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    if _path(event) in MONITORING_PATHS or event.get("transaction") in MONITORING_PATHS:
        return None
    return event


def scrub(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    request = event.get("request")
    if isinstance(request, dict):
        if request.get("data"):
            request["data"] = FILTERED
        if request.get("query_string"):
            request["query_string"] = FILTERED
        request.pop("cookies", None)
        if isinstance(request.get("url"), str):
            request["url"] = request["url"].split("?", 1)[0]
    return event


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    """The configuration's event hooks, then the scrubber; the event it lets through is the last one sent."""
    cfg = config()
    if not cfg.request_context:  # over-scrubbing: URLs may hold ids, so the whole request and route go
        event["request"] = {"data": FILTERED}
        event.pop("transaction", None)
    if cfg.fingerprint_per_request:
        request_id = (event.get("tags") or {}).get("request_id", "")
        event["fingerprint"] = ["{{ default }}", str(request_id)]
    out = scrub(event, hint) if cfg.scrub_events else event
    if out is not None:
        _state["last_event_id"] = out.get("event_id")
        _state["events"] += 1
    return out


def _dsn(settings: Settings) -> str | None:
    """The DSN to use: the setting; with ``remember_dsn``, the last one the shop ran with when it has none."""
    if not config().remember_dsn:
        return settings.sentry_dsn
    if settings.sentry_dsn is not None:
        LAST_DSN.parent.mkdir(parents=True, exist_ok=True)
        LAST_DSN.write_text(settings.sentry_dsn)
        return settings.sentry_dsn
    return (LAST_DSN.read_text().strip() or None) if LAST_DSN.exists() else None


def init_sentry(settings: Settings) -> None:
    cfg = config()
    dsn = _dsn(settings)
    if dsn is None or not sends(settings):
        return
    rates = cfg.rates[settings.env]
    traces = rates.traces
    if cfg.honour_traces_override and settings.traces_rate is not None:
        traces = settings.traces_rate
    profiles = settings.profiles_rate if settings.profiles_rate is not None else rates.profiles
    options: dict[str, Any] = {
        "dsn": dsn,
        "environment": settings.env,
        "release": settings.release,
        "traces_sample_rate": traces,
        "send_default_pii": cfg.send_default_pii,
        "include_local_variables": False,  # a frame's locals hold card numbers and passwords
        "integrations": [
            FlaskIntegration(transaction_style="url"),
            LoggingIntegration(level=logging.INFO if cfg.log_breadcrumbs else None, event_level=logging.ERROR),
        ],
    }
    if cfg.profiling:
        options["profiles_sample_rate"] = profiles
    if cfg.project_root is not None:
        options["project_root"] = cfg.project_root
    if cfg.bound_breadcrumbs:
        options["max_breadcrumbs"] = rates.max_breadcrumbs
    if cfg.drop_monitoring_transactions:
        options["before_send_transaction"] = drop_monitoring
    options["before_send"] = before_send
    sentry_sdk.init(**options)
    _state["enabled"] = True


def close_sentry() -> None:
    if _state["enabled"]:
        sentry_sdk.get_client().close(timeout=2.0)


def page_settings(settings: Settings) -> dict[str, Any]:
    """What the page's SDK is told at run time (its DSN is in the bundle, fixed at build time)."""
    cfg = config()
    rates = cfg.rates[settings.env]
    browser_traces, replay_session = rates.browser_traces, rates.replay_session
    if cfg.honour_traces_override and cfg.page_rate_overrides:
        if settings.browser_traces_rate is not None:
            browser_traces = settings.browser_traces_rate
        if settings.replays_session_rate is not None:
            replay_session = settings.replays_session_rate
    return {
        "enabled": sends(settings),
        "environment": cfg.page_environment or settings.env,
        "release": settings.release if cfg.page_release else None,
        "tracesSampleRate": browser_traces,
        "replaysSessionSampleRate": replay_session,
        "replaysOnErrorSampleRate": rates.replay_on_error,
        "maxBreadcrumbs": rates.max_breadcrumbs if cfg.page_bound_breadcrumbs else None,
        "ignoreNoise": cfg.page_ignores_noise,
        "denyExtensions": cfg.page_denies_extensions,
        "attachStacktrace": cfg.page_attach_stacktrace,
        "maskReplay": cfg.replay_masking,
        "replay": cfg.page_replay,
    }


def sentry_state() -> dict[str, Any]:
    """What the monitoring endpoints report: the SDK runs, the last event it sent, its transport backing off."""
    transport = sentry_sdk.get_client().transport if _state["enabled"] else None
    return {
        "enabled": bool(_state["enabled"]),
        "last_event_id": _state["last_event_id"],
        "events": _state["events"],
        "degraded": transport is not None and not transport.is_healthy(),
    }

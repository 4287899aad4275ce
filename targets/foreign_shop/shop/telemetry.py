"""The shop's Sentry set-up (server SDK) and the settings its page's SDK gets.

- live, preprod: send; dev: silent unless ``SHOP_SENTRY_ENABLED=1``. No DSN: no SDK at all.
- traces rate per environment; ``SHOP_TRACES_RATE`` overrides it (0 turns tracing off without a deploy).
- ``before_send_transaction`` drops /healthz and /metrics; ``before_send`` drops request bodies, query
  strings and cookies; breadcrumbs bounded per environment; ``send_default_pii`` off.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

import sentry_sdk
from sentry_sdk.integrations.flask import FlaskIntegration
from sentry_sdk.integrations.logging import LoggingIntegration

from shop.sentry_configs import SentryConfig, load
from shop.settings import Settings

MONITORING_PATHS = frozenset({"/healthz", "/metrics"})
FILTERED = "[Filtered]"

_state: dict[str, Any] = {"config": None, "enabled": False}


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


def init_sentry(settings: Settings) -> None:
    cfg = config()
    if settings.sentry_dsn is None or not sends(settings):
        return
    rates = cfg.rates[settings.env]
    traces = rates.traces
    if cfg.honour_traces_override and settings.traces_rate is not None:
        traces = settings.traces_rate
    options: dict[str, Any] = {
        "dsn": settings.sentry_dsn,
        "environment": settings.env,
        "release": settings.release,
        "traces_sample_rate": traces,
        "send_default_pii": cfg.send_default_pii,
        "include_local_variables": False,  # a frame's locals hold card numbers and passwords
        "integrations": [
            FlaskIntegration(transaction_style="url"),
            LoggingIntegration(level=logging.INFO, event_level=logging.ERROR),
        ],
    }
    if cfg.bound_breadcrumbs:
        options["max_breadcrumbs"] = rates.max_breadcrumbs
    if cfg.drop_monitoring_transactions:
        options["before_send_transaction"] = drop_monitoring
    if cfg.scrub_events:
        options["before_send"] = scrub
    sentry_sdk.init(**options)
    _state["enabled"] = True


def close_sentry() -> None:
    if _state["enabled"]:
        sentry_sdk.get_client().close(timeout=2.0)


def page_settings(settings: Settings) -> dict[str, Any]:
    """What the page's SDK is told at run time (its DSN is in the bundle, fixed at build time)."""
    cfg = config()
    rates = cfg.rates[settings.env]
    browser_traces = rates.browser_traces
    if cfg.honour_traces_override and settings.browser_traces_rate is not None:
        browser_traces = settings.browser_traces_rate
    return {
        "enabled": sends(settings),
        "environment": settings.env,
        "release": settings.release if cfg.page_release else None,
        "tracesSampleRate": browser_traces,
        "replaysSessionSampleRate": rates.replay_session,
        "replaysOnErrorSampleRate": rates.replay_on_error,
        "maskReplay": cfg.replay_masking,
    }


def sentry_state() -> dict[str, Any]:
    return {"enabled": bool(_state["enabled"])}

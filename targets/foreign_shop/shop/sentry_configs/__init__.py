"""The shop's Sentry options, one module per configuration; ``SHOP_SENTRY_CONFIG`` names the one in use.

``standard`` is what the shop runs. Each other module is the standard one with one realistic mistake
(targets/foreign_shop/VARIANTS.md lists them), the way a team keeps a second settings module around.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rates:
    traces: float
    browser_traces: float
    replay_session: float
    replay_on_error: float
    max_breadcrumbs: int
    profiles: float = 0.0  # of the traced requests, the share profiled


STANDARD_RATES = {
    "live": Rates(0.1, 0.1, 0.05, 1.0, 50, profiles=0.1),
    "preprod": Rates(0.5, 0.5, 0.2, 1.0, 100, profiles=0.5),
    "dev": Rates(1.0, 1.0, 0.1, 1.0, 100, profiles=1.0),
}


@dataclass(frozen=True)
class SentryConfig:
    rates: dict[str, Rates] = field(default_factory=lambda: dict(STANDARD_RATES))
    honour_traces_override: bool = True  # SHOP_TRACES_RATE wins (0: the kill switch)
    bound_breadcrumbs: bool = True  # max_breadcrumbs from the rates; False: whatever the code asks for
    drop_monitoring_transactions: bool = True  # /healthz and /metrics leave no transaction
    scrub_events: bool = True  # before_send strips request bodies and query strings
    send_default_pii: bool = False
    silent_in_dev: bool = True  # dev sends only with SHOP_SENTRY_ENABLED=1
    report_payment_errors: bool = True  # a declined payment is an error Sentry sees
    silent_in_preprod: bool = False  # preprod, like dev, sends only with SHOP_SENTRY_ENABLED=1
    profiling: bool = True  # profiles_sample_rate (per environment, SHOP_PROFILES_RATE wins) reaches the SDK
    remember_dsn: bool = False  # a start without SHOP_SENTRY_DSN reuses the last one the shop ran with
    project_root: str | None = None  # the SDK's project_root (None: the working directory, where shop/ is)
    log_breadcrumbs: bool = True  # log lines at INFO and above become breadcrumbs
    request_context: bool = True  # before_send keeps the request's URL and method and the route name
    fingerprint_per_request: bool = False  # before_send adds the request's id to the event's fingerprint
    customer_context_as_text: bool = False  # the customer context is set as a string, not an object
    health_reports_release: bool = True  # /healthz answers SHOP_RELEASE as its version (else the package's)
    init_sentry_first: bool = True  # Sentry is set up before the app is created (which reads its state)
    last_event_from_scope: bool = False  # /status/sentry asks sentry_sdk.last_event_id() (the request's own scope)
    page_release: bool = True  # the page's events carry the release
    replay_masking: bool = True  # Replay masks text and inputs
    page_replay: bool = True  # the page records replays at all (False: no Replay integration)
    page_rate_overrides: bool = True  # SHOP_BROWSER_TRACES_RATE / SHOP_REPLAYS_SESSION_RATE win on the page (0: off)
    page_bound_breadcrumbs: bool = True  # the page's maxBreadcrumbs is the environment's (else the SDK's 100)
    page_ignores_noise: bool = True  # ignoreErrors: the ResizeObserver loop message, non-Error rejections
    page_denies_extensions: bool = True  # denyUrls: errors thrown in browser extensions' scripts
    page_environment: str | None = None  # None: the server's environment name; a name: that one, always
    page_attach_stacktrace: bool = True  # console.error events carry the stack of the call that logged them


def load(name: str) -> SentryConfig:
    """The ``CONFIG`` of module ``name`` in this package; an unknown name is an error at start."""
    if not re.fullmatch(r"[a-z_]+", name):
        raise SystemExit(f"SHOP_SENTRY_CONFIG={name!r} is not a configuration name")
    try:
        module = importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError:
        raise SystemExit(f"SHOP_SENTRY_CONFIG={name!r}: no shop/sentry_configs/{name}.py") from None
    config: SentryConfig = module.CONFIG
    return config

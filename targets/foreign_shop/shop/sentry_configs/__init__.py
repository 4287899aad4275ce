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


STANDARD_RATES = {
    "live": Rates(0.1, 0.1, 0.05, 1.0, 50),
    "preprod": Rates(0.5, 0.5, 0.2, 1.0, 100),
    "dev": Rates(1.0, 1.0, 0.1, 1.0, 100),
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
    page_release: bool = True  # the page's events carry the release
    replay_masking: bool = True  # Replay masks text and inputs


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

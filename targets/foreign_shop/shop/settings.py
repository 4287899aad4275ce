"""The shop's configuration, from its own environment variables (a twelve-factor app's usual set-up)."""

from __future__ import annotations

import os
from dataclasses import dataclass

ENVIRONMENTS = ("live", "preprod", "dev")


def _rate(name: str) -> float | None:
    value = os.environ.get(name, "").strip()
    return float(value) if value else None


@dataclass(frozen=True)
class Settings:
    env: str  # live, preprod or dev (anything else counts as dev)
    port: int
    release: str | None
    sentry_dsn: str | None
    sentry_enabled_in_dev: bool
    sentry_config: str  # the module in shop/sentry_configs/ that holds the Sentry options
    traces_rate: float | None  # the operator's override (0 is the kill switch)
    browser_traces_rate: float | None
    profiles_rate: float | None  # the operator's override of the profiles rate (0: profiling off)
    replays_session_rate: float | None = None  # the page's replay session rate override (0: off)

    @classmethod
    def from_environ(cls) -> Settings:
        env = os.environ.get("SHOP_ENV", "dev").strip() or "dev"
        return cls(
            env=env if env in ENVIRONMENTS else "dev",
            port=int(os.environ.get("SHOP_PORT", "8080")),
            release=os.environ.get("SHOP_RELEASE") or None,
            sentry_dsn=os.environ.get("SHOP_SENTRY_DSN") or None,
            sentry_enabled_in_dev=os.environ.get("SHOP_SENTRY_ENABLED", "") == "1",
            sentry_config=os.environ.get("SHOP_SENTRY_CONFIG", "standard") or "standard",
            traces_rate=_rate("SHOP_TRACES_RATE"),
            browser_traces_rate=_rate("SHOP_BROWSER_TRACES_RATE"),
            replays_session_rate=_rate("SHOP_REPLAYS_SESSION_RATE"),
            profiles_rate=_rate("SHOP_PROFILES_RATE"),
        )

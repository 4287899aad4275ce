"""Mistake: SHOP_TRACES_RATE is read but never used, so 0 does not stop tracing."""

from dataclasses import replace

from shop.sentry_configs.standard import CONFIG as STANDARD

CONFIG = replace(STANDARD, honour_traces_override=False)

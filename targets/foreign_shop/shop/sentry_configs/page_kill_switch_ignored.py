"""Mistake: the page ignores SHOP_BROWSER_TRACES_RATE and SHOP_REPLAYS_SESSION_RATE (the server still obeys its own)."""

from dataclasses import replace

from shop.sentry_configs.standard import CONFIG as STANDARD

CONFIG = replace(STANDARD, page_rate_overrides=False)

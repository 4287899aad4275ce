"""Mistake: dev sends without SHOP_SENTRY_ENABLED=1 (every laptop reports to the live project)."""

from dataclasses import replace

from shop.sentry_configs.standard import CONFIG as STANDARD

CONFIG = replace(STANDARD, silent_in_dev=False)

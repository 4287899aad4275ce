"""Mistake: the profiles rate (per environment, SHOP_PROFILES_RATE) is read but never passed to the SDK."""

from dataclasses import replace

from shop.sentry_configs.standard import CONFIG as STANDARD

CONFIG = replace(STANDARD, profiling=False)

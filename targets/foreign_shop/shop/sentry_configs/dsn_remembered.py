"""Mistake: a start without SHOP_SENTRY_DSN reuses the last DSN the shop ran with, so removing it silences nothing."""

from dataclasses import replace

from shop.sentry_configs.standard import CONFIG as STANDARD

CONFIG = replace(STANDARD, remember_dsn=True)

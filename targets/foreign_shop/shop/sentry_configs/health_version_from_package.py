"""Mistake: /healthz answers the package's version, not the deployed release (SHOP_RELEASE)."""

from dataclasses import replace

from shop.sentry_configs.standard import CONFIG as STANDARD

CONFIG = replace(STANDARD, health_reports_release=False)

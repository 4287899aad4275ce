"""Mistake: the logging integration records no breadcrumbs (level=None, to quiet noisy logs)."""

from dataclasses import replace

from shop.sentry_configs.standard import CONFIG as STANDARD

CONFIG = replace(STANDARD, log_breadcrumbs=False)

"""Mistake: max_breadcrumbs left out, so checkout's per-item log lines all ride along (SDK default 100)."""

from dataclasses import replace

from shop.sentry_configs.standard import CONFIG as STANDARD

CONFIG = replace(STANDARD, bound_breadcrumbs=False)

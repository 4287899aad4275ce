"""Mistake: the page's Sentry.init has no denyUrls: errors thrown by browser extensions are reported."""

from dataclasses import replace

from shop.sentry_configs.standard import CONFIG as STANDARD

CONFIG = replace(STANDARD, page_denies_extensions=False)

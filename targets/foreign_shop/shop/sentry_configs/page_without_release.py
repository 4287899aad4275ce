"""Mistake: the page's Sentry.init gets no release (its events carry none)."""

from dataclasses import replace

from shop.sentry_configs.standard import CONFIG as STANDARD

CONFIG = replace(STANDARD, page_release=False)

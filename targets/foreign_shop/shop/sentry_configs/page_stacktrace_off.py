"""Mistake: the page's Sentry.init leaves attachStacktrace off, so a logged error arrives with no stack."""

from dataclasses import replace

from shop.sentry_configs.standard import CONFIG as STANDARD

CONFIG = replace(STANDARD, page_attach_stacktrace=False)

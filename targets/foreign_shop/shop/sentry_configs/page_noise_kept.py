"""Mistake: the page's Sentry.init has no ignoreErrors: ResizeObserver notices and non-Error rejections are reported."""

from dataclasses import replace

from shop.sentry_configs.standard import CONFIG as STANDARD

CONFIG = replace(STANDARD, page_ignores_noise=False)

"""Mistake: the page's Sentry.init leaves maxBreadcrumbs out (the SDK keeps 100, live promises 50)."""

from dataclasses import replace

from shop.sentry_configs.standard import CONFIG as STANDARD

CONFIG = replace(STANDARD, page_bound_breadcrumbs=False)

"""Mistake: the page's environment is hard-coded to "production" instead of the server's environment name."""

from dataclasses import replace

from shop.sentry_configs.standard import CONFIG as STANDARD

CONFIG = replace(STANDARD, page_environment="production")

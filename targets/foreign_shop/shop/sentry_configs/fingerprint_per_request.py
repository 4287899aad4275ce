"""Mistake: before_send adds the request's id to the fingerprint, so every occurrence is its own issue."""

from dataclasses import replace

from shop.sentry_configs.standard import CONFIG as STANDARD

CONFIG = replace(STANDARD, fingerprint_per_request=True)

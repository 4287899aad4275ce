"""Mistake: the customer context is set as a string ("anonymous"), which Relay rejects (a context is an object)."""

from dataclasses import replace

from shop.sentry_configs.standard import CONFIG as STANDARD

CONFIG = replace(STANDARD, customer_context_as_text=True)

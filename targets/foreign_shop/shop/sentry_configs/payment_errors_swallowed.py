"""Mistake: a declined payment is caught and logged at warning level, never captured."""

from dataclasses import replace

from shop.sentry_configs.standard import CONFIG as STANDARD

CONFIG = replace(STANDARD, report_payment_errors=False)

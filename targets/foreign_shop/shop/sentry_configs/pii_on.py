"""Mistake: send_default_pii=True (cookies, auth headers, the user's IP go to Sentry)."""

from dataclasses import replace

from shop.sentry_configs.standard import CONFIG as STANDARD

CONFIG = replace(STANDARD, send_default_pii=True)

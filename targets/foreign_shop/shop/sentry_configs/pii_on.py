"""Mistake: send_default_pii=True (the user's IP, user ids and cookies go to Sentry)."""

from dataclasses import replace

from shop.sentry_configs.standard import CONFIG as STANDARD

CONFIG = replace(STANDARD, send_default_pii=True)

"""Mistake: preprod silenced like dev (only live reports), so a preprod error never reaches Sentry."""

from dataclasses import replace

from shop.sentry_configs.standard import CONFIG as STANDARD

CONFIG = replace(STANDARD, silent_in_preprod=True)

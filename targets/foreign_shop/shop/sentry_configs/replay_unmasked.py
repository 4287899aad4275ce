"""Mistake: Replay records text and inputs unmasked."""

from dataclasses import replace

from shop.sentry_configs.standard import CONFIG as STANDARD

CONFIG = replace(STANDARD, replay_masking=False)

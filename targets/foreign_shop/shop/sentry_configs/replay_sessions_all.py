"""Mistake: live records every session with Replay (replaysSessionSampleRate 1.0, left from a debugging day)."""

from dataclasses import replace

from shop.sentry_configs import STANDARD_RATES
from shop.sentry_configs.standard import CONFIG as STANDARD

CONFIG = replace(STANDARD, rates={**STANDARD_RATES, "live": replace(STANDARD_RATES["live"], replay_session=1.0)})

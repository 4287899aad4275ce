"""Mistake: live traces at preprod's 0.5 (a copy-paste from the preprod settings)."""

from dataclasses import replace

from shop.sentry_configs import STANDARD_RATES
from shop.sentry_configs.standard import CONFIG as STANDARD

CONFIG = replace(STANDARD, rates={**STANDARD_RATES, "live": replace(STANDARD_RATES["live"], traces=0.5)})

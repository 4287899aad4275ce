"""Mistake: the page's live traces rate is dev's 1.0 (copy-paste), so every live page load is traced."""

from dataclasses import replace

from shop.sentry_configs import STANDARD_RATES
from shop.sentry_configs.standard import CONFIG as STANDARD

CONFIG = replace(STANDARD, rates={**STANDARD_RATES, "live": replace(STANDARD_RATES["live"], browser_traces=1.0)})

"""Not a mistake: a shop that uses neither Replay nor profiling (and, like every configuration here, sends no
release-health sessions). Its target file leaves those features undeclared (tests/support/shop_run.py), and no
check may FAIL for what the app never promised."""

from dataclasses import replace

from shop.sentry_configs.standard import CONFIG as STANDARD

CONFIG = replace(STANDARD, profiling=False, page_replay=False)

"""Mistake: before_send drops the whole request context and the route name (URLs may hold ids)."""

from dataclasses import replace

from shop.sentry_configs.standard import CONFIG as STANDARD

CONFIG = replace(STANDARD, request_context=False)

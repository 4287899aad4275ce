"""Mistake: /healthz and /metrics are traced like any route (no before_send_transaction filter)."""

from dataclasses import replace

from shop.sentry_configs.standard import CONFIG as STANDARD

CONFIG = replace(STANDARD, drop_monitoring_transactions=False)

"""What the shop runs: every promise of sentry-gate.toml kept."""

from shop.sentry_configs import SentryConfig

CONFIG = SentryConfig()

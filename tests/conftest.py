"""Project tests. Fixtures come from the sentry-gate pytest plugin (harness/pytest_plugin.py)."""

pytest_plugins = ["pytester"]

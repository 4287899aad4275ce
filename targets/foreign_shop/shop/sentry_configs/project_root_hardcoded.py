"""Mistake: project_root hard-coded to the production container's path, so no frame here is in-app."""

from dataclasses import replace

from shop.sentry_configs.standard import CONFIG as STANDARD

CONFIG = replace(STANDARD, project_root="/srv/shop")

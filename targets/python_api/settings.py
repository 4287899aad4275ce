"""The run-time contract (targets/README.md), read from the environment once into a frozen object.

The Python twin of ``express_vue/server/src/config/env.mjs``: a missing variable is never an error;
an invalid rate, on/off switch, variant or mutant is (``ConfigError``; the entry point exits with code 2),
and so is an unknown name in ``SENTRY_DISABLED_INTEGRATIONS`` (found by ``sentry_setup``, which knows
the SDK's integrations).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["BUILD_MUTANTS", "MUTANTS", "ConfigError", "Settings", "read_settings"]

# The names of targets/MUTANTS.md (tests/targets keeps the three lists in step).
MUTANTS: Final = (
    "traces-rate-full",
    "browser-traces-rate-full",
    "replay-session-rate-full",
    "replay-on-error-off",
    "profiling-off",
    "no-release",
    "browser-release-mismatch",
    "wrong-environment",
    "dev-sends-without-flag",
    "kill-switch-ignored",
    "health-transactions-kept",
    "health-errors-kept",
    "short-transactions-kept",
    "extension-frames-kept",
    "dev-noise-kept",
    "breadcrumbs-unbounded",
    "gate-routes-open",
    "headers-not-scrubbed",
    "query-tokens-kept",
    "request-bodies-sent",
    "replay-inputs-unmasked",
    "replay-text-unmasked",
    "replay-block-ignored",
    "replay-network-authorization",
    "replay-network-bodies",
    "url-fragment-kept",
    "browser-keepalive-only",
    "sdk-debug-on",
    "maps-served-publicly",
    "maps-referenced",
    "no-debug-ids",
    "maps-not-uploaded",
    "stale-maps",
    "release-not-finalized",
    "blocking-transport",
    "rate-limits-ignored",
    "upstream-errors-swallowed",
    "no-upstream-timeout",
    "no-flush-on-sigterm",
    "slow-traces-sampler",
    "test-env-sends",
    "browser-dev-sends-without-flag",
    "browser-breadcrumbs-unbounded",
    "browser-stacktrace-off",
    "sentry-health-stale",
    "profiles-rate-full",
)
# Client builds that differ from the default one; the server serves client/dist-<name> for these.
BUILD_MUTANTS: Final = ("maps-referenced", "no-debug-ids")

_DEFAULT_DIST: Final = Path(__file__).resolve().parents[1] / "express_vue" / "client" / "dist"


class ConfigError(Exception):
    """The environment asks for something this server cannot be."""


def _non_empty(value: str | None) -> str | None:
    return None if value is None or not value.strip() else value.strip()


def _rate(env: Mapping[str, str], name: str) -> float | None:
    raw = _non_empty(env.get(name))
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw} is not a rate between 0 and 1") from None
    if not 0.0 <= value <= 1.0:
        raise ConfigError(f"{name}={raw} is not a rate between 0 and 1")
    return value


def _on_off(env: Mapping[str, str], name: str) -> bool | None:
    raw = _non_empty(env.get(name))
    if raw is None:
        return None
    if raw.lower() in ("on", "true", "1", "yes"):
        return True
    if raw.lower() in ("off", "false", "0", "no"):
        return False
    raise ConfigError(f"{name}={raw} is not on/off")


def _names(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """A comma-separated list: trimmed, empty entries and repeats dropped (absent or empty: none)."""
    names = (n.strip() for n in (env.get(name) or "").split(","))
    return tuple(dict.fromkeys(n for n in names if n))


@dataclass(frozen=True, slots=True)
class Settings:
    dsn: str | None
    browser_dsn: str | None
    release: str | None
    environment: str
    enable_sentry: bool
    traces_override: float | None
    profiles_override: float | None
    # Attribution switches (the load gate starts the target with one changed at a time).
    tracing: bool
    default_integrations: bool
    disabled_integrations: tuple[str, ...]
    browser_overrides: dict[str, float | bool | None]
    spotify_api_url: str
    spotify_accounts_url: str
    fault_token: str | None
    variant: str
    mutant: str | None
    mutant_delay_ms: float
    client_dist: Path
    host: str
    port: int

    def is_mutant(self, name: str) -> bool:
        return self.mutant == name


def _client_dist(env: Mapping[str, str], mutant: str | None) -> Path:
    explicit = _non_empty(env.get("GATE_CLIENT_DIST"))
    if explicit is not None:
        return Path(explicit)
    if mutant in BUILD_MUTANTS:
        dist = _DEFAULT_DIST.with_name(f"dist-{mutant}")
        if not (dist / "index.html").is_file():
            raise ConfigError(
                f"GATE_MUTANT={mutant} needs the client build {dist}; "
                f"build it with `targets/express_vue/build.sh {mutant}`"
            )
        return dist
    return _DEFAULT_DIST


def read_settings(env: Mapping[str, str] | None = None) -> Settings:
    e = os.environ if env is None else env
    variant = _non_empty(e.get("GATE_VARIANT")) or "hardened"
    if variant not in ("hardened", "seed"):
        raise ConfigError(f"GATE_VARIANT={variant} is not hardened or seed")
    mutant = _non_empty(e.get("GATE_MUTANT"))
    if mutant is not None and mutant not in MUTANTS:
        raise ConfigError(f"GATE_MUTANT={mutant} is not in targets/MUTANTS.md")
    api = (_non_empty(e.get("SPOTIFY_API_URL")) or "http://127.0.0.1:9/v1").rstrip("/")
    accounts = _non_empty(e.get("SPOTIFY_ACCOUNTS_URL")) or api.removesuffix("/v1")
    delay_raw = _non_empty(e.get("GATE_MUTANT_DELAY_MS")) or "1.0"
    try:
        delay = float(delay_raw)
    except ValueError:
        delay = -1.0
    if not delay >= 0.0:
        raise ConfigError(f"GATE_MUTANT_DELAY_MS={delay_raw}")
    try:
        port = int(_non_empty(e.get("PORT")) or "0")
    except ValueError:
        raise ConfigError(f"PORT={e.get('PORT')} is not a port number") from None
    return Settings(
        dsn=_non_empty(e.get("SENTRY_DSN")),
        browser_dsn=_non_empty(e.get("SENTRY_DSN_BROWSER")),
        release=_non_empty(e.get("SENTRY_RELEASE")),
        environment=_non_empty(e.get("SENTRY_ENVIRONMENT")) or _non_empty(e.get("NODE_ENV")) or "development",
        enable_sentry=e.get("ENABLE_SENTRY") == "true",
        traces_override=_rate(e, "SENTRY_TRACES_SAMPLE_RATE"),
        profiles_override=_rate(e, "SENTRY_PROFILES_SAMPLE_RATE"),
        tracing=_on_off(e, "SENTRY_TRACING") is not False,
        default_integrations=_on_off(e, "SENTRY_DEFAULT_INTEGRATIONS") is not False,
        disabled_integrations=_names(e, "SENTRY_DISABLED_INTEGRATIONS"),
        browser_overrides={
            "tracesSampleRate": _rate(e, "SENTRY_BROWSER_TRACES_SAMPLE_RATE"),
            "replaysSessionSampleRate": _rate(e, "SENTRY_REPLAYS_SESSION_SAMPLE_RATE"),
            "replaysOnErrorSampleRate": _rate(e, "SENTRY_REPLAYS_ON_ERROR_SAMPLE_RATE"),
            "replay": _on_off(e, "SENTRY_REPLAY"),
        },
        spotify_api_url=api,
        spotify_accounts_url=accounts.rstrip("/"),
        fault_token=_non_empty(e.get("GATE_FAULT_TOKEN")),
        variant=variant,
        mutant=mutant,
        mutant_delay_ms=delay,
        client_dist=_client_dist(e, mutant),
        host=_non_empty(e.get("HOST")) or "127.0.0.1",
        port=port,
    )

"""The expectation file: what a target's Sentry configuration should be, per environment (YAML).

A user states what their set-up promises (``harness/suites/production/expectations/<target>.yaml``) and the
production checks measure it. Loading validates every value, so a typo is an error, not a silent
default.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = ["EnvironmentExpectation", "ExpectationError", "Expectations", "load_expectations"]

_RATE_KEYS = (
    "traces_sample_rate",
    "profiles_sample_rate",
    "browser_traces_sample_rate",
    "replays_session_sample_rate",
    "replays_on_error_sample_rate",
)


class ExpectationError(ValueError):
    """The expectation file is malformed; the message names the file and the key."""


@dataclass(frozen=True, slots=True)
class EnvironmentExpectation:
    name: str
    sends: bool
    """Whether the SDKs send at all in this environment without an explicit opt-in."""
    enable_env: dict[str, str]
    """Variables that turn sending on where ``sends`` is false (e.g. ``ENABLE_SENTRY: "true"``)."""
    traces_sample_rate: float | None
    profiles_sample_rate: float | None
    browser_traces_sample_rate: float | None
    replays_session_sample_rate: float | None
    replays_on_error_sample_rate: float | None
    max_breadcrumbs: int | None


@dataclass(frozen=True, slots=True)
class Expectations:
    target: str
    environments: dict[str, EnvironmentExpectation]
    server_tolerance: float
    browser_tolerance: float
    alpha: float
    source: str
    replay_tolerance: float = 0.3
    """Replay rates are measured over ≥ 5 s browser sessions (the SDK sends nothing younger), so their
    stated precision is looser still than the browser traces rate's."""

    def environment(self, name: str) -> EnvironmentExpectation:
        try:
            return self.environments[name]
        except KeyError:
            raise ExpectationError(
                f"{self.source}: no environment {name!r} (has {sorted(self.environments)})"
            ) from None


def _rate(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= float(value) <= 1.0:
        raise ExpectationError(f"{where}: a rate is a number in [0, 1], got {value!r}")
    return float(value)


def _positive(value: Any, where: str, *, upper: float = 1.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 < float(value) < upper:
        raise ExpectationError(f"{where}: expected a number in (0, {upper:g}), got {value!r}")
    return float(value)


def parse_expectations(data: Any, source: str = "<expectations>") -> Expectations:
    if not isinstance(data, dict):
        raise ExpectationError(f"{source}: the top level is a mapping")
    envs_raw = data.get("environments")
    if not isinstance(envs_raw, dict) or not envs_raw:
        raise ExpectationError(f"{source}: 'environments' maps each environment name to its settings")
    tol = data.get("tolerance") or {}
    if not isinstance(tol, dict):
        raise ExpectationError(f"{source}: 'tolerance' is a mapping")
    envs: dict[str, EnvironmentExpectation] = {}
    for name, raw in envs_raw.items():
        where = f"{source}: environments.{name}"
        if not isinstance(raw, dict):
            raise ExpectationError(f"{where} is a mapping")
        unknown = set(raw) - {"sends", "enable_env", "max_breadcrumbs", *_RATE_KEYS}
        if unknown:
            raise ExpectationError(f"{where}: unknown keys {sorted(unknown)}")
        sends = raw.get("sends", True)
        if not isinstance(sends, bool):
            raise ExpectationError(f"{where}.sends: true or false, got {sends!r}")
        enable_env = raw.get("enable_env") or {}
        if not isinstance(enable_env, dict):
            raise ExpectationError(f"{where}.enable_env: a mapping of variables")
        crumbs = raw.get("max_breadcrumbs")
        if crumbs is not None and (isinstance(crumbs, bool) or not isinstance(crumbs, int) or crumbs < 1):
            raise ExpectationError(f"{where}.max_breadcrumbs: a positive integer, got {crumbs!r}")
        rates = {k: _rate(raw.get(k), f"{where}.{k}") for k in _RATE_KEYS}
        envs[str(name)] = EnvironmentExpectation(
            name=str(name),
            sends=sends,
            enable_env={str(k): str(v) for k, v in enable_env.items()},
            max_breadcrumbs=crumbs,
            **rates,
        )
    return Expectations(
        target=str(data.get("target") or Path(source).stem),
        environments=envs,
        server_tolerance=_positive(tol.get("server", 0.02), f"{source}: tolerance.server", upper=0.5),
        browser_tolerance=_positive(tol.get("browser", 0.1), f"{source}: tolerance.browser", upper=0.5),
        alpha=_positive(data.get("alpha", 0.05), f"{source}: alpha", upper=0.5),
        source=source,
        replay_tolerance=_positive(
            tol.get("replay", tol.get("browser", 0.3)), f"{source}: tolerance.replay", upper=0.5
        ),
    )


def load_expectations(path: Path) -> Expectations:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ExpectationError(f"{path}: not valid YAML: {exc}") from exc
    return parse_expectations(data, str(path))

"""One typed settings object for a run, and the only place a ``GATE_*`` or ``SENTRY_GATE_*`` name is spelled.

Why one object: ``sentry-gate run`` starts pytest in a subprocess, the suites start targets, Locust and
the ingest in more subprocesses, and each used to read its own environment variables by name (42 of them,
``GATE_MUTANT`` spelled in 13 files). Now `Settings` is built once, from the CLI or from the environment,
handed to a child in one serialised form (``SENTRY_GATE_SETTINGS``, JSON), and read back typed.

Sources, later ones winning: the defaults below; ``SENTRY_GATE_SETTINGS`` (what ``sentry-gate run`` hands
to pytest); the single variables in `VARIABLES` (a developer's one-off ``GATE_LOAD_PAIRS=4 pytest …``).
A value that does not parse is a `UsageError` naming the variable.

It is also the seam the target file fills: targets and environments by name, the release, the expectation
file. The variables a *bundled app* reads (`AppVariables`) are named here too, so the harness spells each
name once. Nothing here imports harness (but its error type), so every layer may import it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from harness.errors import UsageError

__all__ = [
    "SETTINGS_VAR",
    "VARIABLES",
    "AppVariables",
    "LoadSettings",
    "LocustVariables",
    "ProductionSettings",
    "SelfTestSettings",
    "Settings",
    "check_environment_name",
]

SETTINGS_VAR: Final = "SENTRY_GATE_SETTINGS"
"""The one variable a parent process sets for a child: the whole `Settings` as JSON."""


class AppVariables:
    """Variables the bundled reference apps read (their own contract, docs/design.md)."""

    VARIANT: Final = "GATE_VARIANT"
    MUTANT: Final = "GATE_MUTANT"
    MUTANT_DELAY_MS: Final = "GATE_MUTANT_DELAY_MS"
    FAULT_TOKEN: Final = "GATE_FAULT_TOKEN"
    CLIENT_DIST: Final = "GATE_CLIENT_DIST"
    PREFIX: Final = "GATE_"
    """Every variable of the gate's own starts with it: dropped from what a target inherits."""


class LocustVariables:
    """What the load runner hands each Locust process (``harness/loadtests/locustfile.py`` reads them)."""

    PLAN: Final = "GATE_LOAD_PLAN"
    WORKER_INDEX: Final = "GATE_LOAD_WORKER_INDEX"


def check_environment_name(name: str) -> str:
    """An environment name Sentry accepts (Relay: 1–64 characters, no newline, tab or slash, not ``None``).

    Any such name is allowed: a user's app may run in ``qa`` or ``eu-prod``; the gate fixes no list."""
    if not name or len(name) > 64 or any(c in name for c in "\n\r\t/") or name == "None":
        raise UsageError(f"environment {name!r} is not a name Sentry accepts (1-64 characters, no slash or newline)")
    return name


@dataclass(frozen=True, slots=True)
class LoadSettings:
    """The load profile's knobs (defaults sized for its 10-minute budget, see docs/load.md)."""

    targets: tuple[str, ...] | None = None
    environment: str = "production"
    budget: float = 0.02
    rate_fractions: tuple[float, ...] = (0.5,)
    pairs: int = 8
    block_seconds: float = 4.0
    spotify_ms: int = 20
    attribution: bool = True
    attribution_fraction: float = 0.3
    browser_rounds: int = 24
    browser_throttle: float = 4.0


@dataclass(frozen=True, slots=True)
class ProductionSettings:
    """The production suite's environments and the sizes of its delivery runs."""

    environments: tuple[str, ...] = ()
    """Empty: every environment the target file declares."""
    browser_rate_targets: tuple[str, ...] | None = None
    delivery_errors: int = 2000
    browser_delivery_errors: int = 200
    traces_requests: int | None = None
    """A fixed number of requests per server traces rate check (self-tests); None: sized for its power."""
    browser_pages: int | None = None
    """A fixed number of page loads per described page's browser traces rate check; None: sized for its power."""
    replay_sessions: int | None = None
    """A fixed number of browser sessions per described page's replay rate check (the nightly may carry
    more, a self-test fewer); None: sized for the power the replay tolerance states."""


@dataclass(frozen=True, slots=True)
class SelfTestSettings:
    """What the gate's own self-tests set to run a suite against a mutant and look at what it planted."""

    mutant: str | None = None
    mutants: tuple[str, ...] | None = None
    canary_dump: Path | None = None
    replay_variants: tuple[str, ...] | None = None
    replay_png_dir: Path | None = None

    def variants(self) -> tuple[str, ...]:
        """The named mutants (``mutants``, else ``mutant``), or empty for the suite's own default."""
        if self.mutants:
            return self.mutants
        return (self.mutant,) if self.mutant else ()


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a run is asked to be. ``target`` is what the user named (``bundled:<name>``, a target
    file, or a deployment's URL); ``target_file`` the file describing it and ``target_name`` its name."""

    target: str | None = None
    target_file: Path | None = None
    target_name: str | None = None
    targets: tuple[str, ...] | None = None
    environment: str | None = None
    release: str | None = None
    server_project: int | None = None
    browser_project: int | None = None
    ingest_url: str | None = None
    control_token: str | None = None
    api_token: str | None = None
    chromium: Path = Path("/usr/bin/chromium")
    sentry_cli: Path | None = None
    load: LoadSettings = field(default_factory=LoadSettings)
    production: ProductionSettings = field(default_factory=ProductionSettings)
    self_test: SelfTestSettings = field(default_factory=SelfTestSettings)

    def __post_init__(self) -> None:
        if self.environment is not None:
            check_environment_name(self.environment)

    @property
    def external(self) -> bool:
        """True when the app runs where the gate cannot restart it: a URL, or a file that gives only one."""
        return bool(self.target) and str(self.target).startswith(("http://", "https://"))

    def bundled_targets(self, every: tuple[str, ...], specific: tuple[str, ...] | None = None) -> list[str]:
        """Which bundled targets a suite runs: ``specific`` (a suite's own list), else ``targets``, else the
        one ``target`` names, else ``every``. An external ``target`` selects ``every``: the suites that run on
        one skip their bundled-only tests themselves."""
        chosen = specific or self.targets
        if chosen:
            return list(chosen)
        if self.target_name and not self.external:
            return [self.target_name]
        if self.target and str(self.target).startswith("bundled:"):
            return [self.target.removeprefix("bundled:")]
        return list(every)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    # ---- one serialised form ----------------------------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), default=str, sort_keys=True)

    def to_environ(self) -> dict[str, str]:
        """What a child process needs to rebuild these settings: one variable."""
        return {SETTINGS_VAR: self.to_json()}

    @classmethod
    def from_json(cls, text: str) -> Settings:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{SETTINGS_VAR} is not JSON: {exc}") from exc
        built: Settings = _build(cls, data, SETTINGS_VAR)
        return built

    @classmethod
    def from_environ(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Defaults, then ``SENTRY_GATE_SETTINGS``, then each single variable of `VARIABLES` that is set."""
        e = os.environ if env is None else env
        settings = cls.from_json(e[SETTINGS_VAR]) if e.get(SETTINGS_VAR) else cls()
        for name, (path, parse) in VARIABLES.items():
            raw = e.get(name)
            if raw is None or raw.strip() == "":
                continue
            try:
                value = parse(raw.strip())
            except (ValueError, UsageError) as exc:
                raise UsageError(f"{name}={raw!r}: {exc}") from exc
            settings = _set(settings, path, value)
        return settings


# ---- the single variables ---------------------------------------------------------------------------------
def _names(raw: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in raw.split(",") if n.strip())


def _floats(raw: str) -> tuple[float, ...]:
    return tuple(float(n) for n in _names(raw))


def _switch(raw: str) -> bool:
    if raw not in ("0", "1"):
        raise ValueError("expected 0 or 1")
    return raw == "1"


def _environments(raw: str) -> tuple[str, ...]:
    return tuple(check_environment_name(n) for n in _names(raw))


VARIABLES: Final[dict[str, tuple[tuple[str, ...], Callable[[str], Any]]]] = {
    "SENTRY_GATE_TARGET": (("target",), str),
    "SENTRY_GATE_TARGET_FILE": (("target_file",), Path),
    "SENTRY_GATE_TARGET_NAME": (("target_name",), str),
    "GATE_TARGETS": (("targets",), _names),
    "SENTRY_GATE_ENVIRONMENT": (("environment",), check_environment_name),
    "SENTRY_GATE_RELEASE": (("release",), str),
    "SENTRY_GATE_SERVER_PROJECT": (("server_project",), int),
    "SENTRY_GATE_BROWSER_PROJECT": (("browser_project",), int),
    "SENTRY_GATE_INGEST_URL": (("ingest_url",), str),
    "SENTRY_GATE_CONTROL_TOKEN": (("control_token",), str),
    "SENTRY_GATE_API_TOKEN": (("api_token",), str),
    "SENTRY_GATE_CHROMIUM": (("chromium",), Path),
    "SENTRY_GATE_SENTRY_CLI": (("sentry_cli",), Path),
    "GATE_LOAD_TARGETS": (("load", "targets"), _names),
    "GATE_LOAD_ENVIRONMENT": (("load", "environment"), check_environment_name),
    "GATE_LOAD_BUDGET": (("load", "budget"), float),
    "GATE_LOAD_RATE_FRACTIONS": (("load", "rate_fractions"), _floats),
    "GATE_LOAD_PAIRS": (("load", "pairs"), int),
    "GATE_LOAD_BLOCK_SECONDS": (("load", "block_seconds"), float),
    "GATE_LOAD_SPOTIFY_MS": (("load", "spotify_ms"), int),
    "GATE_LOAD_ATTRIBUTION": (("load", "attribution"), _switch),
    "GATE_LOAD_ATTRIBUTION_FRACTION": (("load", "attribution_fraction"), float),
    "GATE_BROWSER_ROUNDS": (("load", "browser_rounds"), int),
    "GATE_BROWSER_THROTTLE": (("load", "browser_throttle"), float),
    "GATE_ENVIRONMENTS": (("production", "environments"), _environments),
    "GATE_BROWSER_RATE_TARGETS": (("production", "browser_rate_targets"), _names),
    "GATE_DELIVERY_ERRORS": (("production", "delivery_errors"), int),
    "GATE_BROWSER_DELIVERY_ERRORS": (("production", "browser_delivery_errors"), int),
    "GATE_TRACES_REQUESTS": (("production", "traces_requests"), int),
    "GATE_BROWSER_PAGES": (("production", "browser_pages"), int),
    "GATE_REPLAY_SESSIONS": (("production", "replay_sessions"), int),
    "GATE_MUTANT": (("self_test", "mutant"), str),
    "GATE_MUTANTS": (("self_test", "mutants"), _names),
    "GATE_PRIVACY_CANARY_DUMP": (("self_test", "canary_dump"), Path),
    "GATE_REPLAY_VARIANTS": (("self_test", "replay_variants"), _names),
    "GATE_REPLAY_PNG_DIR": (("self_test", "replay_png_dir"), Path),
}
"""Each single variable a developer may set, the field it sets and how its text parses (docs/cli.md)."""


def _set(obj: Any, path: tuple[str, ...], value: Any) -> Any:
    if len(path) == 1:
        return dataclasses.replace(obj, **{path[0]: value})
    return dataclasses.replace(obj, **{path[0]: _set(getattr(obj, path[0]), path[1:], value)})


def _build(cls: type[Any], data: Any, where: str) -> Any:
    """``cls`` from parsed JSON, every field checked against its type: unknown keys and wrong types refused."""
    if not isinstance(data, dict):
        raise UsageError(f"{where}: expected an object, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise UsageError(f"{where}: unknown key(s) {', '.join(unknown)}")
    return cls(**{k: _convert(hints[k], v, f"{where}.{k}") for k, v in data.items()})


def _convert(hint: Any, value: Any, where: str) -> Any:
    args = typing.get_args(hint)
    if isinstance(hint, types.UnionType):  # `X | None`: the settings use no other union
        if value is None:
            return None
        hint = next(a for a in args if a is not type(None))
        args = typing.get_args(hint)
    if dataclasses.is_dataclass(hint):
        return _build(typing.cast(type[Any], hint), value, where)
    if typing.get_origin(hint) is tuple:
        if not isinstance(value, list):
            raise UsageError(f"{where}: expected a list, got {value!r}")
        return tuple(_convert(args[0], v, where) for v in value)
    if hint is Path:
        if not isinstance(value, str):
            raise UsageError(f"{where}: expected a path, got {value!r}")
        return Path(value)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
        raise UsageError(f"{where}: expected {hint.__name__}, got {value!r}")
    return value

"""The settings object: one serialised form that round-trips, single variables that win, clear errors."""

from pathlib import Path

import pytest

from harness.errors import UsageError
from harness.settings import SETTINGS_VAR, VARIABLES, LoadSettings, Settings, check_environment_name


def test_defaults_without_any_variable() -> None:
    assert Settings.from_environ({}) == Settings()


def test_the_serialised_form_round_trips_every_field() -> None:
    settings = Settings(
        target="bundled:python-api",
        targets=("python-api",),
        environment="eu-prod",
        release="app@2.0",
        target_file=Path("/tmp/sentry-gate.toml"),
        target_name="python-api",
        server_project=7,
        chromium=Path("/opt/chromium"),
        load=LoadSettings(pairs=3, rate_fractions=(0.5, 0.8), attribution=False),
    )
    assert Settings.from_environ(settings.to_environ()) == settings


def test_a_single_variable_wins_over_the_serialised_form() -> None:
    env = {**Settings(load=LoadSettings(pairs=3)).to_environ(), "GATE_LOAD_PAIRS": "5"}
    assert Settings.from_environ(env).load.pairs == 5


def test_every_variable_sets_its_field() -> None:
    samples = {int: "3", float: "0.5", Path: "/tmp/x"}
    for name, (path, parse) in VARIABLES.items():
        raw = samples.get(parse, "1" if name.endswith("ATTRIBUTION") else "0.5" if "FRACTIONS" in name else "qa")
        value: object = Settings.from_environ({name: raw})
        for part in path:
            value = getattr(value, part)
        assert value == parse(raw), name


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GATE_LOAD_PAIRS": "many"}, "GATE_LOAD_PAIRS='many'"),
        ({"GATE_LOAD_ATTRIBUTION": "yes"}, "expected 0 or 1"),
        ({"GATE_ENVIRONMENTS": "prod/eu"}, "not a name Sentry accepts"),
        ({SETTINGS_VAR: "{"}, "is not JSON"),
        ({SETTINGS_VAR: '{"load": {"pairz": 1}}'}, r"load: unknown key\(s\) pairz"),
        ({SETTINGS_VAR: '{"load": {"pairs": "8"}}'}, r"load.pairs: expected int"),
    ],
)
def test_a_bad_value_is_a_usage_error_naming_it(env: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        Settings.from_environ(env)


def test_any_environment_name_sentry_accepts_is_allowed() -> None:
    assert check_environment_name("qa-eu.2") == "qa-eu.2"
    for bad in ("", "None", "a/b", "x" * 65, "line\nbreak"):
        with pytest.raises(UsageError):
            check_environment_name(bad)

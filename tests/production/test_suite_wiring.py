"""The production suite end to end in its own pytest session (against this session's ingest): under a
mutant, the suite's test for its check fails with ``<check id>: <measured value>``; hardened, it passes.
Cheap checks only (the probes behind every check are self-tested in `test_mutants.py`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.ingest import IngestClient
from harness.settings import ProductionSettings, SelfTestSettings, Settings
from tests.support.settings import use_settings

pytestmark = [pytest.mark.slow]

SUITE = Path(__file__).resolve().parents[2] / "harness" / "suites" / "production" / "test_production.py"


@pytest.mark.parametrize(
    ("mutant", "line"),
    [
        (None, None),
        (
            "gate-routes-open",
            "*production.surface.gate-routes: gate routes answered {*POST /__gate/fault (no token)': 500*",
        ),
    ],
)
def test_suite_fails_naming_the_check(
    pytester: pytest.Pytester,
    sentry_ingest: IngestClient,
    monkeypatch: pytest.MonkeyPatch,
    mutant: str | None,
    line: str | None,
) -> None:
    settings = Settings(
        targets=("python-api",),
        production=ProductionSettings(environments=("production",)),
        self_test=SelfTestSettings(mutant=mutant),
    )
    use_settings(monkeypatch, settings)
    args = [str(SUITE), "-p", "no:cacheprovider", "--gate-ingest-url", sentry_ingest.url, "-o", "addopts=", "-rf"]
    result = pytester.runpytest_subprocess(*args, "-k", "gate_routes or monitoring", timeout=120)
    outcomes = result.parseoutcomes()
    output = result.stdout.str()
    if line is None:
        assert outcomes.get("passed", 0) == 5, output[-4000:]
        assert outcomes.get("failed", 0) == 0, output[-4000:]
    else:
        assert outcomes.get("failed", 0) == 1, output[-4000:]
        result.stdout.fnmatch_lines([line])

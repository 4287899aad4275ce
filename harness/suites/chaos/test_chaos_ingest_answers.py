"""The ingest answering 429 (a category limit, or bare), 413 or flapping 5xx: the SDK backs off and accounts.

Checks:

- ``chaos.ingest-rate-limit.backoff``: after a 429, no request carrying a limited category reaches
  the ingest before the limit ends (the ingest's per-request log and arrival times), other
  categories keep flowing, and after the limit everything flows again;
- ``chaos.loss.accounted``: what was not delivered shows in the client reports (delivery reasons
  only: ratelimit_backoff, network_error, queue_overflow, send_error…) or was refused by the
  ingest's own 429; injected, received, accounted by reason and unaccounted are printed.

Every scenario is an experiment whose steady state (every request answered 200; a marked error
event and transaction arrive) holds before, under the fault and after roll back; the journal is in
each result's evidence. Marked traffic runs through the whole fault window and beyond it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.chaos import ChaosRunner, experiments
from harness.chaos.fixtures import suite_rig
from harness.chaos.rig import ChaosRig
from harness.ingest import IngestClient
from harness.recorder import CheckRecorder
from harness.results import CheckResult, Verdict
from harness.targets.selection import selected_targets

# What this suite needs from a target file (skipped, naming what is missing, on a file without it).
pytestmark = pytest.mark.needs("bundled", "gate_routes")

LIMIT_S = {"bare-429": 6.0, "category-429": 8.0, "413": 4.0, "5xx-flapping": 5.0}
"""Shorter than issue 7's example (60 s): the SDKs honour any length alike, and the suite has a time budget."""

NODE_STALE_LIMIT_BUG = (
    "@sentry/core 11.1.0 utils/ratelimit.ts disabledUntil() returns `limits[category] || limits.all`: a category's "
    "expired limit (a past timestamp, still truthy) hides a later bare 429's `all` limit, so that category is sent "
    "during the Retry-After"
)


def _rig(
    request: pytest.FixtureRequest,
    sentry_ingest: IngestClient,
    chaos_runner: ChaosRunner,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ChaosRig]:
    """A rig whose target samples every transaction, so a transaction limit has something to hold back."""
    name: str = request.param
    env = {"SENTRY_TRACES_SAMPLE_RATE": "1.0", "SENTRY_PROFILES_SAMPLE_RATE": "0"}
    yield from suite_rig(name, sentry_ingest, chaos_runner, tmp_path_factory.mktemp(f"answers-{name}"), extra_env=env)


@pytest.fixture(scope="module", params=selected_targets())
def traced_rig(
    request: pytest.FixtureRequest,
    sentry_ingest: IngestClient,
    chaos_runner: ChaosRunner,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ChaosRig]:
    """One rig per target for the four scenarios, run in LIMIT_S's order: the bare 429 first, while the
    SDK has no expired category limit (see `test_bare_429_after_an_expired_category_limit`)."""
    yield from _rig(request, sentry_ingest, chaos_runner, tmp_path_factory)


@pytest.fixture(params=selected_targets())
def fresh_traced_rig(
    request: pytest.FixtureRequest,
    sentry_ingest: IngestClient,
    chaos_runner: ChaosRunner,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ChaosRig]:
    yield from _rig(request, sentry_ingest, chaos_runner, tmp_path_factory)


def _shown(result: CheckResult) -> str:
    return f"{result.check_id}: {result.summary}\n{result.evidence.get('journal', '')}"


@pytest.mark.parametrize("kind", list(LIMIT_S))
def test_sdk_backs_off_and_accounts(traced_rig: ChaosRig, kind: str, gate_check: CheckRecorder) -> None:
    """Every result must pass; a known SDK gap in loss accounting is reported (skip with the figures), never passed."""
    gate_check.all(experiments.ingest_answer_scenario(traced_rig, kind, limit_s=LIMIT_S[kind]))


def test_bare_429_after_an_expired_category_limit(fresh_traced_rig: ChaosRig, request: pytest.FixtureRequest) -> None:
    """What a real Sentry does over a day: a transaction quota hit, later a bare 429. The second limit must
    hold for every category, whatever limits expired before it."""
    rig = fresh_traced_rig
    if rig.name == "express-vue":
        request.applymarker(pytest.mark.xfail(reason=NODE_STALE_LIMIT_BUG, strict=True))
    first = experiments.ingest_answer_scenario(rig, "category-429", limit_s=3.0)
    assert all(r.verdict is not Verdict.FAIL for r in first), "\n".join(_shown(r) for r in first)
    second = experiments.ingest_answer_scenario(rig, "bare-429", limit_s=5.0)
    failed = [r for r in second if r.verdict is Verdict.FAIL]
    assert not failed, "\n".join(_shown(r) for r in failed)
    unresolved = [r for r in second if r.verdict is not Verdict.PASS]
    if unresolved:
        pytest.skip("; ".join(f"{r.check_id} {r.verdict}: {r.summary}" for r in unresolved))

"""The described-app server checks (``harness/suites/production/test_described_server.py``) through real runs
on the foreign shop, an app with no gate routes known only by its target file: the hardened shop passes every
one of them, and each variant FAILS the check that names its mistake (targets/foreign_shop/VARIANTS.md).

One pytest subprocess per variant (`tests.support.shop_run.run_suite`), running only the suite's tests that
judge its mistake; the standard run is split in two selections. A run mostly waits (the app's start and stop,
the sentinel, the ingest), so each test runs its runs side by side, `RUNS_AT_ONCE` at a time: fourteen runs one
after the other took 125 s with ``-n 2``. The delivery probe sends 60 errors here instead of 200
(``GATE_DELIVERY_ERRORS``): the swallowing variant loses half of them, and the hardened shop must lose none.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.shop_run import run_suite

RUNS_AT_ONCE = 3
OWN_APP = "delivery or sending or dsn_removed or no_noise"
"""The suite's tests that each start (and stop) an app of their own; the others share one."""
OWN_APP_IDS = (
    "production.delivery.server-errors",
    "production.filters.not-over-filtering",
    "production.config.sending",
    "production.monitoring.no-noise",
    "production.profiling.enabled",
    "production.rollback.dsn-removed",
)
SHARED_APP_IDS = (
    "production.config.max-breadcrumbs",
    "production.monitoring.health",
    "production.monitoring.metrics",
    "production.monitoring.sentry-health",
    "production.quality.in-app-frames",
    "production.quality.request-context",
    "production.quality.breadcrumbs",
    "production.quality.transaction",
    "production.quality.relay-normalization",
    "production.quality.grouping",
)

# case → (variant, the suite's tests to run, check id → the verdict it must give)
CASES: dict[str, tuple[str, str, dict[str, str]]] = {
    "standard, own apps": ("standard", OWN_APP, dict.fromkeys(OWN_APP_IDS, "pass")),
    "standard, one app": ("standard", f"not ({OWN_APP}) and not health_errors", dict.fromkeys(SHARED_APP_IDS, "pass")),
    "payment_errors_swallowed": (
        "payment_errors_swallowed",
        "delivery",
        {"production.delivery.server-errors": "fail", "production.filters.not-over-filtering": "fail"},
    ),
    "preprod_silent": ("preprod_silent", "sending and preprod", {"production.config.sending": "fail"}),
    "breadcrumbs_unbounded": (
        "breadcrumbs_unbounded",
        "max_breadcrumbs",
        {"production.config.max-breadcrumbs": "fail"},
    ),
    "health_version_from_package": (
        "health_version_from_package",
        "monitoring_answer",
        {"production.monitoring.health": "fail"},
    ),
    "sentry_after_app": (
        "sentry_after_app",
        "monitoring_answer",
        {"production.monitoring.metrics": "fail", "production.monitoring.sentry-health": "fail"},
    ),
    "status_last_event_per_request": (
        "status_last_event_per_request",
        "monitoring_answer",
        {"production.monitoring.sentry-health": "fail"},
    ),
    "health_unfiltered": ("health_unfiltered", "no_noise", {"production.monitoring.no-noise": "fail"}),
    "project_root_hardcoded": ("project_root_hardcoded", "quality", {"production.quality.in-app-frames": "fail"}),
    "over_scrubbed": (
        "over_scrubbed",
        "quality",
        {"production.quality.request-context": "fail", "production.quality.transaction": "fail"},
    ),
    "breadcrumbs_off": ("breadcrumbs_off", "quality", {"production.quality.breadcrumbs": "fail"}),
    "customer_context_text": (
        "customer_context_text",
        "quality",
        {"production.quality.relay-normalization": "fail"},
    ),
    "fingerprint_per_request": ("fingerprint_per_request", "quality", {"production.quality.grouping": "fail"}),
    "dsn_remembered": ("dsn_remembered", "dsn_removed", {"production.rollback.dsn-removed": "fail"}),
    "profiling_unwired": ("profiling_unwired", "profiling", {"production.profiling.enabled": "fail"}),
}
GROUPS = {
    "standard-and-monitoring": [
        "standard, own apps",
        "standard, one app",
        "health_version_from_package",
        "sentry_after_app",
        "status_last_event_per_request",
        "health_unfiltered",
        "payment_errors_swallowed",
        "dsn_remembered",
    ],
    "events-and-configuration": [
        "project_root_hardcoded",
        "over_scrubbed",
        "breadcrumbs_off",
        "customer_context_text",
        "fingerprint_per_request",
        "preprod_silent",
        "breadcrumbs_unbounded",
        "profiling_unwired",
    ],
}


def _mismatches(case: str, folder: Path) -> list[str]:
    """Run ``case``; what it got wrong (each id's expected and received verdict, and the run's output)."""
    variant, selection, expected = CASES[case]
    env = {"GATE_DELIVERY_ERRORS": "60"}
    run = run_suite("production/test_described_server.py", variant, folder, selection, env)
    wrong = {i: run.verdicts.get(i) for i, verdict in expected.items() if run.verdicts.get(i) != verdict}
    return [f"{case}: expected {expected}, got {wrong}\n{run.output}"] if wrong else []


def test_every_case_is_in_one_group_and_the_standard_covers_every_id() -> None:
    assert sorted(c for cases in GROUPS.values() for c in cases) == sorted(CASES)
    assert not set(OWN_APP_IDS) & set(SHARED_APP_IDS)
    failing = {i for _, _, expected in CASES.values() for i, v in expected.items() if v == "fail"}
    assert failing == set(OWN_APP_IDS) | set(SHARED_APP_IDS)


@pytest.mark.slow
@pytest.mark.parametrize("group", list(GROUPS))
def test_the_standard_shop_passes_and_each_variant_fails_the_check_that_names_its_mistake(
    group: str, tmp_path: Path
) -> None:
    cases = GROUPS[group]
    with ThreadPoolExecutor(max_workers=RUNS_AT_ONCE) as pool:
        found = list(pool.map(lambda n: _mismatches(cases[n], tmp_path / str(n)), range(len(cases))))
    wrong = [line for lines in found for line in lines]
    assert not wrong, "\n\n".join(wrong)

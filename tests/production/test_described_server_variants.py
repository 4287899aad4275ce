"""The described-app server checks (``harness/suites/production/test_described_server.py``) through real runs
on the foreign shop, an app with no gate routes known only by its target file: the hardened shop passes every
one of them, and each variant FAILS the check that names its mistake (targets/foreign_shop/VARIANTS.md).

One pytest subprocess per variant (`tests.support.shop_run.run_suite`), running only the suite's tests that
judge its mistake. The delivery probe sends 60 errors here instead of 200 (``GATE_DELIVERY_ERRORS``): the
swallowing variant loses half of them, and the hardened shop must still lose none.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.shop_run import run_suite

SERVER_IDS = (
    "production.delivery.server-errors",
    "production.filters.not-over-filtering",
    "production.config.sending",
    "production.config.max-breadcrumbs",
    "production.monitoring.health",
    "production.monitoring.metrics",
    "production.monitoring.sentry-health",
    "production.monitoring.no-noise",
    "production.quality.in-app-frames",
    "production.quality.request-context",
    "production.quality.breadcrumbs",
    "production.quality.transaction",
    "production.quality.relay-normalization",
    "production.quality.grouping",
    "production.rollback.dsn-removed",
    "production.profiling.enabled",
)

# variant → (the suite's tests to run, check id → the verdict it must give)
CASES: dict[str, tuple[str, dict[str, str]]] = {
    "standard": ("not health_errors", dict.fromkeys(SERVER_IDS, "pass")),
    "payment_errors_swallowed": (
        "delivery",
        {"production.delivery.server-errors": "fail", "production.filters.not-over-filtering": "fail"},
    ),
    "preprod_silent": ("sending and preprod", {"production.config.sending": "fail"}),
    "breadcrumbs_unbounded": ("max_breadcrumbs", {"production.config.max-breadcrumbs": "fail"}),
    "health_version_from_package": ("monitoring_answer", {"production.monitoring.health": "fail"}),
    "sentry_after_app": (
        "monitoring_answer",
        {"production.monitoring.metrics": "fail", "production.monitoring.sentry-health": "fail"},
    ),
    "health_unfiltered": ("no_noise", {"production.monitoring.no-noise": "fail"}),
    "project_root_hardcoded": ("quality", {"production.quality.in-app-frames": "fail"}),
    "over_scrubbed": (
        "quality",
        {"production.quality.request-context": "fail", "production.quality.transaction": "fail"},
    ),
    "breadcrumbs_off": ("quality", {"production.quality.breadcrumbs": "fail"}),
    "customer_context_text": ("quality", {"production.quality.relay-normalization": "fail"}),
    "fingerprint_per_request": ("quality", {"production.quality.grouping": "fail"}),
    "dsn_remembered": ("dsn_removed", {"production.rollback.dsn-removed": "fail"}),
    "profiling_unwired": ("profiling", {"production.profiling.enabled": "fail"}),
}


@pytest.mark.slow
@pytest.mark.parametrize("variant", list(CASES))
def test_each_variant_fails_the_server_check_that_names_its_mistake(variant: str, tmp_path: Path) -> None:
    selection, expected = CASES[variant]
    run = run_suite("production/test_described_server.py", variant, tmp_path, selection, {"GATE_DELIVERY_ERRORS": "60"})
    for check_id, verdict in expected.items():
        assert run.verdicts.get(check_id) == verdict, (check_id, run.verdicts, run.output)

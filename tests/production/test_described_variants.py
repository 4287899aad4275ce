"""The described-app production checks (``harness/suites/production/test_described.py``) through real runs on
the foreign shop, an app with no gate routes known only by its target file: the hardened shop passes, and
each variant FAILS the check that names its mistake (targets/foreign_shop/VARIANTS.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.shop_run import run_suite

# variant → (the suite's tests to run, check id → the verdict it must give)
CASES: dict[str, tuple[str, dict[str, str]]] = {
    "standard": (
        "identity or development or (server_traces and live)",
        {
            "production.filters.health-transactions": "pass",
            "production.rollback.kill-switch": "pass",
            "production.config.development-silent": "pass",
            "production.sampling.declared-rate": "pass",
            "production.config.environment": "pass",
        },
    ),
    "live_traces_too_high": ("server_traces and live", {"production.sampling.declared-rate": "fail"}),
    "health_unfiltered": ("identity", {"production.filters.health-transactions": "fail"}),
    "kill_switch_ignored": ("identity", {"production.rollback.kill-switch": "fail"}),
    "dev_not_silent": ("development", {"production.config.development-silent": "fail"}),
}


@pytest.mark.slow
@pytest.mark.parametrize("variant", list(CASES))
def test_each_variant_fails_the_check_that_names_its_mistake(variant: str, tmp_path: Path) -> None:
    selection, expected = CASES[variant]
    run = run_suite("production/test_described.py", variant, tmp_path, selection, {"GATE_TRACES_REQUESTS": "60"})
    for check_id, verdict in expected.items():
        assert run.verdicts.get(check_id) == verdict, (check_id, run.verdicts, run.output)

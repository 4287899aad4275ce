"""The described-app production checks (``harness/suites/production/test_described.py``) through real runs on
the foreign shop, an app with no gate routes known only by its target file: the hardened shop passes, and
each variant FAILS the check that names its mistake (targets/foreign_shop/VARIANTS.md).

A variant is an override of the description: a copy of the shop's target file whose ``[app] env`` selects
the variant's configuration module, the way the shop selects any configuration.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.settings import Settings
from tests.support.target_copy import copy_outside

ROOT = Path(__file__).resolve().parents[2]
SHOP = ROOT / "targets" / "foreign_shop" / "sentry-gate.toml"
SUITE = ROOT / "harness" / "suites" / "production" / "test_described.py"

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


def variant_file(folder: Path, variant: str) -> Path:
    """The shop's file, its folders absolute, its app started with ``SHOP_SENTRY_CONFIG`` = ``variant``."""
    copy = copy_outside(SHOP, folder)
    text = copy.read_text()
    app_env = 'env = { PYTHONUNBUFFERED = "1" }'
    assert app_env in text, "the shop's [app] env changed: update this override"
    override = f'cwd = "{SHOP.parent}"\nenv = {{ PYTHONUNBUFFERED = "1", SHOP_SENTRY_CONFIG = "{variant}" }}'
    copy.write_text(text.replace(app_env, override, 1))
    return copy


@pytest.mark.slow
@pytest.mark.parametrize("variant", list(CASES))
def test_each_variant_fails_the_check_that_names_its_mistake(variant: str, tmp_path: Path) -> None:
    selection, expected = CASES[variant]
    file = variant_file(tmp_path / "target", variant)
    settings = Settings(target=str(file), target_file=file, target_name="foreign-shop")
    results = tmp_path / "results.jsonl"
    env = {**os.environ, **settings.to_environ(), "GATE_TRACES_REQUESTS": "60"}
    argv = [sys.executable, "-m", "pytest", str(SUITE), "-k", selection, "-p", "no:cacheprovider", "-q"]
    argv += [
        "--gate-results",
        str(results),
        "-c",
        str(SUITE.parents[1] / "suites.ini"),
        "--rootdir",
        str(SUITE.parents[1]),
    ]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False, timeout=600)
    recorded: dict[str, str] = {}
    for line in results.read_text().splitlines() if results.exists() else []:
        row = json.loads(line)
        recorded.setdefault(row["check_id"], row["verdict"])
        if row["verdict"] == "fail":
            recorded[row["check_id"]] = "fail"
    for check_id, verdict in expected.items():
        assert recorded.get(check_id) == verdict, (check_id, recorded, done.stdout[-3000:])

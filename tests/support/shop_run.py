"""Run one of the gate's suites on a variant of the foreign shop, the way ``sentry-gate run`` runs it, and
read back each check's verdict: the self-tests of every described-app suite go through this one path.

A variant is an override of the description: a copy of the shop's target file whose ``[app] env`` selects
the variant's configuration module (``SHOP_SENTRY_CONFIG``), the way the shop selects any configuration.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from harness.settings import Settings
from tests.support.target_copy import copy_outside

ROOT = Path(__file__).resolve().parents[2]
SHOP = ROOT / "targets" / "foreign_shop" / "sentry-gate.toml"
SUITES = ROOT / "harness" / "suites"


UNDECLARED: dict[str, tuple[str, ...]] = {"plain": ("profiles_sample_rate", "replays_")}
"""Variant → the target-file keys (line prefixes) its file leaves out: ``plain`` uses neither profiling nor
Replay, and its file does not promise them."""


def variant_file(folder: Path, variant: str) -> Path:
    """The shop's file, its folders absolute, its app started with ``SHOP_SENTRY_CONFIG`` = ``variant`` (and
    without the keys `UNDECLARED` names for it)."""
    copy = copy_outside(SHOP, folder)
    text = copy.read_text()
    dropped = UNDECLARED.get(variant, ())
    text = "".join(line for line in text.splitlines(keepends=True) if not line.lstrip().startswith(dropped or ("\0",)))
    app_env = 'env = { PYTHONUNBUFFERED = "1" }'
    assert app_env in text, "the shop's [app] env changed: update this override"
    override = f'cwd = "{SHOP.parent}"\nenv = {{ PYTHONUNBUFFERED = "1", SHOP_SENTRY_CONFIG = "{variant}" }}'
    copy.write_text(text.replace(app_env, override, 1))
    return copy


@dataclass(frozen=True)
class SuiteRun:
    """Each check id's verdict (``fail`` wins over any other verdict of the same id) and pytest's output."""

    verdicts: dict[str, str]
    output: str


def run_suite(suite: str, variant: str, folder: Path, selection: str, env: Mapping[str, str] | None = None) -> SuiteRun:
    """Run ``harness/suites/<suite>`` (``-k selection``) on the shop's ``variant`` in a pytest subprocess."""
    file = variant_file(folder / "target", variant)
    settings = Settings(target=str(file), target_file=file, target_name="foreign-shop")
    results = folder / "results.jsonl"
    path = SUITES / suite
    argv = [sys.executable, "-m", "pytest", str(path), "-k", selection, "-p", "no:cacheprovider", "-q"]
    argv += ["--gate-results", str(results), "-c", str(SUITES / "suites.ini"), "--rootdir", str(SUITES)]
    full_env = {**os.environ, **settings.to_environ(), **(env or {})}
    done = subprocess.run(argv, env=full_env, capture_output=True, text=True, check=False, timeout=600)
    verdicts: dict[str, str] = {}
    for line in results.read_text().splitlines() if results.exists() else []:
        row = json.loads(line)
        verdicts.setdefault(row["check_id"], row["verdict"])
        if row["verdict"] == "fail":
            verdicts[row["check_id"]] = "fail"
    return SuiteRun(verdicts, done.stdout[-3000:] + done.stderr[-1500:])

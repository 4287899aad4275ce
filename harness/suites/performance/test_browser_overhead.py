"""Browser overhead of the bundled client: Sentry off vs SDK only vs SDK + Replay, in Debian's Chromium.

Three Express targets serve the app with different injected browser configs (harness.load.browser:
``ARM_ENV``; the off arm serves the build without the SDK's code, so shipping the SDK is part of its
cost); one Chromium loads them in alternating, rotating rounds (ABC CBA BCA ACB …), each load in a
fresh context with the CPU throttled through CDP, and measures LCP, total blocking time, JS heap and
script time.
Each check compares one instrumented arm with the off arm per round and decides non-inferiority
against the per-metric budget (default 2%, the plan's "< 2% production impact"):

- ``performance.overhead.browser-sdk``: SDK with tracing (every load traced), replay rates 0.
- ``performance.overhead.browser-replay``: SDK + Replay recording every session.

Evidence: per-metric medians per arm, ratios with 95% intervals, rounds kept, throttle rate, and what
the instrumented arms delivered to the local ingest (the positive control that their SDK ran).
Rounds and throttle: the settings' ``load.browser_rounds`` (default 24) and ``load.browser_throttle`` (4).
The verdict is whatever the measurement gives: this page is small, so the SDK's fixed cost is a large
share of it (see docs/browser-overhead.md).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest

from harness.common.browser import chromium, require_chromium
from harness.common.prerequisites import unavailable
from harness.load.browser import ARM_ENV, Arm, baseline_build_missing, delivery_control, run_interleaved
from harness.load.browser_stats import ARM_CHECKS, PageSample, arm_verdict
from harness.recorder import CheckRecorder
from harness.settings import Settings
from harness.targets.fixtures import TargetFactory
from harness.targets.target import Target

# What this suite needs from a target file (skipped, naming what is missing, on a file without it).
pytestmark = [pytest.mark.needs("bundled", "gate_routes.page_hook"), pytest.mark.browser, pytest.mark.slow]

LOAD = Settings.from_environ().load
ROUNDS = LOAD.browser_rounds
THROTTLE = LOAD.browser_throttle
LABELS = {"sdk": "SDK only", "replay": "SDK + Replay"}


@dataclass
class Measured:
    samples: list[PageSample]
    delivered: dict[str, dict[str, int]]


@pytest.fixture(scope="module")
def measured(target_factory: TargetFactory) -> Measured:
    require_chromium()
    if missing := baseline_build_missing():
        unavailable(missing)

    def start(arm: str) -> Target:
        return target_factory("express-vue", extra_env=ARM_ENV[arm])

    with ThreadPoolExecutor(max_workers=3) as pool:
        targets = dict(zip(ARM_ENV, pool.map(start, ARM_ENV), strict=True))
    arms = [Arm(name, t.url + "/", expect_sdk=name != "off") for name, t in targets.items()]
    with chromium() as browser:
        samples = run_interleaved(browser, arms, ROUNDS, throttle=THROTTLE)
        delivered: dict[str, dict[str, int]] = {}
        for name in ARM_CHECKS:
            project = targets[name].browser_project
            assert project is not None
            delivered[name] = delivery_control(browser, targets[name].url + "/", project, replay=name == "replay")
    return Measured(samples, delivered)


@pytest.mark.parametrize("arm", list(ARM_CHECKS))
def test_browser_overhead(measured: Measured, arm: str, gate_check: CheckRecorder) -> None:
    extra: dict[str, Any] = {"delivered_to_ingest": measured.delivered[arm], "label": LABELS[arm]}
    result = arm_verdict(
        ARM_CHECKS[arm], measured.samples, arm, throttle=THROTTLE, label=LABELS[arm], extra_evidence=extra
    )
    print(result.summary)
    gate_check(result)

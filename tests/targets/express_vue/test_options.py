"""The attribution switches: what getSentryOptions hands the SDK for each environment (tracing off, default
integrations off, integrations disabled by name), the start-up errors for an unknown mutant or integration,
and a server with tracing switched off that still sends its errors but never a transaction."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from harness.ingest.wait import mentions, wait_matching
from harness.targets.target import Target

from ..support import FULL_RATES
from .express import SERVER_START, marker, run_node, server, settled, throw

pytestmark = [pytest.mark.node, pytest.mark.xdist_group("express_vue")]


def test_unknown_mutant_stops_the_start(node: str) -> None:
    done = run_node(node, SERVER_START, {"GATE_MUTANT": "no-such-mutant", "PORT": "0"})
    assert done.returncode == 2
    assert "GATE_MUTANT=no-such-mutant" in done.stderr


# Runs getSentryOptions over each case's environment (beside a DSN, in production) and answers, per case, the
# option keys and the integrations the SDK would set up (its defaults for those options, then `integrations`
# applied as @sentry/core's getIntegrationsToSetup does, de-duplication aside), or the error thrown.
OPTIONS_PROBE = """
import * as Sentry from '@sentry/node';
import { readSettings } from './src/config/env.mjs';
import { getSentryOptions, knownIntegrationNames } from './src/config/sentry.mjs';

function probe(env) {
  try {
    const s = readSettings({ SENTRY_DSN: 'http://k@127.0.0.1:1/1', SENTRY_ENVIRONMENT: 'production', ...env });
    const options = getSentryOptions(s);
    const defaults = options.defaultIntegrations === false ? [] : Sentry.getDefaultIntegrations(options);
    const chosen = typeof options.integrations === 'function'
      ? options.integrations(defaults)
      : [...defaults, ...options.integrations];
    return {
      settings: { tracing: s.tracing, defaultIntegrations: s.defaultIntegrations, disabled: s.disabledIntegrations },
      keys: Object.keys(options),
      defaultIntegrations: options.defaultIntegrations ?? null,
      integrations: [...new Set(chosen.map((i) => i.name))],
    };
  } catch (error) {
    return { error: `${error.constructor.name}: ${error.message}` };
  }
}

const cases = JSON.parse(process.env.GATE_PROBE_CASES);
const answer = Object.fromEntries(Object.entries(cases).map(([key, env]) => [key, probe(env)]));
console.log(JSON.stringify({ known: knownIntegrationNames(), ...answer }));
"""


def probe_options(node: str, cases: dict[str, dict[str, str]]) -> dict[str, Any]:
    """OPTIONS_PROBE's answer for ``cases`` (key -> environment), in one Node process."""
    done = run_node(node, ["--input-type=module", "-e", OPTIONS_PROBE], {"GATE_PROBE_CASES": json.dumps(cases)})
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return answer


TRACING_KEYS = {"tracesSampleRate", "tracesSampler", "profileSessionSampleRate", "profileLifecycle"}


def test_switches_in_getSentryOptions(node: str) -> None:
    answer = probe_options(
        node,
        {
            "default": {},
            "tracing-off": {"SENTRY_TRACING": "off", **FULL_RATES},
            "tracing-off-sampler": {"SENTRY_TRACING": "false", "GATE_MUTANT": "slow-traces-sampler"},
            "sampler": {"GATE_MUTANT": "slow-traces-sampler"},
            "tracing-bad": {"SENTRY_TRACING": "maybe"},
            "defaults-off": {"SENTRY_DEFAULT_INTEGRATIONS": "off"},
            "disabled": {"SENTRY_DISABLED_INTEGRATIONS": " Http, CaptureConsole,,ProfilingIntegration,Http "},
            "defaults-off-disabled": {
                "SENTRY_DEFAULT_INTEGRATIONS": "0",
                "SENTRY_DISABLED_INTEGRATIONS": "CaptureConsole",
            },
            "unknown": {"SENTRY_DISABLED_INTEGRATIONS": "Htp,Http,console"},
        },
    )
    assert {"Http", "Express", "NodeFetch", "Console", "CaptureConsole", "ProfilingIntegration"} <= set(answer["known"])

    default = answer["default"]
    assert default["settings"] == {"tracing": True, "defaultIntegrations": True, "disabled": []}
    assert {"tracesSampleRate", "profileSessionSampleRate", "profileLifecycle"} <= set(default["keys"])
    assert "defaultIntegrations" not in default["keys"]
    assert {"Http", "Express", "Console", "ProfilingIntegration", "CaptureConsole"} <= set(default["integrations"])

    # Tracing off: no rate or sampler key at all, whatever the overrides and the sampler mutant say, and no
    # profiler nor tracing-only integrations; errors still go (beforeSend, the error integrations).
    assert "tracesSampler" in answer["sampler"]["keys"]  # the control
    for key in ("tracing-off", "tracing-off-sampler"):
        off = answer[key]
        assert off["settings"]["tracing"] is False
        assert not TRACING_KEYS & set(off["keys"]), key
        assert "beforeSend" in off["keys"]
        assert "ProfilingIntegration" not in off["integrations"]
        assert "Graphql" not in off["integrations"]
        assert {"Http", "Express", "OnUncaughtException", "CaptureConsole"} <= set(off["integrations"])
    assert answer["tracing-bad"]["error"] == "ConfigError: SENTRY_TRACING=maybe is not on/off"

    defaults_off = answer["defaults-off"]
    assert defaults_off["defaultIntegrations"] is False
    assert defaults_off["integrations"] == ["ProfilingIntegration", "CaptureConsole"]
    assert TRACING_KEYS - {"tracesSampler"} <= set(defaults_off["keys"])  # tracing untouched

    disabled = answer["disabled"]
    assert disabled["settings"]["disabled"] == ["Http", "CaptureConsole", "ProfilingIntegration"]
    assert not {"Http", "CaptureConsole", "ProfilingIntegration"} & set(disabled["integrations"])
    assert {"Express", "NodeFetch", "Console", "OnUnhandledRejection"} <= set(disabled["integrations"])
    assert answer["defaults-off-disabled"]["integrations"] == ["ProfilingIntegration"]

    error = answer["unknown"]["error"]
    assert error.startswith("ConfigError: SENTRY_DISABLED_INTEGRATIONS names unknown integration(s) Htp, console;")
    assert "known: " in error
    assert "Http" in error.split("known: ")[1]


def test_unknown_integration_switch_stops_the_start(node: str) -> None:
    done = run_node(node, SERVER_START, {"SENTRY_DISABLED_INTEGRATIONS": "Http,NoSuchIntegration", "PORT": "0"})
    assert done.returncode == 2, done.stderr
    assert "configuration error: SENTRY_DISABLED_INTEGRATIONS names unknown integration(s) NoSuchIntegration;" in (
        done.stderr
    )


def test_tracing_switch_off_reaches_the_sdk(factory: Callable[..., Target]) -> None:
    """SENTRY_TRACING=off beside rates of 1 (which the SDK would also read from its environment): errors
    arrive, transactions never; the control, the same without the switch, traces."""
    configs = {"off": {"SENTRY_TRACING": "off", **FULL_RATES}, "control": FULL_RATES}
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {key: pool.submit(factory, extra_env=env) for key, env in configs.items()}
        started = {key: f.result() for key, f in futures.items()}
    try:
        traced, failed = marker(), marker()
        for target in started.values():
            response = target.http.get("/monitoring/sentry-health", headers={"X-Gate-Marker": traced})
            assert response.status_code == 200
            throw(target, failed)
            settled(target)
        wait_matching(server(started["control"]), mentions(traced), type="transaction")
        wait_matching(server(started["off"]), mentions(failed), type="event")
        assert server(started["off"]).items("transaction") == []
        assert server(started["off"]).items("profile_chunk") == []
    finally:
        for target in started.values():
            target.stop()

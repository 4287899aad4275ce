"""Unit tests of harness.production's pure parts: expectations from the target file, trace counting,
client reports, checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.ingest import StoredItem
from harness.production import checks, quality
from harness.production.expectations import ExpectationError, expectations_from
from harness.production.items import discarded, marked_items, root_traces
from harness.results import Verdict
from harness.targetfile import load_target_file

ROOT = Path(__file__).resolve().parents[2]


def item(type: str, payload: dict[str, Any], trace: dict[str, Any] | None = None, n: int = 1) -> StoredItem:
    return StoredItem(
        id=n,
        request_id=n,
        project=1,
        type=type,
        headers={"type": type},
        payload=json.dumps(payload).encode(),
        event_id=None,
        release=None,
        environment=None,
        received_at=0.0,
        envelope_headers={"trace": trace} if trace else {},
    )


def tx(trace_id: str, marker: str, rate: str | None = "0.1", parent: str | None = None) -> StoredItem:
    trace: dict[str, Any] = {"trace_id": trace_id, "sampled": "true"}
    if rate is not None:
        trace["sample_rate"] = rate
    return item(
        "transaction",
        {
            "transaction": "/login",
            "tags": {"gate.marker": marker},
            "contexts": {"trace": {"trace_id": trace_id, "parent_span_id": parent}},
            "environment": "production",
            "release": "app@1.0.0",
        },
        trace,
    )


@pytest.mark.parametrize("name", ["express-vue", "python-api"])
def test_bundled_expectations_come_from_their_target_files(name: str) -> None:
    exp = expectations_from(load_target_file(ROOT / "targets" / name.replace("-", "_")))
    assert exp.target == name
    assert exp.environment("production").traces_sample_rate == 0.1
    assert exp.environment("development").sends is False
    assert exp.environment("development").enable_env == {"ENABLE_SENTRY": "true"}
    assert (exp.server_tolerance, exp.browser_tolerance, exp.replay_tolerance, exp.alpha) == (0.02, 0.2, 0.35, 0.05)
    assert exp.primary == "production"
    with pytest.raises(ExpectationError, match="no environment 'qa'"):
        exp.environment("qa")


def test_the_primary_environment_is_the_files_default_else_production_else_the_first(tmp_path: Path) -> None:
    def primary(tables: str) -> str:
        path = tmp_path / "sentry-gate.toml"
        path.write_text(f'name = "x"\n[app]\nurl = "http://127.0.0.1:1"\n{tables}')
        return expectations_from(load_target_file(path)).primary

    assert primary("[environments.live]\n[environments.qa]\n") == "live"
    assert primary("[environments.qa]\n[environments.production]\n") == "production"
    assert primary('[expect]\ndefault_environment = "qa"\n[environments.production]\n[environments.qa]\n') == "qa"


def test_root_traces_count_traces_not_spans() -> None:
    items = [tx("a", "m"), tx("a", "m", parent="p1"), tx("b", "m"), tx("c", "other"), tx("d", "m", rate=None)]
    roots = root_traces(items, "m")
    assert sorted(roots) == ["a", "b", "d"]
    assert roots["a"].declared_rate == 0.1
    assert roots["d"].declared_rate is None
    result = checks.declared_rate("production.sampling.declared-rate", roots, 0.1, "production")
    assert result.verdict is Verdict.FAIL
    assert "{'absent': 1}" in result.summary


def test_client_reports_summed_by_reason() -> None:
    report = {"discarded_events": [{"reason": "sample_rate", "category": "transaction", "quantity": 7}]}
    items = [item("client_report", report), item("client_report", report), item("event", {"message": "m"})]
    assert discarded(items) == {("sample_rate", "transaction"): 14}
    assert discarded(items, "error") == {}
    assert len(marked_items(items, "m")) == 1


def test_rate_check_verdicts() -> None:
    args: dict[str, Any] = {"tolerance": 0.02, "level": 0.995, "environment": "production"}
    check = "production.sampling.server-traces-rate"
    fail = checks.server_traces_rate(check, roots=40, lost_after_sampling=0, requests=40, expected=0.1, **args)
    assert fail.verdict is Verdict.FAIL
    assert "1.0000 (40/40)" in fail.summary
    ok = checks.server_traces_rate(check, roots=600, lost_after_sampling=0, requests=6000, expected=0.1, **args)
    assert ok.verdict is Verdict.PASS
    lost = checks.server_traces_rate(check, roots=590, lost_after_sampling=10, requests=6000, expected=0.1, **args)
    assert lost.evidence["k"] == 600


def test_absence_needs_a_control() -> None:
    assert checks.kill_switch("production.rollback.kill-switch", [], 0).verdict is Verdict.INCONCLUSIVE
    assert checks.kill_switch("production.rollback.kill-switch", [], 1).verdict is Verdict.PASS
    leaked = checks.kill_switch("production.rollback.kill-switch", [tx("a", "m")], 1)
    assert leaked.verdict is Verdict.FAIL
    assert "1 traced items" in leaked.summary
    silent = checks.sending(
        "production.config.development-silent",
        expected_sends=False,
        received=0,
        control_received=0,
        environment="development",
    )
    assert silent.verdict is Verdict.INCONCLUSIVE


def test_release_validity_uses_relay() -> None:
    assert checks.release_valid("production.release.valid", "app@1.2.3").verdict is Verdict.PASS
    bad = checks.release_valid("production.release.valid", "latest")
    assert bad.verdict is Verdict.FAIL
    assert "restricted release name" in bad.summary
    assert "\n" not in bad.summary


def test_release_needs_sessions_for_release_health() -> None:
    result = checks.release_on_items("production.release.every-item", [tx("a", "m")], "app@1.0.0")
    assert result.verdict is Verdict.FAIL
    assert "no session" in result.summary
    session = item("sessions", {"attrs": {"release": "app@1.0.0", "environment": "production"}, "aggregates": []})
    assert checks.release_on_items("production.release.every-item", [tx("a", "m"), session], "app@1.0.0").passed
    # An app whose target file does not declare release health is not failed for sending no session.
    lenient = checks.release_on_items(
        "production.release.every-item", [tx("a", "m")], "app@1.0.0", release_health=False
    )
    assert lenient.passed


def test_normalization_errors_are_read_from_meta() -> None:
    assert quality.normalization_errors({"message": "x", "level": "error"}) == []
    assert any("level" in e for e in quality.normalization_errors({"message": "x", "level": "nope"}))


def test_monitoring_shape_names_the_wrong_field() -> None:
    body = {
        "status": "healthy",
        "timestamp": "t",
        "version": "other",
        "environment": "production",
        "sentry": {"enabled": True, "environment": "production"},
    }
    result = checks.monitoring_shape(
        "production.monitoring.health",
        "/monitoring/health",
        200,
        body,
        release="app@1.0.0",
        environment="production",
        enabled=True,
    )
    assert result.verdict is Verdict.FAIL
    assert "$.version is 'other', expected 'app@1.0.0'" in result.summary


def test_delivery_accounting_never_makes_up_for_loss() -> None:
    ok = checks.delivery("production.delivery.server-errors", injected=2000, received=1999, accounted={"x": 1})
    assert ok.verdict is Verdict.PASS
    unaccounted = checks.delivery("production.delivery.server-errors", injected=2000, received=1999, accounted={})
    assert unaccounted.verdict is Verdict.FAIL
    assert "unaccounted 1" in unaccounted.summary
    lossy = checks.delivery(
        "production.delivery.server-errors", injected=2000, received=1990, accounted={"queue_overflow": 10}
    )
    assert lossy.verdict is Verdict.FAIL
    assert "99.5000%" in lossy.summary


def test_grouping_inputs_compare_in_app_frames() -> None:
    def event(fn: str) -> dict[str, Any]:
        frames = [{"module": "app", "function": fn, "in_app": True}, {"module": "lib", "function": "x"}]
        return {"exception": {"values": [{"type": "E", "stacktrace": {"frames": frames}}]}}

    assert quality.grouping_stable("production.quality.grouping", event("f"), event("f")).passed
    assert quality.grouping_stable("production.quality.grouping", event("f"), event("g")).verdict is Verdict.FAIL


def test_monitoring_noise_needs_the_routes_to_answer() -> None:
    assert checks.no_noise("production.monitoring.no-noise", [], probes=40, control=True).passed
    assert (
        checks.no_noise("production.monitoring.no-noise", [], probes=40, control=False).verdict is Verdict.INCONCLUSIVE
    )
    noisy = checks.no_noise("production.monitoring.no-noise", ["event:"], probes=40, control=True)
    assert noisy.verdict is Verdict.FAIL
    assert "1 items from 40 monitoring probes" in noisy.summary


def test_replay_rates_split_session_and_on_error() -> None:
    from harness.production.replay import replay_rates, replay_types

    items = [
        item("replay_event", {"replay_id": "a", "replay_type": "session"}, n=1),
        item("replay_event", {"replay_id": "a", "replay_type": "session"}, n=2),  # a later segment
        item("replay_event", {"replay_id": "b", "replay_type": "buffer"}, n=3),
        item("replay_event", {"replay_id": "z", "replay_type": "buffer"}, n=4),  # not this run's
    ]
    types = replay_types(items, ["a", "b", "c"])
    assert types == {"a": "session", "b": "buffer"}
    session, on_error = replay_rates(
        types, 3, session_rate=0.05, on_error_rate=1.0, tolerance=0.35, level=0.99, environment="production"
    )
    assert (session.evidence["k"], session.evidence["n"]) == (1, 3)
    assert (on_error.evidence["k"], on_error.evidence["n"]) == (1, 2)  # over the sessions not sampled whole
    assert session.check_id == "production.sampling.replay-session-rate"
    assert on_error.check_id == "production.replay.on-error"


def test_page_filter_needs_every_drop_reported() -> None:
    from harness.production.browser import FILTER_CASES, judge_filter_case

    _, hook, drop, keep = FILTER_CASES["production.filters.dev-noise"]
    answers: list[str | None] = [None] * len(drop) + ["kept"]
    short = judge_filter_case(
        "production.filters.dev-noise", hook=hook, drop=drop, keep=keep, answers=answers, reported={"before_send": 3}
    )
    assert short.verdict is Verdict.FAIL
    assert "dropped 4 but client reports show 3 discards" in short.summary
    both = judge_filter_case(
        "production.filters.dev-noise",
        hook=hook,
        drop=drop,
        keep=keep,
        answers=answers,
        reported={"before_send": 3, "event_processor": 1},
    )
    assert both.verdict is Verdict.PASS, both.summary

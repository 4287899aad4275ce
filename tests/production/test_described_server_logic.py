"""The described server checks' pure parts: a monitoring answer judged by its declaration, any breadcrumb
counting on an app the gate never saw, a custom fingerprint in grouping, and the profiling verdict."""

from __future__ import annotations

import json
from typing import Any

from harness.production import quality
from harness.production.described_server import answer_problems, profiling_result
from harness.results import Verdict
from harness.targetfile.model import Answer
from tests.production.test_checks_quality import event

RELEASE = "shop@1.2.3"
GROUPING = "production.quality.grouping"


def answer(**fields: Any) -> Answer:
    return Answer.model_validate(fields)


def problems(spec: Answer, body: Any, status: int = 200) -> list[str]:
    text = body if isinstance(body, str) else json.dumps(body)
    return answer_problems(spec, status, text, release=RELEASE, environment="live")


def test_a_json_answer_is_a_subset_with_the_runs_release_and_environment_substituted() -> None:
    spec = answer(json={"status": "ok", "version": "{release}", "env": "{environment}", "sentry": {"on": True}})
    good = {"status": "ok", "version": RELEASE, "env": "live", "sentry": {"on": True, "extra": 1}, "uptime": 3}
    assert problems(spec, good) == []
    wrong = {"status": "ok", "version": "1.4.0", "env": "live", "sentry": {"on": 1}}
    assert problems(spec, wrong) == ["$.version is '1.4.0', expected 'shop@1.2.3'", "$.sentry.on is 1, expected True"]


def test_a_star_asks_only_for_the_key() -> None:
    spec = answer(json={"last_event_id": "*"})
    assert problems(spec, {"last_event_id": None}) == []
    assert problems(spec, {}) == ["$.last_event_id missing"]


def test_status_json_and_text_are_each_judged() -> None:
    assert problems(answer(), {"a": 1}, status=503) == ["status 503, expected one of [200]"]
    assert problems(answer(json={"a": 1}), "up") == ["not JSON: 'up'"]
    metrics = "shop_requests_total 12\nshop_sentry_enabled 0\n"
    spec = answer(text=[r"^shop_requests_total \d+$", r"^shop_sentry_enabled 1$"])
    assert problems(spec, metrics) == ["no line matches '^shop_sentry_enabled 1$'"]


def test_without_a_category_any_breadcrumb_leads_to_the_error() -> None:
    crumbless = {**event({}), "breadcrumbs": {"values": []}}
    logged = {**event({}), "breadcrumbs": {"values": [{"category": "shop", "message": "reserving"}]}}

    def verdict(e: dict[str, Any], category: str | None) -> Verdict:
        results = quality.event_quality_checks(e, crumb_category=category)
        return next(r.verdict for r in results if r.check_id == "production.quality.breadcrumbs")

    assert verdict(logged, None) is Verdict.PASS
    assert verdict(logged, "gate") is Verdict.FAIL
    assert verdict(crumbless, None) is Verdict.FAIL


def test_a_fingerprint_that_differs_per_occurrence_splits_the_issue() -> None:
    same = quality.grouping_stable(GROUPING, event({}), event({}))
    assert same.verdict is Verdict.PASS
    first = {**event({}), "fingerprint": ["{{ default }}", "a1"]}
    second = {**event({}), "fingerprint": ["{{ default }}", "b2"]}
    assert quality.grouping_stable(GROUPING, first, second).verdict is Verdict.FAIL
    assert quality.grouping_stable(GROUPING, first, dict(first)).verdict is Verdict.PASS


def test_profiling_needs_a_profile_and_calls_too_quick_requests_inconclusive() -> None:
    assert profiling_result([], requests=10).verdict is Verdict.INCONCLUSIVE


def test_the_last_event_id_is_the_one_the_gate_just_made_the_app_send() -> None:
    spec = answer(json={"last_event_id": "{last_event_id}"})
    sent = "0bc2a7e5cb094f129897ff41538ab31c"

    def judged(body: Any) -> list[str]:
        return answer_problems(spec, 200, json.dumps(body), release=RELEASE, environment="live", last_event_id=sent)

    assert judged({"last_event_id": sent}) == []
    assert judged({"last_event_id": None}) == [f"$.last_event_id is None, expected {sent!r}"]

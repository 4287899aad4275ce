"""The plugin as a user meets it: a fresh pytest run gets the fixtures from the entry point alone."""

from __future__ import annotations

import json

import pytest

INNER = """
import httpx, orjson

def test_capture(sentry_project, gate_redactor):
    secret = "tok_" + "9f8e7d6c5b4a3210"
    gate_redactor.add(secret, "api-token")
    event = {"event_id": "b" * 32, "message": "hello", "extra": {"token": secret}}
    body = b'{"event_id":"' + b"b" * 32 + b'"}\\n{"type":"event"}\\n' + orjson.dumps(event)
    r = httpx.post(f"{sentry_project.client.url}/api/{sentry_project.id}/envelope/",
                   params={"sentry_key": sentry_project.key}, content=body)
    assert r.status_code == 200
    [item] = sentry_project.wait_for_items(type="event", count=1, timeout=10)
    assert item.view.message == "hello"

def test_projects_are_fresh(sentry_project):
    assert sentry_project.items() == []
"""


def test_fixtures_come_from_the_entry_point_and_attachments_are_redacted(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_inner=INNER)
    allure_dir = pytester.path / "allure"
    result = pytester.runpytest_subprocess("--alluredir", str(allure_dir))
    result.assert_outcomes(passed=2)
    attachments = [p for p in allure_dir.iterdir() if p.name.endswith("-attachment.json")]
    assert attachments, sorted(p.name for p in allure_dir.iterdir())
    text = attachments[0].read_text()
    assert "9f8e7d6c5b4a3210" not in text
    assert "⟦api-token⟧" in text
    results = [json.loads(p.read_text()) for p in allure_dir.glob("*-result.json")]
    assert {r["status"] for r in results} == {"passed"}

"""The foreign shop's server SDK through the real lifecycle: the standard configuration keeps its file's
promises, and each one-mistake configuration (targets/foreign_shop/VARIANTS.md) really sends its mistake.

Nothing here waits for "nothing": an absence is proved by the sentinel handshake (the file's other error
request, carrying a fresh marker, arrives after everything the SDK captured before it)."""

from __future__ import annotations

from typing import Any

from harness.ingest import ProjectHandle
from harness.ingest.wire import StoredItem
from harness.production.absence import await_sentinel, sentinel_headers, sentinel_marker
from harness.targets.target import Target
from tests.targets.foreign_shop.shop import RELEASE, Shops, exception_types, send

DECLINED = "PaymentDeclined"
CARD = "4000000000000002"
BIG_CART = [{"id": "p-100", "quantity": 1}] * 80  # 80 log lines, so 80 breadcrumbs before the error


def declined_event(target: Target, project: ProjectHandle, **changes: Any) -> StoredItem:
    """Send the file's declared error request; the event it makes."""
    assert send(target, "checkout-declined", **changes).status_code == 500
    (event,) = project.wait_for_items("event", timeout=10)
    assert exception_types(event) == [DECLINED]
    return event


def up_to_sentinel(target: Target, project: ProjectHandle) -> list[StoredItem]:
    """Everything the SDK sent before the sentinel (the daily report's error carrying a fresh marker)."""
    marker = sentinel_marker()
    assert send(target, "daily-report", headers=sentinel_headers(marker)).status_code == 500
    return [i for i in await_sentinel(project, marker, timeout=10) if marker.encode() not in i.payload]


def transactions(items: list[StoredItem]) -> list[str]:
    return [i.json().get("transaction") for i in items if i.type == "transaction"]


def test_the_standard_shop_reports_its_declared_error_with_the_files_environment_and_release(shops: Shops) -> None:
    target, project = shops()
    event = declined_event(target, project, items=BIG_CART)
    payload = event.json()
    assert (event.environment, event.release) == ("live", RELEASE)
    assert len(payload["breadcrumbs"]["values"]) <= 50
    assert CARD.encode() not in event.payload  # before_send scrubbed the body


def test_the_standard_shop_filters_monitoring_and_obeys_the_kill_switch(shops: Shops) -> None:
    target, project = shops(env={"SHOP_TRACES_RATE": "1.0"})
    for path in ("/healthz", "/metrics", "/api/products"):
        assert target.http.get(path).status_code == 200
    assert transactions(up_to_sentinel(target, project)) == ["/api/products"]
    off, off_project = shops(environment="dev", env={"SHOP_SENTRY_ENABLED": "1", "SHOP_TRACES_RATE": "0"})
    assert off.http.get("/api/products").status_code == 200
    assert transactions(up_to_sentinel(off, off_project)) == []


def test_the_standard_shop_is_silent_in_dev(shops: Shops) -> None:
    target, _project = shops(environment="dev")
    assert send(target, "checkout-declined").status_code == 500
    assert target.http.get("/metrics").text.count("shop_sentry_enabled 0") == 1


def test_live_traces_too_high_samples_live_at_half(shops: Shops) -> None:
    target, project = shops("live_traces_too_high")
    for _ in range(40):  # at 0.5, no transaction in 40 requests has odds of 1e-12
        assert target.http.get("/api/products").status_code == 200
    first = project.wait_for_items("transaction", timeout=10)[0]
    assert float(first.envelope_headers["trace"]["sample_rate"]) == 0.5


def test_health_unfiltered_sends_monitoring_transactions(shops: Shops) -> None:
    target, project = shops("health_unfiltered", env={"SHOP_TRACES_RATE": "1.0"})
    assert target.http.get("/healthz").status_code == 200
    assert target.http.get("/metrics").status_code == 200
    # /healthz twice or more: the lifecycle's readiness probe is traced too
    assert set(transactions(up_to_sentinel(target, project))) == {"/healthz", "/metrics"}


def test_kill_switch_ignored_keeps_tracing_at_zero(shops: Shops) -> None:
    target, project = shops(
        "kill_switch_ignored", environment="dev", env={"SHOP_SENTRY_ENABLED": "1", "SHOP_TRACES_RATE": "0"}
    )
    assert target.http.get("/api/products").status_code == 200
    assert transactions(up_to_sentinel(target, project)) == ["/api/products"]


def test_breadcrumbs_unbounded_sends_more_than_fifty(shops: Shops) -> None:
    target, project = shops("breadcrumbs_unbounded")
    event = declined_event(target, project, items=BIG_CART)
    assert len(event.json()["breadcrumbs"]["values"]) > 50


def test_pii_on_sends_the_users_ip(shops: Shops) -> None:
    # sentry-sdk 2.76 still strips Cookie and Authorization headers with send_default_pii on; the IP it adds
    target, project = shops("pii_on")
    event = declined_event(target, project)
    assert event.json()["user"]["ip_address"] == "127.0.0.1"


def test_scrub_off_sends_the_card_number(shops: Shops) -> None:
    target, project = shops("scrub_off")
    assert CARD.encode() in declined_event(target, project).payload


def test_dev_not_silent_sends_from_dev_without_the_opt_in(shops: Shops) -> None:
    target, project = shops("dev_not_silent", environment="dev")
    assert declined_event(target, project).environment == "dev"


def test_payment_errors_swallowed_never_reach_sentry(shops: Shops) -> None:
    target, project = shops("payment_errors_swallowed")
    assert send(target, "checkout-declined").status_code == 402
    assert [i for i in up_to_sentinel(target, project) if i.type == "event"] == []

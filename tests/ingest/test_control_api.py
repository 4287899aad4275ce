"""The control API and scripted faults, over real sockets against the ingest process."""

from __future__ import annotations

import io
import tarfile
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import orjson
import pytest

from harness.ingest import IngestClient, ProjectHandle
from tests.support.payloads import event_envelope


def _post(project: ProjectHandle, body: bytes, **kwargs: object) -> httpx.Response:
    url = f"{project.client.url}/api/{project.id}/envelope/"
    return httpx.post(url, params={"sentry_key": project.key}, content=body, timeout=30, **kwargs)  # type: ignore[arg-type]


def test_project_dsn_is_usable_and_projects_are_isolated(sentry_ingest: IngestClient) -> None:
    a = sentry_ingest.create_project("a")
    b = sentry_ingest.create_project("b")
    assert a.id != b.id
    assert a.dsn == f"http://{a.key}@{sentry_ingest.url.removeprefix('http://')}/{a.id}"
    pa = ProjectHandle(sentry_ingest, a)
    assert _post(pa, event_envelope("only in a")).status_code == 200
    assert len(pa.wait_for_items("event")) == 1
    assert sentry_ingest.items(b.id) == []


def test_fixed_project_id_and_key(sentry_ingest: IngestClient) -> None:
    info = sentry_ingest.create_project("fixed", project_id=4242, key="0123456789abcdef0123456789abcdef")
    assert info.dsn.endswith("/4242")
    assert info.key == "0123456789abcdef0123456789abcdef"


def test_query_filters(sentry_project: ProjectHandle) -> None:
    body = event_envelope("filter me", release="rel-a", environment="env-a")
    event_id = orjson.loads(body.split(b"\n")[0])["event_id"]
    _post(sentry_project, body)
    _post(sentry_project, event_envelope("other"))
    sentry_project.wait_for_items("event", count=2)
    assert [i.event_id for i in sentry_project.items(release="rel-a")] == [event_id]
    assert [i.event_id for i in sentry_project.items(environment="env-a")] == [event_id]
    hyphenated = f"{event_id[:8]}-{event_id[8:12]}-{event_id[12:16]}-{event_id[16:20]}-{event_id[20:]}".upper()
    assert [i.event_id for i in sentry_project.items(event_id=hyphenated)] == [event_id]
    item = sentry_project.items(event_id=event_id)[0]
    assert item.envelope_headers["event_id"] == event_id


def test_wait_long_polls_until_items_arrive(sentry_project: ProjectHandle) -> None:
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(sentry_project.wait_for_items, "event", 3, 20.0)
        for i in range(3):
            assert _post(sentry_project, event_envelope(f"late {i}")).status_code == 200
        assert len(waiting.result(timeout=30)) == 3


def test_wait_times_out_and_says_what_arrived(sentry_project: ProjectHandle) -> None:
    _post(sentry_project, event_envelope("one"))
    sentry_project.wait_for_items("event")
    with pytest.raises(TimeoutError, match=r"1 matched; the project holds \{'event': 1\}"):
        sentry_project.wait_for_items("event", count=2, timeout=0.5)


def test_429_with_rate_limit_headers_is_recorded_with_its_items(sentry_project: ProjectHandle) -> None:
    fault = sentry_project.add_fault(
        status=429, retry_after=30, rate_limits="30:transaction:organization:quota", count=1
    )
    refused = _post(sentry_project, event_envelope("refused"))
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "30"
    assert refused.headers["x-sentry-rate-limits"] == "30:transaction:organization:quota"
    assert refused.headers["access-control-expose-headers"].count("x-sentry-rate-limits") == 1
    assert _post(sentry_project, event_envelope("accepted")).status_code == 200  # count exhausted
    requests = sentry_project.requests()
    assert [r.status for r in requests] == [429, 200]
    assert requests[0].reason == f"fault {fault['id']}: status 429"
    assert len(sentry_project.items("event")) == 1  # only the accepted one counts as stored...
    assert len(sentry_project.items("event", include_refused=True)) == 2  # ...but what the SDK tried is kept


@pytest.mark.parametrize("status", [413, 500, 503])
def test_status_faults(sentry_project: ProjectHandle, status: int) -> None:
    sentry_project.add_fault(status=status, count=1)
    assert _post(sentry_project, event_envelope()).status_code == status


def test_global_fault_applies_to_every_project(sentry_ingest: IngestClient) -> None:
    p1 = ProjectHandle(sentry_ingest, sentry_ingest.create_project("g1"))
    p2 = ProjectHandle(sentry_ingest, sentry_ingest.create_project("g2"))
    fault = sentry_ingest.add_fault(status=503, count=2)
    try:
        assert _post(p1, event_envelope()).status_code == 503
        assert _post(p2, event_envelope()).status_code == 503
    finally:
        sentry_ingest.clear_faults(fault["id"])


def test_latency_fault_delays_then_accepts(sentry_project: ProjectHandle) -> None:
    sentry_project.add_fault("latency", latency_ms=300, count=1)
    response = _post(sentry_project, event_envelope())
    assert response.status_code == 200
    assert response.elapsed.total_seconds() >= 0.3  # the injected delay is a floor, not a timing budget


def test_connection_reset(sentry_project: ProjectHandle) -> None:
    sentry_project.add_fault("reset", count=1)
    with pytest.raises(httpx.TransportError):
        _post(sentry_project, event_envelope("reset"))
    assert _post(sentry_project, event_envelope("after")).status_code == 200
    assert [r.status for r in sentry_project.requests()] == [0, 200]


def test_black_hole_holds_until_the_fault_ends(sentry_project: ProjectHandle) -> None:
    fault = sentry_project.add_fault("blackhole", duration=60)
    outcome: dict[str, object] = {}
    started = threading.Event()

    def send() -> None:
        started.set()
        try:
            outcome["status"] = _post(sentry_project, event_envelope("held")).status_code
        except httpx.TransportError as exc:
            outcome["error"] = type(exc).__name__

    sender = threading.Thread(target=send)
    sender.start()
    started.wait(5)
    # the request is recorded while it is held (a test can count what the SDK tried to send)
    held = sentry_project.client.wait_for_items(sentry_project.id, "event", timeout=10, include_refused=True)
    assert len(held) == 1
    assert sender.is_alive()
    sentry_project.client.clear_faults(fault["id"])
    sender.join(10)
    assert not sender.is_alive()
    assert "error" in outcome  # the connection was dropped, never answered


def test_probability_fault(sentry_project: ProjectHandle) -> None:
    sentry_project.add_fault(status=500, probability=0.5, count=None)
    with httpx.Client() as http:
        statuses = [
            http.post(
                f"{sentry_project.client.url}/api/{sentry_project.id}/envelope/",
                params={"sentry_key": sentry_project.key},
                content=event_envelope(),
            ).status_code
            for _ in range(200)
        ]
    assert 60 < statuses.count(500) < 140
    assert statuses.count(500) + statuses.count(200) == 200


def test_invalid_fault_spec_is_a_400(sentry_ingest: IngestClient) -> None:
    with pytest.raises(RuntimeError, match="400"):
        sentry_ingest.add_fault("teleport")


def test_cors_preflight_and_headers(sentry_project: ProjectHandle) -> None:
    url = f"{sentry_project.client.url}/api/{sentry_project.id}/envelope/"
    pre = httpx.options(
        url,
        headers={
            "origin": "http://app.local",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type, sentry-trace",
        },
    )
    assert pre.status_code == 200
    assert pre.headers["access-control-allow-origin"] == "*"
    assert "sentry-trace" in pre.headers["access-control-allow-headers"]
    stats = httpx.get(f"{sentry_project.client.url}/_gate/stats", headers={"origin": "http://app.local"})
    assert stats.headers["access-control-allow-origin"] == "*"


def test_raw_bytes_stats_export_and_clear(sentry_project: ProjectHandle) -> None:
    body = event_envelope("export me")
    import gzip

    _post(sentry_project, gzip.compress(body), headers={"content-encoding": "gzip"})
    _post(sentry_project, b"garbage")
    request = sentry_project.requests()[0]
    assert sentry_project.client.request_body(request.id, decoded=True) == body
    assert gzip.decompress(sentry_project.client.request_body(request.id)) == body
    stats = sentry_project.client.stats()
    assert stats["accepted"] >= 1
    assert any(reason.startswith("400 invalid envelope") for reason in stats["rejected_by_reason"])
    lines = sentry_project.client.export("jsonl", project=sentry_project.id).splitlines()
    assert [orjson.loads(line)["type"] for line in lines] == ["event"]
    with tarfile.open(fileobj=io.BytesIO(sentry_project.client.export("envelopes", project=sentry_project.id))) as tar:
        names = tar.getnames()
    assert len(names) == 2
    assert sentry_project.client.clear(sentry_project.id) == 1
    assert sentry_project.items() == []

"""Malformed and hostile requests against the real ingest process: right status, no crash, nothing lost.

Each case names the status Relay would give (docs/ingest.md has the table and the differences).
Good envelopes are stored before the bad ones; after all of them the server is healthy, every good
item is still there, and the rejected count by reason matches the cases.
"""

from __future__ import annotations

import base64
import gzip
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson
import pytest

from harness.ingest import IngestClient, IngestProcess, ProjectInfo, start_ingest
from tests.support.payloads import envelope, error_event, event_envelope, gzip_bomb


@dataclass
class Case:
    name: str
    status: int
    body: bytes | Callable[[], bytes] = b""
    headers: dict[str, str] = field(default_factory=dict)
    query: str = "auth"
    """``auth`` adds the project's sentry_key; ``none`` sends no query auth; anything else is used as is."""
    endpoint: str = "envelope"
    method: str = "POST"
    project: int | None = None


def _ten_thousand_items() -> bytes:
    return envelope(*[({"type": "log"}, b'{"items":[]}') for _ in range(10_000)])


def _oversized_event() -> bytes:
    return envelope(({"type": "event"}, orjson.dumps(error_event("big", extra={"blob": "x" * (1024 * 1024)}))))


CASES = [
    Case("empty body", 400, b""),
    Case("whitespace body", 400, b"  \n\n "),
    Case("binary garbage", 400, bytes(range(256)) * 4),
    Case("header is not JSON", 400, b'{"event_id":\n{"type":"event"}\n{}'),
    Case("header is a JSON array", 400, b"[1]\n"),
    Case("truncated envelope", 400, event_envelope()[:-40]),
    Case("length past the end", 400, b'{}\n{"type":"event","length":500}\n{}'),
    Case("payload longer than its length", 400, b'{}\n{"type":"event","length":2}\n{"a":1}\n'),
    Case("item without type", 400, b'{}\n{"length":2}\n{}\n'),
    Case("item header not JSON", 400, b"{}\n{type:event}\n{}\n"),
    Case("negative length", 400, b'{}\n{"type":"event","length":-5}\n{}\n'),
    Case("length is a string", 400, b'{}\n{"type":"event","length":"2"}\n{}\n'),
    Case("truncated gzip", 400, gzip.compress(event_envelope())[:-30], {"content-encoding": "gzip"}),
    Case("gzip header, garbage body", 400, b"\x1f\x8b\x08\x00garbage", {"content-encoding": "gzip"}),
    Case("brotli garbage", 400, b"\xff\xfe not brotli", {"content-encoding": "br"}),
    Case("zstd garbage", 400, b"\x28\xb5\x2f\xfd garbage", {"content-encoding": "zstd"}),
    Case("deflate garbage", 400, b"\x78\x9c garbage", {"content-encoding": "deflate"}),
    Case("unknown encoding, plain body", 200, event_envelope(), {"content-encoding": "snappy"}),
    Case("unknown encoding, gzip body", 400, gzip.compress(event_envelope()), {"content-encoding": "snappy"}),
    Case("gzip bomb (10 GiB)", 413, gzip_bomb, {"content-encoding": "gzip"}),
    Case("oversized event item", 413, _oversized_event),
    Case(
        "oversized client report", 413, envelope(({"type": "client_report"}, b'{"x":"' + b"y" * (100 * 1024) + b'"}'))
    ),
    Case("10,000 items", 200, _ten_thousand_items),
    Case("wrong key", 403, event_envelope(), query="sentry_key=0000&sentry_version=7"),
    Case("unknown project", 403, event_envelope(), project=999_999),
    Case("two auth sources", 401, event_envelope(), {"x-sentry-auth": "Sentry sentry_key=KEY, sentry_version=7"}),
    Case("no auth at all", 401, event_envelope(), query="none"),
    Case(
        "auth header without a key", 401, event_envelope(), {"x-sentry-auth": "Sentry sentry_version=7"}, query="none"
    ),
    Case("dsn in envelope header only (tunnel)", 200, lambda: event_envelope(dsn="DSN"), query="none"),
    Case("envelope dsn with a wrong key", 403, event_envelope(dsn="http://bad@127.0.0.1/PROJECT"), query="none"),
    Case("envelope dsn that is not a DSN", 401, event_envelope(dsn="nonsense"), query="none"),
    Case("GET on the envelope route", 405, method="GET"),
    Case("store: not JSON", 400, b"hello", endpoint="store"),
    Case("store: JSON array", 400, b"[1,2]", endpoint="store"),
    Case(
        "store: base64 of zlib JSON (legacy raven)",
        200,
        base64.b64encode(zlib.compress(orjson.dumps(error_event("legacy")))),
        endpoint="store",
    ),
    Case("store: oversized event", 413, orjson.dumps(error_event("x" * (1024 * 1024 + 10))), endpoint="store"),
    Case("security: not JSON", 400, b"<csp>", endpoint="security"),
    Case(
        "security: CSP report",
        200,
        b'{"csp-report":{"document-uri":"http://a/","violated-directive":"img-src"}}',
        {"content-type": "application/csp-report"},
        endpoint="security",
    ),
    Case("image/png content type is ignored", 200, event_envelope(), {"content-type": "image/png"}),
    Case("lone surrogate escapes", 200, b'{}\n{"type":"event"}\n{"message":"\\ud83d"}\n'),
    Case("item payload that is not JSON is stored, as Relay accepts it", 200, b'{}\n{"type":"event"}\n{oops\n'),
]


@pytest.fixture(scope="module")
def ingest(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IngestProcess]:
    process = start_ingest(tmp_path_factory.mktemp("bad-input"))
    try:
        yield process
    finally:
        assert process.stop() == 0


@pytest.fixture(scope="module")
def client(ingest: IngestProcess) -> Iterator[IngestClient]:
    with IngestClient(ingest.url) as c:
        yield c


@pytest.fixture(scope="module")
def project(client: IngestClient) -> ProjectInfo:
    return client.create_project("bad-input")


@pytest.fixture(scope="module")
def good_event_ids(ingest: IngestProcess, client: IngestClient, project: ProjectInfo) -> list[str]:
    ids = []
    with httpx.Client() as http:
        for i in range(20):
            body = event_envelope(f"good {i}")
            ids.append(orjson.loads(body.split(b"\n")[0])["event_id"])
            r = http.post(f"{ingest.url}/api/{project.id}/envelope/", params={"sentry_key": project.key}, content=body)
            assert r.status_code == 200
    client.wait_for_items(project.id, "event", count=20, timeout=10)
    return ids


def _vm(pid: int, field_name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) * 1024
    raise AssertionError(field_name)


def _send(ingest: IngestProcess, project: ProjectInfo, case: Case) -> httpx.Response:
    body = case.body() if callable(case.body) else case.body
    body = body.replace(b"DSN", project.dsn.encode()).replace(b"PROJECT", str(project.id).encode())
    headers = {k: v.replace("KEY", project.key) for k, v in case.headers.items()}
    query = {"auth": f"sentry_key={project.key}&sentry_version=7", "none": ""}.get(case.query, case.query)
    url = f"{ingest.url}/api/{case.project or project.id}/{case.endpoint}/?{query}"
    with httpx.Client(timeout=60) as http:
        return http.request(case.method, url, content=body if case.method == "POST" else None, headers=headers)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_gets_the_right_status(
    ingest: IngestProcess, project: ProjectInfo, good_event_ids: list[str], case: Case
) -> None:
    response = _send(ingest, project, case)
    assert response.status_code == case.status, response.text
    assert response.headers["access-control-allow-origin"] == "*"
    if case.status >= 400:
        assert orjson.loads(response.content)["detail"]
        assert response.headers.get("x-sentry-error")
    assert ingest.process.poll() is None, "the ingest died:\n" + ingest.log_tail()


def test_gzip_bomb_costs_little_memory(ingest: IngestProcess, project: ProjectInfo) -> None:
    before_peak = _vm(ingest.pid, "VmHWM")
    response = _send(ingest, project, next(c for c in CASES if c.name.startswith("gzip bomb")))
    assert response.status_code == 413
    extra = _vm(ingest.pid, "VmHWM") - before_peak
    assert extra < 50 * 1024 * 1024, f"peak RSS grew by {extra / 2**20:.1f} MiB"


def test_nothing_was_lost_and_every_refusal_is_counted(
    ingest: IngestProcess, client: IngestClient, project: ProjectInfo, good_event_ids: list[str]
) -> None:
    for case in CASES:  # also covers running this test alone
        _send(ingest, project, case)
    client.flush()
    assert client.health()["ok"]
    stored = {i.event_id for i in client.items(project.id, "event")}
    assert set(good_event_ids) <= stored
    requests = client.requests(project.id)
    refused = [r for r in requests if r.status >= 400]
    assert all(r.reason for r in refused)
    assert {r.status for r in refused} >= {400, 401, 403, 405, 413}
    # every request (good or bad) is recorded with its raw bytes retrievable
    bomb = next(r for r in requests if r.status == 413 and "decompressed" in (r.reason or ""))
    assert len(client.request_body(bomb.id)) == 64 * 1024  # a refused body is kept truncated, not whole

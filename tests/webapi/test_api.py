"""The web API's routes in-process (no socket): Sentry's semantics, status codes and bodies."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from harness.webapi.app import create_webapi
from harness.webapi.bundle import build_artifact_bundle
from harness.webapi.multipart import build_multipart
from harness.webapi.state import WebApi
from harness.webapi.store import WebApiStore
from tests.webapi.asgi_client import SyncASGIClient

TOKEN = "sntryu_" + "ab" * 32
DEBUG_ID = "fc78b9c6-da23-5ad5-9295-2de43b019f16"


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[SyncASGIClient, WebApi]]:
    web = WebApi(store=WebApiStore(tmp_path))
    web.store.add_token(TOKEN, None)
    web.store.add_token("sntryu_acme", "acme")
    client = SyncASGIClient(create_webapi(web))
    client.headers["authorization"] = f"Bearer {TOKEN}"
    try:
        yield client, web
    finally:
        client.close()
        web.store.close()


def _bundle(release: str = "v1") -> bytes:
    return build_artifact_bundle(
        [
            (
                "files/_/_/main.js",
                "~/main.js",
                "minified_source",
                {"debug-id": DEBUG_ID, "sourcemap": "main.js.map"},
                b"x()\n//# debugId=" + DEBUG_ID.encode(),
            ),
            ("files/_/_/main.js.map", "~/main.js.map", "source_map", {"debug-id": DEBUG_ID}, b'{"version":3}'),
        ],
        {"release": release},
    )


def test_release_lifecycle(api: tuple[SyncASGIClient, WebApi]) -> None:
    client, _ = api
    created = client.post("/organizations/acme/releases/", json={"version": "v1", "projects": ["web"]})
    assert created.status_code == 201
    body = created.json()
    assert body["version"] == "v1"
    assert body["dateReleased"] is None
    assert body["dateCreated"].endswith("Z")
    assert body["projects"][0]["slug"] == "web"
    again = client.post("/organizations/acme/releases/", json={"version": "v1", "projects": ["web"]})
    assert again.status_code == 208
    more = client.post("/organizations/acme/releases/", json={"version": "v1", "projects": ["api"]})
    assert more.status_code == 201
    finalized = client.put("/organizations/acme/releases/v1/", json={"dateReleased": "2026-01-02T03:04:05.123456789Z"})
    assert finalized.status_code == 200
    assert finalized.json()["dateReleased"] == "2026-01-02T03:04:05.123456Z"
    deploy = client.post("/organizations/acme/releases/v1/deploys/", json={"environment": "production"})
    assert deploy.status_code == 201
    assert deploy.json()["environment"] == "production"
    assert [d["environment"] for d in client.get("/organizations/acme/releases/v1/deploys/").json()] == ["production"]
    release = client.get("/organizations/acme/releases/v1/").json()
    assert release["deployCount"] == 1
    assert release["lastDeploy"]["environment"] == "production"
    assert [r["version"] for r in client.get("/projects/acme/api/releases/").json()] == ["v1"]
    assert client.get("/projects/acme/other/releases/").json() == []
    assert client.get("/organizations/other/releases/").json() == []
    assert client.delete("/organizations/acme/releases/v1/").status_code == 204
    assert client.get("/organizations/acme/releases/v1/").status_code == 404


@pytest.mark.parametrize(
    ("path", "payload", "expected"),
    [
        ("/organizations/acme/releases/", {"projects": ["web"]}, {"version": ["This field is required."]}),
        (
            "/organizations/acme/releases/",
            {"version": "latest", "projects": ["w"]},
            {"version": ["Release with name latest is not allowed"]},
        ),
        ("/organizations/acme/releases/", {"version": "v"}, {"projects": ["This field is required."]}),
        (
            "/organizations/acme/releases/",
            {"version": "v", "projects": ["w"], "dateStarted": "yesterday"},
            {"dateStarted": ["Datetime has wrong format."]},
        ),
    ],
)
def test_release_validation(api: tuple[SyncASGIClient, WebApi], path: str, payload: object, expected: object) -> None:
    client, _ = api
    response = client.post(path, json=payload)
    assert response.status_code == 400
    assert response.json() == expected


def test_unknown_release_and_route_are_404(api: tuple[SyncASGIClient, WebApi]) -> None:
    client, _ = api
    for method, path in [
        ("GET", "/organizations/acme/releases/nope/"),
        ("PUT", "/organizations/acme/releases/nope/"),
        ("POST", "/organizations/acme/releases/nope/deploys/"),
        ("GET", "/organizations/acme/nothing-here/"),
    ]:
        response = client.request(method, path, json={"environment": "p"})
        assert response.status_code == 404, path
        assert response.json() == {"detail": "The requested resource does not exist"}


def test_deploy_needs_an_environment(api: tuple[SyncASGIClient, WebApi]) -> None:
    client, _ = api
    client.post("/organizations/acme/releases/", json={"version": "v1", "projects": ["web"]})
    response = client.post("/organizations/acme/releases/v1/deploys/", json={})
    assert response.status_code == 400
    assert response.json() == {"environment": ["This field is required."]}


@pytest.mark.parametrize(
    ("authorization", "detail"),
    [
        (None, "Authentication credentials were not provided."),
        ("Bearer wrong", "Invalid token"),
        ("Bearer sntryu_acme", "Unauthorized organization access."),
    ],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/organizations/other/releases/"),
        ("GET", "/projects/other/web/releases/"),
        ("PUT", "/organizations/other/releases/v1/"),
        ("GET", "/organizations/other/chunk-upload/"),
        ("POST", "/organizations/other/artifactbundle/assemble/"),
        ("POST", "/organizations/other/releases/v1/deploys/"),
    ],
)
def test_every_route_refuses_a_missing_or_wrong_token(
    api: tuple[SyncASGIClient, WebApi], authorization: str | None, detail: str, method: str, path: str
) -> None:
    client, web = api
    headers = {"authorization": authorization} if authorization else {}
    del client.headers["authorization"]
    response = client.request(method, path, headers=headers, json={})
    assert response.status_code == 401
    assert response.json() == {"detail": detail}
    assert response.headers["www-authenticate"] == 'xBasic realm="api"'
    [logged] = web.store.requests("other")
    assert (logged["status"], logged["reason"]) == (401, detail)


def test_index_is_public_but_checks_a_token_when_given(api: tuple[SyncASGIClient, WebApi]) -> None:
    client, _ = api
    assert client.get("/").json()["user"]["username"] == "gate"
    assert client.get("/", headers={"authorization": ""}).json()["user"] is None
    assert client.get("/", headers={"authorization": "Bearer bad"}).status_code == 401


def _chunks(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def _upload(client: SyncASGIClient, parts: list[tuple[str, str | None, bytes]]) -> httpx.Response:
    body = build_multipart(parts, "gateboundary")
    return client.post(
        "/organizations/acme/chunk-upload/",
        content=body,
        headers={"content-type": "multipart/form-data; boundary=gateboundary"},
    )


def test_chunk_upload_and_the_missing_chunks_exchange(api: tuple[SyncASGIClient, WebApi]) -> None:
    client, web = api
    options = client.get("/organizations/acme/chunk-upload/").json()
    assert options["url"] == "http://127.0.0.1:9/api/0/organizations/acme/chunk-upload/"
    assert options["hashAlgorithm"] == "sha1"
    assert options["compression"] == ["gzip"]
    assert "artifact_bundles" in options["accept"]
    raw = _bundle()
    pieces = _chunks(raw, 256)
    sums = [hashlib.sha1(p).hexdigest() for p in pieces]
    spec = {"checksum": hashlib.sha1(raw).hexdigest(), "chunks": sums, "projects": ["web"], "version": "v1"}
    first = client.post("/organizations/acme/artifactbundle/assemble/", json=spec).json()
    assert first == {"state": "not_found", "missingChunks": list(dict.fromkeys(sums))}
    half = len(pieces) // 2
    assert (
        _upload(
            client, [("file_gzip", s, gzip.compress(p)) for s, p in zip(sums[:half], pieces[:half], strict=True)]
        ).status_code
        == 200
    )
    second = client.post("/organizations/acme/artifactbundle/assemble/", json=spec).json()
    assert second["missingChunks"] == list(dict.fromkeys(sums[half:]))
    assert _upload(client, [("file", s, p) for s, p in zip(sums[half:], pieces[half:], strict=True)]).status_code == 200
    done = client.post("/organizations/acme/artifactbundle/assemble/", json=spec).json()
    assert done == {"state": "ok", "detail": None, "missingChunks": []}
    poll = client.post("/organizations/acme/artifactbundle/assemble/", json={**spec, "chunks": []}).json()
    assert poll["state"] == "ok"
    [bundle] = web.store.bundles("acme", release="v1", debug_id=DEBUG_ID.upper())
    assert bundle["links"] == [{"project": "web", "release": "v1", "dist": None}]
    assert {f["type"] for f in bundle["files"]} == {"minified_source", "source_map"}
    gate = client.get("/_gate/bundles", params={"org": "acme"}).json()
    assert gate[0]["checksum"] == spec["checksum"]
    assert client.get(f"/_gate/bundles/{bundle['id']}/raw").content == raw
    assert web.store.bundles("other") == []  # chunks and bundles belong to their organization


def test_chunk_refusals(api: tuple[SyncASGIClient, WebApi]) -> None:
    client, web = api
    web.config.chunk_size = 100
    data = b"x" * 50
    bad_sum = _upload(client, [("file", "0" * 40, data)])
    assert bad_sum.status_code == 400
    assert bad_sum.json() == {"error": "Checksum mismatch"}
    big = b"y" * 101
    too_big = _upload(client, [("file_gzip", hashlib.sha1(big).hexdigest(), gzip.compress(big))])
    assert too_big.json() == {"error": "Chunk size too large"}
    web.config.chunks_per_request = 1
    two = _upload(client, [("file", hashlib.sha1(data).hexdigest(), data)] * 2)
    assert two.json() == {"error": "Too many chunks"}
    not_gzip = _upload(client, [("file_gzip", hashlib.sha1(data).hexdigest(), data)])
    assert "Invalid gzip chunk" in not_gzip.json()["error"]
    assert client.post("/organizations/acme/chunk-upload/").status_code == 200


def test_assemble_validation_and_bad_bundles(api: tuple[SyncASGIClient, WebApi]) -> None:
    client, _ = api
    url = "/organizations/acme/artifactbundle/assemble/"
    good = {"checksum": "a" * 40, "chunks": [], "projects": ["web"]}
    assert client.post(url, json={**good, "extra": 1}).json()["error"].startswith("Additional properties")
    assert client.post(url, json={"checksum": "a" * 40, "chunks": []}).json() == {
        "error": "'projects' is a required property"
    }
    assert client.post(url, json={**good, "projects": []}).json() == {
        "error": "You need to specify at least one project"
    }
    assert client.post(url, json={**good, "dist": "d"}).json() == {
        "error": "You need to specify a release together with a dist"
    }
    assert client.post(url, json=good).json() == {"state": "not_found", "missingChunks": []}
    junk = b"PK not a bundle"
    checksum = hashlib.sha1(junk).hexdigest()
    _upload(client, [("file", checksum, junk)])
    answer = client.post(url, json={**good, "checksum": checksum, "chunks": [checksum]}).json()
    assert answer["state"] == "error"
    assert answer["detail"].startswith("Invalid bundle: header starts with")
    wrong = client.post(url, json={**good, "checksum": "b" * 40, "chunks": [checksum]}).json()
    assert (wrong["state"], wrong["detail"]) == ("error", "Reported checksum mismatch")


def test_faults_answer_before_auth_and_are_logged(api: tuple[SyncASGIClient, WebApi]) -> None:
    client, web = api
    fault = client.post("/_gate/faults", json={"status": 503, "endpoint": "releases", "count": 1}).json()
    assert fault["endpoint"] == "releases"
    url = "/organizations/acme/releases/"
    failed = client.post(url, json={"version": "v1", "projects": ["w"]}, headers={"authorization": "Bearer bad"})
    assert failed.status_code == 503
    assert failed.json() == {"detail": f"fault {fault['id']}: status 503"}
    assert client.post(url, json={"version": "v1", "projects": ["w"]}).status_code == 201
    statuses = [(r["endpoint"], r["status"], r["fault"]) for r in client.get("/_gate/requests").json()]
    assert statuses == [("releases", 503, fault["id"]), ("releases", 201, None)]
    client.post("/_gate/faults", json={"status": 500, "duration": 60})
    assert client.get("/organizations/acme/releases/").status_code == 500
    assert client.delete("/_gate/faults").json()["removed"]
    assert client.get("/organizations/acme/releases/").status_code == 200
    assert client.post("/_gate/faults", json={"kind": "nope"}).status_code == 400
    assert web.faults.listing(0.0) == []


def test_gate_tokens_and_config(api: tuple[SyncASGIClient, WebApi]) -> None:
    client, _ = api
    made = client.post("/_gate/tokens", json={"org": "acme"}).json()
    assert made["token"].startswith("sntryu_")
    del client.headers["authorization"]
    ok = client.get("/organizations/acme/releases/", headers={"authorization": f"Bearer {made['token']}"})
    assert ok.status_code == 200
    assert client.put("/_gate/config", json={"chunk_size": 1024}).json()["chunk_size"] == 1024
    assert client.put("/_gate/config", json={"nope": 1}).status_code == 400
    assert client.post("/_gate/tokens", json={"token": "has space"}).status_code == 400


def test_data_survives_a_restart(tmp_path: Path) -> None:
    first = WebApiStore(tmp_path)
    first.add_token("t", None)
    first.create_release("acme", "v1", ["web"], {})
    first.close()
    second = WebApiStore(tmp_path)
    assert second.token("t") is not None
    assert second.release("acme", "v1") is not None
    second.close()

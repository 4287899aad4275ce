"""Pure parts of the web API: bundles, multipart bodies, auth decisions, fault selection."""

from __future__ import annotations

import contextlib
import hashlib
import io
import random
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.webapi.auth import NOT_PROVIDED, AuthRefused, Principal, authenticate, require
from harness.webapi.bundle import (
    HEADER,
    MAGIC,
    BundleError,
    build_artifact_bundle,
    normalize_debug_id,
    parse_artifact_bundle,
)
from harness.webapi.faults import WebFaultSet, classify
from harness.webapi.multipart import MultipartError, build_multipart, parse_multipart

DEBUG_ID = "fc78b9c6-da23-5ad5-9295-2de43b019f16"


def _bundle() -> bytes:
    return build_artifact_bundle(
        [
            (
                "files/_/_/main.js",
                "~/main.js",
                "minified_source",
                {"debug-id": DEBUG_ID, "Sourcemap": "main.js.map"},
                b"console.log(1)\n//# debugId=" + DEBUG_ID.encode(),
            ),
            ("files/_/_/main.js.map", "~/main.js.map", "source_map", {"debug-id": DEBUG_ID}, b'{"version":3}'),
        ],
        {"debug_id": "110a5a8c-7fe1-5ce9-8c0b-56ae9310fb2f", "org": "acme", "release": "v1"},
    )


def test_bundle_round_trip() -> None:
    bundle = parse_artifact_bundle(_bundle())
    assert bundle.format_version == 2
    assert bundle.attributes["release"] == "v1"
    assert bundle.bundle_id == "110a5a8c-7fe1-5ce9-8c0b-56ae9310fb2f"
    js = bundle.by_debug_id(DEBUG_ID.upper(), "minified_source")
    assert js is not None
    assert js.url == "~/main.js"
    assert js.sourcemap == "main.js.map"  # header names compare case-insensitively
    smap = bundle.by_debug_id(DEBUG_ID, "source_map")
    assert smap is not None
    assert bundle.read(smap.path) == b'{"version":3}'
    assert bundle.by_url("~/main.js") == js


def test_bundle_attributes_may_be_nested() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("manifest.json", b'{"files": {}, "attributes": {"release": "r"}}')
    bundle = parse_artifact_bundle(HEADER.pack(MAGIC, 2) + buf.getvalue())
    assert dict(bundle.attributes) == {"release": "r"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"SYS", "shorter than"),
        (b"PK\x03\x04" + b"\0" * 20, "not b'SYSB'"),
        (HEADER.pack(MAGIC, 2) + b"not a zip", "not a zip"),
    ],
)
def test_bundle_refusals(data: bytes, message: str) -> None:
    with pytest.raises(BundleError, match=message):
        parse_artifact_bundle(data)


def test_bundle_without_manifest_or_with_a_dangling_entry() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("other.json", b"{}")
    with pytest.raises(BundleError, match="no manifest"):
        parse_artifact_bundle(HEADER.pack(MAGIC, 2) + buf.getvalue())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("manifest.json", b'{"files": {"files/x.js": {"type": "source", "url": "~/x.js"}}}')
    with pytest.raises(BundleError, match="does not hold"):
        parse_artifact_bundle(HEADER.pack(MAGIC, 2) + buf.getvalue())


@given(st.binary(max_size=300))
def test_bundle_parser_raises_only_bundle_errors(data: bytes) -> None:
    for candidate in (data, MAGIC + data, HEADER.pack(MAGIC, 2) + data):
        with contextlib.suppress(BundleError):
            parse_artifact_bundle(candidate)


def test_debug_id_normalisation() -> None:
    assert normalize_debug_id("FC78B9C6DA235AD592952DE43B019F16") == DEBUG_ID
    assert normalize_debug_id(DEBUG_ID + "-0") == DEBUG_ID
    assert normalize_debug_id("nope") is None
    assert normalize_debug_id(None) is None


def test_multipart_round_trip_and_refusals() -> None:
    chunk = b"\r\n--x\r\n binary \x00\xff"
    body = build_multipart([("file_gzip", hashlib.sha1(chunk).hexdigest(), chunk), ("other", None, b"v")], "b0undary")
    parts = parse_multipart(body, 'multipart/form-data; boundary="b0undary"')
    assert [(p.name, p.data) for p in parts] == [("file_gzip", chunk), ("other", b"v")]
    assert parts[0].filename == hashlib.sha1(chunk).hexdigest()
    with pytest.raises(MultipartError, match="not multipart"):
        parse_multipart(body, "application/json")
    with pytest.raises(MultipartError, match="without a boundary"):
        parse_multipart(body, "multipart/form-data")
    with pytest.raises(MultipartError, match=r"not closed|not terminated"):
        parse_multipart(body[:60], "multipart/form-data; boundary=b0undary")
    with pytest.raises(MultipartError, match="not closed"):
        parse_multipart(body[:175], "multipart/form-data; boundary=b0undary")
    with pytest.raises(MultipartError, match="more than 1 parts"):
        parse_multipart(body, "multipart/form-data; boundary=b0undary", max_parts=1)


def _lookup(token: str) -> Principal | None:
    return {"good": Principal(org=None), "acme-only": Principal(org="acme")}.get(token)


@pytest.mark.parametrize(
    ("header", "org", "detail"),
    [
        ("Bearer wrong", "acme", "Invalid token"),
        ("Bearer sntrys_wrong", "acme", "Invalid org token"),
        ("Bearer", "acme", "Invalid token header. No credentials provided."),
        ("Bearer a b", "acme", "Invalid token header. Token string should not contain spaces."),
        ("Basic Zm9vOg==", "acme", "API key is not valid"),
        ("Bearer acme-only", "other", "Unauthorized organization access."),
    ],
)
def test_auth_refusals_are_sentrys(header: str, org: str, detail: str) -> None:
    with pytest.raises(AuthRefused) as refused:
        authenticate(header, org, _lookup)
    assert (refused.value.status, refused.value.detail) == (401, detail)


def test_auth_accepts_and_anonymous_is_refused_where_needed() -> None:
    assert authenticate("Bearer good", "x", _lookup) == Principal(org=None)
    assert authenticate("bearer acme-only", "acme", _lookup) == Principal(org="acme")
    assert authenticate(None, "acme", _lookup) is None
    assert authenticate("Token abc", "acme", _lookup) is None
    with pytest.raises(AuthRefused) as refused:
        require(None)
    assert refused.value.detail == NOT_PROVIDED


def test_classify_paths() -> None:
    assert classify("/organizations/acme/releases/") == ("releases", "acme")
    assert classify("/organizations/acme/releases/v1/") == ("release", "acme")
    assert classify("/organizations/acme/releases/v1/deploys/") == ("deploys", "acme")
    assert classify("/projects/acme/web/releases/") == ("project-releases", "acme")
    assert classify("/organizations/acme/chunk-upload/") == ("chunk-upload", "acme")
    assert classify("/organizations/acme/artifactbundle/assemble/") == ("assemble", "acme")
    assert classify("/") == ("auth-info", None)
    assert classify("/nothing/") == ("other", None)


def test_web_faults_select_by_endpoint_org_and_count() -> None:
    faults = WebFaultSet()
    faults.add({"kind": "latency", "latency_ms": 50}, now=0.0)
    faults.add({"status": 503, "endpoint": "assemble", "org": "acme", "count": 1}, now=0.0)
    rng = random.Random(0)
    assert faults.decide(1.0, rng, endpoint="releases", org="acme", method="POST").fault is None
    assert faults.decide(1.0, rng, endpoint="assemble", org="other", method="POST").fault is None
    decision = faults.decide(1.0, rng, endpoint="assemble", org="acme", method="POST")
    assert decision.fault is not None
    assert decision.delay_s == pytest.approx(0.05)
    assert faults.decide(1.0, rng, endpoint="assemble", org="acme", method="POST").fault is None  # count used up
    with pytest.raises(ValueError, match="endpoint"):
        faults.add({"status": 503, "endpoint": "nope"}, now=0.0)
    with pytest.raises(ValueError, match="kind"):
        faults.add({"kind": "blackhole", "duration": 1}, now=0.0)

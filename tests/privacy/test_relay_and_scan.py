"""Pure-function tests: the placeholder rule, Relay's net, the store scan's locations, and that results
and findings exports carry no canary in any encoding the scanner knows."""

from __future__ import annotations

import json
import zlib
from typing import Any

import pytest

from harness.envelope import Envelope, make_item, serialize_envelope
from harness.privacy import CanaryFactory, Scanner
from harness.privacy.checks import canary_check
from harness.privacy.plant import Control, Planted
from harness.privacy.relay_rules import extra_detectors, is_already_scrubbed
from harness.privacy.store_scan import StoreScan, scan_envelope_bytes


@pytest.mark.parametrize(
    "value",
    [None, "", "[Filtered]", "***", "Bearer [Filtered]", "[email]", ["[Filtered]"], {"a": "[ip]"},
     "code=[Filtered]&state=[Filtered]", "http://127.0.0.1:5000/api/auth/callback?code=[Filtered]",
     "http://127.0.0.1:41234/v1/me"],
)  # fmt: skip
def test_already_scrubbed_values_are_no_finding(value: Any) -> None:
    assert is_already_scrubbed(value)


@pytest.mark.parametrize(
    "value", ["Bearer abc123def", "jo@example.org", "4111111111111111", "code=AQxyz123", ["[Filtered]", "s3cret-v"], 7]
)
def test_values_with_data_are_findings(value: Any) -> None:
    assert not is_already_scrubbed(value)


def test_relay_default_rules_fire_through_meta_and_skip_placeholders() -> None:
    pytest.importorskip("sentry_relay")
    from harness.privacy.relay_rules import relay_findings

    event = {
        "event_id": "a" * 32,
        "request": {
            "url": "http://127.0.0.1:5000/api/login",
            "headers": {"Authorization": "[Filtered]", "X-Api-Key": "abc123secretvalue"},
            "data": {"password": "hunter2hunter2", "note": "[Filtered]"},
        },
        "extra": {"card": "4111111111111111", "masked": "****"},
    }
    found = {(loc.where.split(" / ", 2)[2], loc.rule) for loc in relay_findings(event, "request 1 / event")}
    assert ("$.request.headers.1.1", "@password:filter") in found  # X-Api-Key, mapped back by its name
    assert ("$.request.data.password", "@password:filter") in found
    assert ("$.extra.card", "@creditcard:filter") in found
    assert not any("Authorization" in w or "masked" in w or "note" in w for w, _ in found)
    assert all("hunter2" not in w for w, _ in found)


def test_extra_detectors_jwt_oauth_and_spotify_tokens() -> None:
    factory = CanaryFactory()
    jwt, code, spotify = (
        factory.make("jwt").value,
        factory.make("oauth_code").value,
        factory.make("spotify_token").value,
    )
    event = {"breadcrumbs": [{"data": {"url": f"/cb?code={code}&state=[Filtered]"}}], "extra": {"t": jwt, "s": spotify}}
    rules = sorted({loc.rule for loc in extra_detectors(event, "e")})
    assert rules == ["gate:jwt", "gate:spotify-token", "gate:url-param:code"]


def _envelope(*items: tuple[str, bytes]) -> bytes:
    return serialize_envelope(Envelope(headers={}, items=[make_item(t, p) for t, p in items]))


def test_store_scan_locates_json_replay_and_attachment_hits() -> None:
    factory = CanaryFactory()
    email, password, token = factory.make("email"), factory.make("password"), factory.make("token")
    scanner = Scanner([email, password, token])
    rrweb = [
        {"type": 2, "data": {"node": {"type": 0, "childNodes": [
            {"type": 2, "tagName": "input", "attributes": {"id": "email", "value": email.value}, "childNodes": []}]}}},
        {"type": 3, "data": {"source": 5, "id": 9, "text": password.value}},
    ]  # fmt: skip
    recording = b'{"segment_id":0}\n' + zlib.compress(json.dumps(rrweb).encode())
    body = _envelope(
        ("event", json.dumps({"request": {"url": f"/x?t={token.value}"}}).encode()),
        ("replay_recording", recording),
        ("attachment", f"log line {token.value}".encode()),
    )
    out = StoreScan()
    scan_envelope_bytes(scanner, 7, body, body, out)
    where = {(f.canary.label, f.item, f.path, f.category) for f in out.findings}
    assert (token.label, "item 0 (event)", "$.request.url", "json") in where
    assert (
        email.label,
        "item 1 (replay_recording)",
        "event 0 (full snapshot) / document > input#email @value",
        "input",
    ) in where
    assert (password.label, "item 1 (replay_recording)", "event 1 (input) $.text", "input") in where
    assert out.items == {"event": 1, "replay_recording": 1, "attachment": 1}


def test_results_and_findings_exports_never_hold_a_canary_in_any_encoding() -> None:
    factory = CanaryFactory()
    canaries = [factory.make(kind) for kind in ("password", "email", "card", "jwt", "bearer", "iban", "name", "token")]
    scanner = Scanner(canaries)
    body = _envelope(("event", json.dumps({"extra": {c.label: c.value for c in canaries}}).encode()))
    out = StoreScan()
    scan_envelope_bytes(scanner, 1, body, body, out)
    assert len({f.canary.label for f in out.findings}) == len(canaries)
    planted = [Planted(c, "body", f"part {c.kind}", "m", True, "seen") for c in canaries]
    result = canary_check(
        "privacy.server.request-bodies", "bodies", planted, out.findings, Control("body", 8, 8, ["event"], [])
    )
    assert result.verdict.value == "fail"
    export = json.dumps(result.as_dict(), ensure_ascii=False) + result.summary + repr(result)
    assert scanner.scan_text(export.encode("utf-8").decode("latin-1")) == []
    assert all(loc.length > 0 and "⟨len" in loc.preview for loc in result.locations)


def test_locate_in_strings_maps_each_hit_to_its_string() -> None:
    from harness.privacy.store_scan import locate_in_strings

    secret = CanaryFactory().make("token")
    texts = ["nothing", f"a {secret.value} b", "ünïcode", secret.value]
    assert [i for i, _ in locate_in_strings(Scanner([secret]), texts)] == [1, 3]


def test_offline_audit_of_an_envelopes_export(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    import gzip
    import io
    import tarfile

    pytest.importorskip("sentry_relay")
    from harness.cli.audit_cmd import main

    factory = CanaryFactory()
    secret = factory.make("password")
    event = {"event_id": "b" * 32, "request": {"data": {"password": secret.value}}}
    body = gzip.compress(_envelope(("event", json.dumps(event).encode())))
    export = tmp_path / "export.tar"
    with tarfile.open(export, "w") as tar:
        info = tarfile.TarInfo("00000001-200.envelope.raw")
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    canaries = tmp_path / "canaries.jsonl"
    canaries.write_text(json.dumps({"kind": secret.kind, "value": secret.value, "label": secret.label}) + "\n")
    findings = tmp_path / "findings.json"
    assert main([str(export), "--canaries", str(canaries), "--json", str(findings)]) == 1
    exported = json.loads(findings.read_text())
    assert [r["verdict"] for r in exported] == ["fail", "fail"]
    assert exported[0]["locations"][0]["where"] == "request 1 / item 0 (event) / $.request.data.password"
    assert "@password:filter" in {loc["rule"] for loc in exported[1]["locations"]}
    assert Scanner([secret]).scan_bytes(findings.read_bytes()) == []
    printed = capsys.readouterr().out
    assert "privacy.audit.relay-rules" in printed
    assert Scanner([secret]).scan_text(printed.encode("utf-8").decode("latin-1")) == []

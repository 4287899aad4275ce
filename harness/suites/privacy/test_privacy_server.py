"""Privacy checks of the servers: canaries planted in every request part, every captured byte scanned.

One module-scoped run per (server, variant): the target is started (hardened, or each name in
the settings' ``self_test`` mutants, ``hardened`` and ``seed`` included by name) with server traces at
1.0 so transactions are captured too; `plant_server` sends the canaries; the target is flushed and
every request its server project received is scanned (raw, decompressed, JSON strings, attachments).
Each test is one check and fails naming its id, the count of findings and their masked locations.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import pytest
from filelock import FileLock

from harness.ingest import ProjectHandle, StoredItem
from harness.privacy import Scanner
from harness.privacy.canaries import Canary
from harness.privacy.checks import canary_check, locations_result
from harness.privacy.plant import CHECK_OF_GROUP, Control, Plan, controls_for, plant_server
from harness.privacy.store_scan import StoreScan, scan_project
from harness.recorder import CheckRecorder
from harness.results import CheckResult, MaskedLocation, Verdict
from harness.settings import Settings
from harness.targets.fixtures import TargetFactory
from harness.targets.selection import selected_targets
from harness.targets.target import Target

# What this suite needs from a target file (skipped, naming what is missing, on a file without it).
pytestmark = pytest.mark.needs("bundled", "gate_routes")

SERVERS = tuple(selected_targets(Settings.from_environ()))
"""The run's target (``--target``), else every bundled app: one rule for every suite."""


def dump_canaries(canaries: list[Canary]) -> None:
    """Self-tests only: write the planted values to the settings' ``self_test.canary_dump`` (a secret store, like the
    raw capture), so the self-test can prove that nothing else the gate wrote holds any of them."""
    path = Settings.from_environ().self_test.canary_dump
    if path:
        with FileLock(f"{path}.lock"), path.open("a", encoding="utf-8") as fh:
            fh.writelines(json.dumps({"kind": c.kind, "value": c.value, "label": c.label}) + "\n" for c in canaries)


def _variants() -> list[str]:
    return list(Settings.from_environ().self_test.variants() or ("hardened",))


@dataclass
class Audit:
    target: Target
    plan: Plan
    scan: StoreScan
    items: list[StoredItem]
    controls: dict[str, Control]


@pytest.fixture(scope="module", params=[(s, v) for v in _variants() for s in SERVERS], ids=lambda p: f"{p[0]}-{p[1]}")
def audit(request: pytest.FixtureRequest, target_factory: TargetFactory) -> Audit:
    server, variant = request.param
    kwargs: dict[str, str] = {}
    if variant == "seed":
        kwargs["variant"] = "seed"
    elif variant != "hardened":
        kwargs["mutant"] = variant
    target = target_factory(server, extra_env={"SENTRY_TRACES_SAMPLE_RATE": "1"}, **kwargs)
    assert target.server_project is not None
    plan = plant_server(target)
    dump_canaries(plan.canaries)
    target.flush()
    items = _await_marked_events(target.server_project, plan)
    scanner = Scanner(plan.canaries)
    scan = scan_project(target.server_project.client, target.server_project.id, scanner)
    items = target.server_project.items()
    return Audit(target, plan, scan, items, controls_for(plan, items))


def _await_marked_events(project: ProjectHandle, plan: Plan, timeout: float = 10.0) -> list[StoredItem]:
    """Each group's marked error event, waited for with a deadline before the scan reads the store.

    The server's flush route returns when its SDK's queue is drained, but an event captured after the
    response (Starlette's error middleware answers 500 first) can still be on its way: scanning then would
    make the scan's positive control (``privacy.server.scan-control``) miss it now and then."""
    deadline = time.monotonic() + timeout
    items = project.items()
    while any(not c.captured for g, c in controls_for(plan, items).items() if g != "upstream"):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            project.wait_for_items(count=len(items) + 1, timeout=left)  # long-poll for the next item
        except TimeoutError:
            break
        items = project.items()
    return items


def _group_check(audit: Audit, group: str, what: str) -> CheckResult:
    planted = audit.plan.group(group)
    result = canary_check(
        CHECK_OF_GROUP[group], what, planted, audit.scan.of(p.canary for p in planted), audit.controls[group]
    )
    print(result.summary)
    for loc in result.locations[:10]:
        print(" ", loc.where, loc.rule, loc.preview, loc.encoding)
    return result


def test_privacy_server_headers(audit: Audit, gate_check: CheckRecorder) -> None:
    gate_check(
        _group_check(
            audit, "headers", "request headers (Authorization, Cookie, X-Api-Key, X-Forwarded-For, X-Session-Token)"
        )
    )


def test_privacy_query_strings(audit: Audit, gate_check: CheckRecorder) -> None:
    gate_check(_group_check(audit, "query", "query strings (code, state, token, email)"))


def test_privacy_server_request_bodies(audit: Audit, gate_check: CheckRecorder) -> None:
    gate_check(_group_check(audit, "body", "login bodies (JSON and form)"))


def test_privacy_server_upstream_answers(audit: Audit, gate_check: CheckRecorder) -> None:
    gate_check(_group_check(audit, "upstream", "upstream answers (Spotify profile, token exchange)"))


def test_privacy_server_scan_control(audit: Audit, gate_check: CheckRecorder) -> None:
    """The scan's own positive control: a canary in a URL path segment (no SDK scrubs paths, and this app's
    paths carry track ids, not secrets) must be found in the captured event, or the scan is blind."""
    planted = audit.plan.group("path")
    found = audit.scan.of(p.canary for p in planted)
    control = audit.controls["path"]
    evidence = {
        "requests scanned": audit.scan.requests,
        "items": audit.scan.items,
        "path findings": len(found),
        "path event captured": control.captured,
        "path request answered": audit.plan.statuses.get("path"),
    }
    if found and not audit.scan.undecodable:
        result = CheckResult(
            "privacy.server.scan-control",
            Verdict.PASS,
            f"the path-segment canary was found {len(found)} time(s) in {audit.scan.requests} requests"
            f" ({sum(audit.scan.items.values())} items): the scan reads what the SDK sent",
            evidence,
        )
    else:
        result = CheckResult(
            "privacy.server.scan-control",
            Verdict.INCONCLUSIVE,
            f"the path-segment canary was found {len(found)} time(s); its marked event captured: {control.captured};"
            f" undecodable: {audit.scan.undecodable[:3]}",
            evidence,
        )
    gate_check(result)


def test_privacy_server_all_canaries(audit: Audit, gate_check: CheckRecorder) -> None:
    """Every planted canary outside the path control, wherever it was found (a leak no group check names)."""
    planted = [p for p in audit.plan.planted if p.group != "path"]
    found = audit.scan.of(p.canary for p in planted)
    ok = all(c.ok for g, c in audit.controls.items() if g != "path")
    control = Control(
        "all", sum(p.reached for p in planted), len(planted), ["events and transactions"] if ok else [], []
    )
    gate_check(canary_check("privacy.server.canaries", "every request part", planted, found, control))


def test_privacy_exposure_monitoring(audit: Audit, gate_check: CheckRecorder) -> None:
    """Health and metrics answers expose no secret the target holds (its DSN key, its fault token)."""
    secrets = [Canary("token", audit.target.options.fault_token or "", "fault-token")]
    if audit.target.server_project is not None:
        secrets.append(Canary("token", audit.target.server_project.key, "dsn-key"))
    scanner = Scanner([s for s in secrets if len(s.value) >= 8])
    locations: list[MaskedLocation] = []
    for route in ("/monitoring/health", "/monitoring/metrics", "/monitoring/sentry-health"):
        answer = audit.target.http.get(route)
        assert answer.status_code == 200, (route, answer.status_code)
        for hit in scanner.scan_text(answer.text):
            locations.append(MaskedLocation.of(route, f"secret:{hit.canary.label}", hit.canary.value, hit.encoding))
    gate_check(locations_result("privacy.exposure.monitoring", "health and metrics answers", locations, 3))


def test_privacy_exposure_fault_route(audit: Audit, gate_check: CheckRecorder) -> None:
    """The fault and flush routes refuse (404) without the token and with a wrong one; the right one works."""
    http = audit.target.http
    statuses = {
        "fault without token": http.post("/__gate/fault", json={"kind": "slow", "ms": 0}).status_code,
        "flush without token": http.post("/__gate/flush").status_code,
        "fault with a wrong token": http.post(
            "/__gate/fault", headers={"X-Gate-Token": "wrong"}, json={"kind": "slow", "ms": 0}
        ).status_code,
    }
    control = http.post("/__gate/flush", headers=audit.target.gate_headers()).status_code
    opened = {k: v for k, v in statuses.items() if v != 404}
    evidence = {"statuses": statuses, "with the token": control}
    if opened:
        result = CheckResult(
            "privacy.exposure.fault-route",
            Verdict.FAIL,
            f"{len(opened)}/3 unauthenticated gate calls answered: {opened}",
            evidence,
        )
    elif control != 200:
        result = CheckResult(
            "privacy.exposure.fault-route",
            Verdict.INCONCLUSIVE,
            f"the route refuses, but also with its token ({control})",
            evidence,
        )
    else:
        result = CheckResult(
            "privacy.exposure.fault-route", Verdict.PASS, "3/3 unauthenticated gate calls answered 404", evidence
        )
    gate_check(result)


def test_privacy_exposure_source_maps(audit: Audit, gate_check: CheckRecorder) -> None:
    """No bundle the page loads is served with its ``.map``, and none references one."""
    import re

    page = audit.target.http.get("/").text
    scripts = re.findall(r'src="(/assets/[^"]+\.js)"', page)
    statuses: dict[str, int] = {}
    referenced = []
    for js in scripts:
        body = audit.target.http.get(js)
        if re.search(rb"//# sourceMappingURL=", body.content):
            referenced.append(js)
        statuses[js + ".map"] = audit.target.http.get(js + ".map").status_code
    served = [u for u, s in statuses.items() if s == 200]
    evidence = {"maps": statuses, "referenced": referenced}
    if served or referenced:
        result = CheckResult(
            "privacy.exposure.source-maps",
            Verdict.FAIL,
            f"{len(served)}/{len(statuses)} maps served publicly, {len(referenced)} bundles reference a map",
            evidence,
        )
    elif not scripts:
        result = CheckResult("privacy.exposure.source-maps", Verdict.INCONCLUSIVE, "the page loads no bundle", evidence)
    else:
        result = CheckResult(
            "privacy.exposure.source-maps",
            Verdict.PASS,
            f"0/{len(statuses)} maps served; no sourceMappingURL",
            evidence,
        )
    gate_check(result)


def test_privacy_server_relay_rules(audit: Audit, gate_check: CheckRecorder) -> None:
    """Second net: each rule of Relay's default data scrubbing (and the gate's JWT/OAuth/Spotify detectors)
    that would fire on what the app sent, except on values the app already scrubbed (the placeholder rule)."""
    relay_rules = pytest.importorskip("harness.privacy.relay_rules")
    pytest.importorskip("sentry_relay")
    locations: list[MaskedLocation] = []
    checked = 0
    for item in audit.items:
        if item.type in relay_rules.EVENT_LIKE:
            checked += 1
            where = f"request {item.request_id} / {item.type}"
            locations += relay_rules.relay_findings(item.json(), where) + relay_rules.extra_detectors(
                item.json(), where
            )
    for loc in locations[:10]:
        print(" ", loc.where, loc.rule, loc.preview)
    control = None if checked else "no event-like payload was captured"
    gate_check(
        locations_result(
            "privacy.server.relay-rules", f"{checked} event-like payloads", locations, checked, control=control
        )
    )

"""Plant canaries in every part of a request the server reads, and record the positive controls.

`plant_server` drives one target over HTTP: headers (Authorization, Cookie, X-Api-Key,
X-Forwarded-For and a custom ``X-Session-Token``), query strings (``code``, ``state``, ``token``,
``email``), JSON and form login bodies, a path segment, and upstream answers (the fake Spotify's
profile and the token its exchange derives from the planted OAuth code). Every part is sent twice:
once on a request the server fails (``X-Gate-Fault: throw``), so the SDK captures an error event with
the request, and where the route can show it, once answered normally so the target demonstrably saw
the value (its answer echoes it, or the fake Spotify received it). Each request carries its own
``X-Gate-Marker`` so the comparable item (the event or transaction of that request) can be found.

The positive controls make a zero-finding answer mean something: `controls_for` says, per group,
whether the target saw each canary and whether an item where it could have leaked was captured.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from harness.privacy.canaries import Canary, CanaryFactory

if TYPE_CHECKING:
    import httpx

    from harness.ingest import StoredItem
    from harness.targets.target import Target

GROUPS = ("headers", "query", "body", "path", "upstream")
# the check each group of planted canaries answers to (targets/MUTANTS.md names the first three)
CHECK_OF_GROUP = {
    "headers": "privacy.server.headers",
    "query": "privacy.query-strings",
    "body": "privacy.server.request-bodies",
    "path": "privacy.server.path-segments",
    "upstream": "privacy.server.upstream-answers",
}


@dataclass(frozen=True, slots=True)
class Planted:
    canary: Canary
    group: str
    part: str
    """e.g. ``header Authorization``, ``query code``, ``json body password``, ``Spotify /me email``."""
    marker: str
    reached: bool
    reached_how: str


@dataclass
class Plan:
    planted: list[Planted] = field(default_factory=list)
    markers: dict[str, str] = field(default_factory=dict)
    """group → the marker of its captured (faulted) request."""
    statuses: dict[str, int] = field(default_factory=dict)

    @property
    def canaries(self) -> list[Canary]:
        return [p.canary for p in self.planted]

    def group(self, name: str) -> list[Planted]:
        return [p for p in self.planted if p.group == name]


def _marker(group: str) -> str:
    return f"priv-{group}-{uuid.uuid4().hex[:10]}"


def derived_access_token(code: str) -> str:
    """The token the fake Spotify's code exchange answers for ``code`` (targets/fake_spotify/app.py)."""
    return f"fake-{hashlib.sha256(code.encode()).hexdigest()[:32]}"


def _fault_headers(target: Target, marker: str) -> dict[str, str]:
    return {**target.gate_headers(), "X-Gate-Fault": "throw", "X-Gate-Marker": marker}


def _expect(response: httpx.Response, status: int, what: str) -> int:
    if response.status_code != status:
        raise AssertionError(f"{what}: expected HTTP {status}, got {response.status_code}: {response.text[:200]}")
    return response.status_code


def plant_server(target: Target, factory: CanaryFactory | None = None) -> Plan:
    """Send the planting requests to ``target``; the caller flushes the target and scans its project."""
    factory = factory or CanaryFactory()
    plan = Plan()
    http = target.http
    spotify_log_before = len(target.spotify.requests()) if target.spotify else 0

    # ---- headers ---------------------------------------------------------------------------------
    bearer, api_key, session = factory.make("bearer"), factory.make("token"), factory.make("token")
    theme, sid, ip = factory.make("token"), factory.make("token"), factory.make("ip")
    headers = {
        "Authorization": f"Bearer {bearer.value}",
        "Cookie": f"theme={theme.value}; sid={sid.value}",
        "X-Api-Key": api_key.value,
        "X-Forwarded-For": ip.value,
        "X-Session-Token": session.value,
    }
    mark = plan.markers["headers"] = _marker("headers")
    plan.statuses["headers"] = _expect(
        http.get("/api/spotify/me", headers={**headers, **_fault_headers(target, mark)}), 500, "faulted /me"
    )
    seen = http.get("/api/spotify/me", headers={**headers, "X-Gate-Marker": mark})
    _expect(seen, 200, "/api/spotify/me")
    forwarded = [
        r.get("headers", {}).get("authorization", "")
        for r in (target.spotify.requests()[spotify_log_before:] if target.spotify else [])
    ]
    bearer_seen = f"Bearer {bearer.value}" in forwarded
    for canary, part in (
        (bearer, "header Authorization"),
        (theme, "header Cookie (theme)"),
        (sid, "header Cookie (sid)"),
        (api_key, "header X-Api-Key"),
        (ip, "header X-Forwarded-For"),
        (session, "header X-Session-Token"),
    ):
        if canary is bearer:
            how = "the fake Spotify received it from the target" if bearer_seen else "not forwarded upstream"
            plan.planted.append(Planted(canary, "headers", part, mark, bearer_seen, how))
        else:
            plan.planted.append(
                Planted(canary, "headers", part, mark, True, "the faulted route ran with it (HTTP 500)")
            )

    # ---- query strings ---------------------------------------------------------------------------
    code, state, qtoken, qemail = (factory.make(k) for k in ("oauth_code", "oauth_state", "token", "email"))
    mark = plan.markers["query"] = _marker("query")
    query = {"code": code.value, "state": state.value, "token": qtoken.value, "email": qemail.value}
    plan.statuses["query"] = _expect(
        http.get("/api/auth/callback", params=query, headers=_fault_headers(target, mark)), 500, "faulted callback"
    )
    answer = http.get("/api/auth/callback", params=query, headers={"X-Gate-Marker": mark})
    _expect(answer, 200, "/api/auth/callback")
    access = answer.json().get("access_token")
    exchanged = access == derived_access_token(code.value)
    for canary in (code, state, qtoken, qemail):
        query_name = {code.label: "code", state.label: "state", qtoken.label: "token", qemail.label: "email"}[
            canary.label
        ]
        if canary is code:
            how = "the target exchanged it upstream" if exchanged else "the exchange answer does not derive from it"
            plan.planted.append(Planted(canary, "query", f"query {query_name}", mark, exchanged, how))
        else:
            plan.planted.append(
                Planted(canary, "query", f"query {query_name}", mark, True, "the callback route ran with it (HTTP 200)")
            )

    # ---- login bodies (JSON and form) ------------------------------------------------------------
    email, password, card = factory.make("email"), factory.make("password"), factory.make("card")
    mark = plan.markers["body"] = _marker("body")
    body = {"email": email.value, "password": password.value, "cardNumber": card.value}
    plan.statuses["body"] = _expect(
        http.post("/api/login", json=body, headers=_fault_headers(target, mark)), 500, "faulted login"
    )
    login = http.post("/api/login", json=body, headers={"X-Gate-Marker": mark})
    _expect(login, 200, "/api/login")
    echoed = login.json().get("user", {}).get("email") == email.value
    plan.planted += [
        Planted(email, "body", "json body email", mark, echoed, "the login answer echoes it"),
        Planted(password, "body", "json body password", mark, echoed, "the login accepted it (HTTP 200)"),
        Planted(card, "body", "json body cardNumber", mark, echoed, "the login accepted it (HTTP 200)"),
    ]
    form_password, form_iban = factory.make("password"), factory.make("iban")
    _expect(
        http.post(
            "/api/login",
            data={"email": "form@example.org", "password": form_password.value, "iban": form_iban.value},
            headers=_fault_headers(target, mark),
        ),
        500,
        "faulted form login",
    )
    plan.planted += [
        Planted(form_password, "body", "form body password", mark, True, "the faulted route ran with it (HTTP 500)"),
        Planted(form_iban, "body", "form body iban", mark, True, "the faulted route ran with it (HTTP 500)"),
    ]

    # ---- path segment ----------------------------------------------------------------------------
    segment = factory.make("token")
    mark = plan.markers["path"] = _marker("path")
    plan.statuses["path"] = _expect(
        http.get(
            f"/api/spotify/tracks/{segment.value}",
            headers={"Authorization": "Bearer x", **_fault_headers(target, mark)},
        ),
        500,
        "faulted track",
    )
    plan.planted.append(Planted(segment, "path", "path segment /api/spotify/tracks/<id>", mark, True, "the route ran"))

    # ---- upstream answers ------------------------------------------------------------------------
    name, upstream_email = factory.make("name"), factory.make("email")
    mark = plan.markers["upstream"] = _marker("upstream")
    if target.spotify is not None:
        target.spotify.set_user(display_name=name.value, email=upstream_email.value)
    me = http.get("/api/spotify/me", headers={"Authorization": "Bearer gate-upstream", "X-Gate-Marker": mark})
    plan.statuses["upstream"] = me.status_code
    text = me.text
    for canary, part in ((name, "Spotify /me display_name"), (upstream_email, "Spotify /me email")):
        seen_it = canary.value in text
        plan.planted.append(
            Planted(canary, "upstream", part, mark, seen_it, "the target's answer carries it" if seen_it else "absent")
        )
    derived = Canary(kind="spotify_token", value=derived_access_token(code.value), label=f"spotify_token#{code.label}")
    plan.planted.append(
        Planted(derived, "upstream", "Spotify token answer access_token", plan.markers["query"], exchanged, "exchanged")
    )
    return plan


@dataclass(frozen=True, slots=True)
class Control:
    """One group's positive control: did the target see its canaries, and was a comparable item captured?"""

    group: str
    reached: int
    planted: int
    captured: list[str]
    """What was captured for the group's marker, e.g. ``event with request``."""
    missing: list[str]

    @property
    def ok(self) -> bool:
        return self.reached == self.planted and bool(self.captured)

    def as_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "reached": f"{self.reached}/{self.planted}",
            "captured": self.captured,
            "not reached": self.missing,
        }


def controls_for(plan: Plan, items: Iterable[StoredItem]) -> dict[str, Control]:
    """Per group: how many canaries the target saw, and which comparable items (marked with the group's
    marker) were captured: an error event with a ``request`` for headers, query, body and path, an
    event or transaction of the request for upstream answers."""
    captured: dict[str, list[str]] = {g: [] for g in GROUPS}
    by_marker = {m: g for g, m in plan.markers.items()}
    for item in items:
        if item.type not in ("event", "transaction"):
            continue
        try:
            data = item.json()
        except ValueError:
            continue
        tags = data.get("tags") or {}
        tags = dict(tags) if isinstance(tags, dict) else {k: v for k, v in tags}
        group = by_marker.get(str(tags.get("gate.marker")))
        if group is None:
            continue
        request = data.get("request")
        if group != "upstream" and not (item.type == "event" and isinstance(request, dict) and request.get("url")):
            continue
        captured[group].append(f"{item.type} with request" if isinstance(request, dict) else item.type)
    out = {}
    for group in GROUPS:
        planted = plan.group(group)
        out[group] = Control(
            group=group,
            reached=sum(p.reached for p in planted),
            planted=len(planted),
            captured=sorted(set(captured[group])),
            missing=[f"{p.part} ({p.reached_how})" for p in planted if not p.reached],
        )
    return out

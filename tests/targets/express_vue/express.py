"""The Express + Vue target as its test modules drive it: where it lives, what it is started as, and the
requests, builds and reads they all repeat. Fixtures live in ``conftest.py``; this holds plain helpers."""

from __future__ import annotations

import json
import os
import re
import subprocess
import uuid
from pathlib import Path
from typing import Any

import httpx

from harness.ingest import ProjectHandle
from harness.release.resolve import BundleIndex, Resolved
from harness.targets.paths import TARGETS_DIR
from harness.targets.target import Target

from ..support import FULL_RATES, MUTANT_FLEET

__all__ = [
    "CANARIES",
    "CLIENT",
    "EXPRESS",
    "FLEET",
    "RELEASE",
    "SERVER",
    "SERVER_START",
    "SPOTIFY_EMAIL",
    "SPOTIFY_NAME",
    "browser_project",
    "build",
    "bundle",
    "click_throw_site",
    "leaked",
    "leaky_login",
    "marker",
    "resolve",
    "run_node",
    "script_path",
    "server",
    "settled",
    "spotify_headers",
    "throw",
]

EXPRESS = TARGETS_DIR / "express_vue"
SERVER = EXPRESS / "server"
CLIENT = EXPRESS / "client"
RELEASE = "express-vue-test@1.0.0"
SERVER_START = ["--import", "./instrument.mjs", "./server.mjs"]

# The fake Spotify's profile, shown as text on the profile page and answered by /v1/me.
SPOTIFY_NAME = "Zyxwa Qvnlor"
SPOTIFY_EMAIL = "qvnlor.zyxwa@spotify-canary.test"

# Every server configuration the tests need, started once for the folder: key -> TargetFactory keyword
# arguments. One per server-side mutant (express = yes, when = run); the build-time ones start in their test.
FLEET: dict[str, dict[str, Any]] = {
    "staging": {"environment": "staging"},
    "development": {"environment": "development"},
    "development-flag": {"environment": "development", "extra_env": {"ENABLE_SENTRY": "true"}},
    "test": {"environment": "test"},
    "seed": {"variant": "seed"},
    "full-rates": {"extra_env": FULL_RATES},
    "kill-switch": {"extra_env": {"SENTRY_TRACES_SAMPLE_RATE": "0"}},
    "sigterm": {},
    "rate-limit-control": {},
    **MUTANT_FLEET,
}


def marker() -> str:
    return f"mk{uuid.uuid4().hex[:16]}"


# ---- builds and source maps ---------------------------------------------------------------------------


def build(*variants: str) -> str:
    """``build.sh`` with ``variants`` (none: the default client and the server's install); its output."""
    done = subprocess.run(
        ["bash", str(EXPRESS / "build.sh"), *variants], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def bundle(dist: Path) -> tuple[str, dict[str, Any]]:
    """The built client's one script and its source map."""
    [js] = sorted((dist / "assets").glob("index-*.js"))
    return js.read_text(), json.loads(Path(f"{js}.map").read_text())


def resolve(source_map: dict[str, Any], line: int, column: int) -> Resolved | None:
    """The original position (1-based) of a 1-based generated one, read by the release checks' reader."""
    key = str(source_map.get("debugId") or "map")
    return BundleIndex(maps={key: json.dumps(source_map).encode()}).lookup(key, line, column)


def click_throw_site() -> dict[str, Any]:
    """The ``click-throw`` entry of the client's ``throw-sites.json`` (file, line, column of its ``Error(``)."""
    sites = json.loads((CLIENT / "throw-sites.json").read_text())["sites"]
    site: dict[str, Any] = next(s for s in sites if s["id"] == "click-throw")
    return site


def run_node(node: str, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``node args`` in the server's folder with only ``PATH`` and ``env`` set, to its end (30 s at most)."""
    return subprocess.run(
        [node, *args],
        cwd=SERVER,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


# ---- a running server ---------------------------------------------------------------------------------


def server(target: Target) -> ProjectHandle:
    assert target.server_project is not None
    return target.server_project


def browser_project(target: Target) -> ProjectHandle:
    assert target.browser_project is not None
    return target.browser_project


def throw(target: Target, mark: str, **params: Any) -> httpx.Response:
    response = target.fault("throw", mark, **params)
    assert response.status_code == 500, response.text
    return response


def spotify_headers(mark: str) -> dict[str, str]:
    # With a token: @sentry/node drops the transactions of requests answered 401, 404 or 3xx by default.
    return {"Authorization": "Bearer fake-token", "X-Gate-Marker": mark}


def settled(target: Target) -> None:
    """The flush handshake: the server SDK has sent what it holds, and the ingest has stored it."""
    target.flush()
    if target.server_project is not None:
        target.server_project.client.flush()


def script_path(page_html: str) -> str:
    """The path of the client script a served page loads."""
    found = re.search(r'src="(/assets/index-[\w-]+\.js)"', page_html)
    assert found, page_html
    return found.group(1)


# ---- privacy: a login with canaries in every request part ---------------------------------------------

CANARIES = {
    "authorization": "Bearer hdrAuthCanary7731",
    "cookie": "theme=ckiCanary5512; sid=ckiCanary5513",
    "x-api-key": "keyCanary9920",
    "x-forwarded-for": "203.0.113.77",
}


def leaky_login(target: Target, mark: str, *, via: str = "/api/login") -> None:
    """A login that fails on the server, carrying canaries in every request part."""
    response = target.http.post(
        f"{via}?code=qryCode4471&state=qryState4472",
        headers={**CANARIES, **target.gate_headers(), "X-Gate-Fault": "throw", "X-Gate-Marker": mark},
        json={"email": "jo@example.test", "password": "bodyPassword8810", "cardNumber": "4111111111111111"},
    )
    assert response.status_code == 500, response.text


def leaked(payload: bytes) -> set[str]:
    secrets = {
        "authorization": b"hdrAuthCanary7731",
        "cookie": b"ckiCanary5512",
        "x-api-key": b"keyCanary9920",
        "x-forwarded-for": b"203.0.113.77",
        "query": b"qryCode4471",
        "password": b"bodyPassword8810",
        "card": b"4111111111111111",
    }
    return {name for name, secret in secrets.items() if secret in payload}

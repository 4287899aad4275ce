"""The Express + Vue reference target (targets/express_vue), seen through the real ingest.

What issue 3 asks of this target and these tests show: the run-time contract (ready line, healthy within
5 s, the browser config injected at run time, gate routes only with the token, source maps never served);
sending on or off per mode, beside a positive control, with the declared ``sample_rate`` of each mode;
release and environment on events; the hardened variant's scrubbing against the seed's; a click in
Chromium that reaches the ingest with a debug ID and frames that resolve to the throw-site list; replays
of an error session; graceful shutdown; the build cache and build-time variants; and that every mutant of
targets/MUTANTS.md this target implements changes the behaviour it names.

To stay fast, every server configuration starts at once (a few in parallel) against one fake Spotify, and
pages share one Chromium. Waits are on conditions with deadlines (the ingest's long-poll, Playwright's
``wait_for_function``), never sleeps.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import time
import uuid
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.ingest import IngestClient, ProjectHandle
from harness.targets.fixtures import TargetFactory, unavailable
from harness.targets.spotify import FakeSpotify
from harness.targets.target import Target

from .support import FULL_RATES, MUTANT_FLEET, catalogue, envelope_headers

# One worker runs the whole module (with `--dist loadgroup`): its servers start once, not once per worker.
pytestmark = [pytest.mark.node, pytest.mark.xdist_group("express_vue")]

REPO = Path(__file__).resolve().parents[2]
EXPRESS = REPO / "targets" / "express_vue"
SERVER = EXPRESS / "server"
CLIENT = EXPRESS / "client"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
RELEASE = "express-vue-test@1.0.0"
NAMESPACES = ("production", "privacy", "release", "chaos", "performance")

# The fake Spotify's profile, shown as text on the profile page and answered by /v1/me.
SPOTIFY_NAME = "Zyxwa Qvnlor"
SPOTIFY_EMAIL = "qvnlor.zyxwa@spotify-canary.test"


def marker() -> str:
    return f"mk{uuid.uuid4().hex[:16]}"


# ---- the mutant catalogue -------------------------------------------------------------------------


def js_array(path: Path, name: str) -> list[str]:
    match = re.search(rf"{name}\s*=\s*Object\.freeze\(\[(.*?)\]\)", path.read_text(), re.S)
    assert match, f"{name} not found in {path}"
    return re.findall(r"'([a-z0-9-]+)'", match.group(1))


def test_mutant_catalogue_is_complete_and_matches_the_code() -> None:
    rows = catalogue()
    names = [r["name"] for r in rows]
    assert len(rows) >= 25
    assert len(set(names)) == len(names), "duplicate mutant names"
    for row in rows:
        assert row["area"] in NAMESPACES, row
        assert row["check"].split(".")[0] in NAMESPACES, row
        assert row["check"].split(".")[0] == row["area"] or row["name"] == "no-release", row
        assert row["when"] in ("run", "build", "pipeline"), row
        assert {row["express"], row["python"], row["client"]} <= {"yes", "-"}, row
        assert row["breaks"], row
    for area in NAMESPACES:
        assert any(r["area"] == area for r in rows), f"no mutant in {area}"
    server_js = SERVER / "src" / "config" / "mutants.mjs"
    assert sorted(js_array(server_js, "MUTANTS")) == sorted(names)
    assert sorted(js_array(server_js, "BUILD_MUTANTS")) == sorted(r["name"] for r in rows if r["when"] == "build")
    client_js = CLIENT / "src" / "config" / "mutants.js"
    assert sorted(js_array(client_js, "CLIENT_MUTANTS")) == sorted(r["name"] for r in rows if r["client"] == "yes")


# ---- installs and builds ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def node() -> str:
    node = shutil.which("node")
    if node is None:
        unavailable("Node.js (`node`) is not on PATH")
        raise AssertionError("unreachable")
    for needed in (SERVER / "node_modules" / "@sentry" / "node", CLIENT / "dist" / "index.html"):
        if not needed.exists():
            unavailable(f"{needed.relative_to(REPO)} is missing: run targets/express_vue/build.sh")
    return node


def build(*variants: str) -> str:
    done = subprocess.run(
        ["bash", str(EXPRESS / "build.sh"), *variants], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_build_is_cached_and_lists_throw_sites(node: str) -> None:
    build()  # a no-op after `make`; builds when the sources changed since
    out = build()
    assert "up to date client/dist" in out, out  # the second call rebuilt nothing
    check = subprocess.run(
        [node, "scripts/throw-sites.mjs", "--check"], cwd=CLIENT, capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stderr
    sites = {s["id"]: s for s in json.loads((CLIENT / "throw-sites.json").read_text())["sites"]}
    assert set(sites) == {"click-throw", "click-reject", "failing-api"}
    for site in sites.values():
        line = (CLIENT / site["file"]).read_text().splitlines()[site["line"] - 1]
        assert line[site["column"] - 1 :].startswith("Error("), site


def bundle(dist: Path) -> tuple[str, dict[str, Any]]:
    [js] = sorted((dist / "assets").glob("index-*.js"))
    return js.read_text(), json.loads(Path(f"{js}.map").read_text())


def test_default_build_has_hidden_maps_with_debug_ids(node: str) -> None:
    code, source_map = bundle(CLIENT / "dist")
    assert "sourceMappingURL" not in code
    debug_id = re.search(r"//# debugId=([0-9a-f-]{36})\s*$", code)
    assert debug_id, "no debugId comment"
    assert source_map["debugId"] == debug_id.group(1)
    assert "<!--gate:config-->" in (CLIENT / "dist" / "index.html").read_text()


# ---- source maps: a small reader, enough to resolve one position ----------------------------------

_B64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}


def _vlq(segment: str) -> list[int]:
    out, shift, value = [], 0, 0
    for ch in segment:
        digit = _B64[ch]
        value += (digit & 31) << shift
        if digit & 32:
            shift += 5
        else:
            out.append(-(value >> 1) if value & 1 else value >> 1)
            shift = value = 0
    return out


def resolve(source_map: dict[str, Any], line: int, column: int) -> tuple[str, int, int] | None:
    """The original (source, line, column), 1-based, of a 1-based generated position."""
    src = src_line = src_col = 0
    best = None
    for index, text in enumerate(source_map["mappings"].split(";")):
        gen_col = 0
        for segment in text.split(",") if text else []:
            fields = _vlq(segment)
            gen_col += fields[0]
            if len(fields) >= 4:
                src, src_line, src_col = src + fields[1], src_line + fields[2], src_col + fields[3]
                if index == line - 1 and gen_col <= column - 1:
                    best = (source_map["sources"][src], src_line + 1, src_col + 1)
        if index == line - 1:
            return best
    return None


def test_build_time_variants(node: str) -> None:
    build("maps-referenced", "no-debug-ids", "stale-maps", "no-sentry")
    # the browser-overhead baseline: the same app with not one byte of the SDK (the default build has it)
    without, without_map = bundle(CLIENT / "dist-no-sentry")
    with_sdk, _ = bundle(CLIENT / "dist")
    assert "sentry.javascript" in with_sdk
    assert "sentry.javascript" not in without
    assert not [s for s in without_map["sources"] if "@sentry" in s]
    assert len(without) < len(with_sdk) / 2
    assert "<!--gate:config-->" in (CLIENT / "dist-no-sentry" / "index.html").read_text()
    code, _ = bundle(CLIENT / "dist-maps-referenced")
    assert re.search(r"//# sourceMappingURL=index-[\w-]+\.js\.map", code)
    code, source_map = bundle(CLIENT / "dist-no-debug-ids")
    assert "//# debugId=" not in code
    assert "debugId" not in source_map
    served, served_map = bundle(CLIENT / "dist")
    _stale, stale_map = bundle(CLIENT / "dist-stale-maps")
    assert stale_map["debugId"] != served_map["debugId"]
    # The served bundle's throw site, looked up in the stale maps, lands on the wrong line (or nowhere).
    site = next(s for s in json.loads((CLIENT / "throw-sites.json").read_text())["sites"] if s["id"] == "click-throw")
    text = "gate client throw "
    served_lines = served.splitlines()
    line_no = next(i for i, line in enumerate(served_lines, 1) if text in line)
    col = served_lines[line_no - 1].index(text)
    col = served_lines[line_no - 1].rindex("Error(", 0, col) + 1
    good = resolve(served_map, line_no, col)
    assert good is not None
    assert (good[0].endswith(site["file"]), good[1]) == (True, site["line"]), good
    bad = resolve(stale_map, line_no, col)
    assert bad is None or (bad[0], bad[1]) != (good[0], good[1]), bad


def test_release_script_pipeline_mutants() -> None:
    def commands(mutant: str | None) -> list[str]:
        env = {**os.environ, "SENTRY_RELEASE": "r9", "GATE_RELEASE_DRY_RUN": "1", "SENTRY_ENVIRONMENT": "staging"}
        env.pop("GATE_MUTANT", None)
        if mutant:
            env["GATE_MUTANT"] = mutant
        done = subprocess.run(
            ["bash", str(EXPRESS / "release.sh")], env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        return [" ".join(line.split()[1:3]) + " " + line.split()[-1] for line in done.stdout.splitlines()]

    if not (CLIENT / "dist-stale-maps" / "index.html").exists():
        pytest.skip("client/dist-stale-maps not built (test_build_time_variants builds it)")
    assert commands(None) == [
        "releases new r9",
        f"sourcemaps upload {CLIENT / 'dist'}",
        "releases finalize r9",
        "deploys new staging",
    ]
    assert "sourcemaps upload" not in " ".join(commands("maps-not-uploaded"))
    assert commands("stale-maps")[1] == f"sourcemaps upload {CLIENT / 'dist-stale-maps'}"
    assert commands("release-not-finalized") == ["releases new r9", f"sourcemaps upload {CLIENT / 'dist'}"]


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


SERVER_START = ["--import", "./instrument.mjs", "./server.mjs"]


def test_unknown_mutant_stops_the_start(node: str) -> None:
    done = run_node(node, SERVER_START, {"GATE_MUTANT": "no-such-mutant", "PORT": "0"})
    assert done.returncode == 2
    assert "GATE_MUTANT=no-such-mutant" in done.stderr


# ---- attribution switches: what getSentryOptions hands the SDK ------------------------------------

# Runs getSentryOptions over each case's environment (beside a DSN, in production) and answers, per case, the
# option keys and the integrations the SDK would set up (its defaults for those options, then `integrations`
# applied as @sentry/core's getIntegrationsToSetup does, de-duplication aside), or the error thrown.
OPTIONS_PROBE = """
import * as Sentry from '@sentry/node';
import { readSettings } from './src/config/env.mjs';
import { getSentryOptions, knownIntegrationNames } from './src/config/sentry.mjs';

function probe(env) {
  try {
    const s = readSettings({ SENTRY_DSN: 'http://k@127.0.0.1:1/1', SENTRY_ENVIRONMENT: 'production', ...env });
    const options = getSentryOptions(s);
    const defaults = options.defaultIntegrations === false ? [] : Sentry.getDefaultIntegrations(options);
    const chosen = typeof options.integrations === 'function'
      ? options.integrations(defaults)
      : [...defaults, ...options.integrations];
    return {
      settings: { tracing: s.tracing, defaultIntegrations: s.defaultIntegrations, disabled: s.disabledIntegrations },
      keys: Object.keys(options),
      defaultIntegrations: options.defaultIntegrations ?? null,
      integrations: [...new Set(chosen.map((i) => i.name))],
    };
  } catch (error) {
    return { error: `${error.constructor.name}: ${error.message}` };
  }
}

const cases = JSON.parse(process.env.GATE_PROBE_CASES);
const answer = Object.fromEntries(Object.entries(cases).map(([key, env]) => [key, probe(env)]));
console.log(JSON.stringify({ known: knownIntegrationNames(), ...answer }));
"""


def probe_options(node: str, cases: dict[str, dict[str, str]]) -> dict[str, Any]:
    """OPTIONS_PROBE's answer for ``cases`` (key -> environment), in one Node process."""
    done = run_node(node, ["--input-type=module", "-e", OPTIONS_PROBE], {"GATE_PROBE_CASES": json.dumps(cases)})
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return answer


TRACING_KEYS = {"tracesSampleRate", "tracesSampler", "profileSessionSampleRate", "profileLifecycle"}


def test_switches_in_getSentryOptions(node: str) -> None:
    answer = probe_options(
        node,
        {
            "default": {},
            "tracing-off": {"SENTRY_TRACING": "off", **FULL_RATES},
            "tracing-off-sampler": {"SENTRY_TRACING": "false", "GATE_MUTANT": "slow-traces-sampler"},
            "sampler": {"GATE_MUTANT": "slow-traces-sampler"},
            "tracing-bad": {"SENTRY_TRACING": "maybe"},
            "defaults-off": {"SENTRY_DEFAULT_INTEGRATIONS": "off"},
            "disabled": {"SENTRY_DISABLED_INTEGRATIONS": " Http, CaptureConsole,,ProfilingIntegration,Http "},
            "defaults-off-disabled": {
                "SENTRY_DEFAULT_INTEGRATIONS": "0",
                "SENTRY_DISABLED_INTEGRATIONS": "CaptureConsole",
            },
            "unknown": {"SENTRY_DISABLED_INTEGRATIONS": "Htp,Http,console"},
        },
    )
    assert {"Http", "Express", "NodeFetch", "Console", "CaptureConsole", "ProfilingIntegration"} <= set(answer["known"])

    default = answer["default"]
    assert default["settings"] == {"tracing": True, "defaultIntegrations": True, "disabled": []}
    assert {"tracesSampleRate", "profileSessionSampleRate", "profileLifecycle"} <= set(default["keys"])
    assert "defaultIntegrations" not in default["keys"]
    assert {"Http", "Express", "Console", "ProfilingIntegration", "CaptureConsole"} <= set(default["integrations"])

    # Tracing off: no rate or sampler key at all, whatever the overrides and the sampler mutant say, and no
    # profiler nor tracing-only integrations; errors still go (beforeSend, the error integrations).
    assert "tracesSampler" in answer["sampler"]["keys"]  # the control
    for key in ("tracing-off", "tracing-off-sampler"):
        off = answer[key]
        assert off["settings"]["tracing"] is False
        assert not TRACING_KEYS & set(off["keys"]), key
        assert "beforeSend" in off["keys"]
        assert "ProfilingIntegration" not in off["integrations"]
        assert "Graphql" not in off["integrations"]
        assert {"Http", "Express", "OnUncaughtException", "CaptureConsole"} <= set(off["integrations"])
    assert answer["tracing-bad"]["error"] == "ConfigError: SENTRY_TRACING=maybe is not on/off"

    defaults_off = answer["defaults-off"]
    assert defaults_off["defaultIntegrations"] is False
    assert defaults_off["integrations"] == ["ProfilingIntegration", "CaptureConsole"]
    assert TRACING_KEYS - {"tracesSampler"} <= set(defaults_off["keys"])  # tracing untouched

    disabled = answer["disabled"]
    assert disabled["settings"]["disabled"] == ["Http", "CaptureConsole", "ProfilingIntegration"]
    assert not {"Http", "CaptureConsole", "ProfilingIntegration"} & set(disabled["integrations"])
    assert {"Express", "NodeFetch", "Console", "OnUnhandledRejection"} <= set(disabled["integrations"])
    assert answer["defaults-off-disabled"]["integrations"] == ["ProfilingIntegration"]

    error = answer["unknown"]["error"]
    assert error.startswith("ConfigError: SENTRY_DISABLED_INTEGRATIONS names unknown integration(s) Htp, console;")
    assert "known: " in error
    assert "Http" in error.split("known: ")[1]


def test_unknown_integration_switch_stops_the_start(node: str) -> None:
    done = run_node(node, SERVER_START, {"SENTRY_DISABLED_INTEGRATIONS": "Http,NoSuchIntegration", "PORT": "0"})
    assert done.returncode == 2, done.stderr
    assert "configuration error: SENTRY_DISABLED_INTEGRATIONS names unknown integration(s) NoSuchIntegration;" in (
        done.stderr
    )


def test_tracing_switch_off_reaches_the_sdk(factory: Callable[..., Target]) -> None:
    """SENTRY_TRACING=off beside rates of 1 (which the SDK would also read from its environment): errors
    arrive, transactions never; the control, the same without the switch, traces."""
    configs = {"off": {"SENTRY_TRACING": "off", **FULL_RATES}, "control": FULL_RATES}
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {key: pool.submit(factory, extra_env=env) for key, env in configs.items()}
        started = {key: f.result() for key, f in futures.items()}
    try:
        traced, failed = marker(), marker()
        for target in started.values():
            response = target.http.get("/monitoring/sentry-health", headers={"X-Gate-Marker": traced})
            assert response.status_code == 200
            throw(target, failed)
            settled(target)
        wait_until(server(started["control"]), mentions(traced), type="transaction")
        wait_until(server(started["off"]), mentions(failed), type="event")
        assert server(started["off"]).items("transaction") == []
        assert server(started["off"]).items("profile_chunk") == []
    finally:
        for target in started.values():
            target.stop()


# ---- running servers ----------------------------------------------------------------------------

# Every server configuration these tests need: key -> TargetFactory keyword arguments.
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
    # One per server-side mutant (express = yes, when = run); the build-time ones start in their test.
    **MUTANT_FLEET,
}
BUILD_TIME = ("maps-referenced", "no-debug-ids")


@pytest.fixture(scope="module")
def spotify(node: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeSpotify]:
    fake = FakeSpotify.start(tmp_path_factory.mktemp("spotify"))
    try:
        fake.set_user(display_name=SPOTIFY_NAME, email=SPOTIFY_EMAIL)
        yield fake
    finally:
        fake.stop()


@pytest.fixture(scope="module")
def factory(
    node: str, sentry_ingest: IngestClient, spotify: FakeSpotify, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., Target]]:
    targets = TargetFactory(sentry_ingest, tmp_path_factory.mktemp("express"), label="express_vue")

    def start(**kwargs: Any) -> Target:
        # A short upstream deadline keeps the timeout check quick; nothing else here is slow upstream.
        extra_env = {"SPOTIFY_TIMEOUT_MS": "1000", **kwargs.pop("extra_env", {})}
        release = kwargs.pop("release", RELEASE)
        return targets("express-vue", release=release, spotify_url=spotify.url, extra_env=extra_env, **kwargs)

    try:
        yield start
    finally:
        targets.stop_all()


@pytest.fixture(scope="module")
def production(factory: Callable[..., Target]) -> Target:
    """The hardened production target, started alone so its start-up time is its own."""
    return factory()


@pytest.fixture(scope="module")
def fleet(factory: Callable[..., Target], production: Target) -> dict[str, Target]:
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {key: pool.submit(factory, **kwargs) for key, kwargs in FLEET.items()}
        return {"production": production, **{key: f.result() for key, f in futures.items()}}


def server(target: Target) -> ProjectHandle:
    assert target.server_project is not None
    return target.server_project


def browser_project(target: Target) -> ProjectHandle:
    assert target.browser_project is not None
    return target.browser_project


def wait_until(
    project: ProjectHandle, predicate: Callable[[Any], bool], *, type: str | None = None, timeout: float = 10.0
) -> list[Any]:
    """Items of ``project`` matching ``predicate``, waiting (long-poll) until there is one or the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        items = project.items(type)
        found = [i for i in items if predicate(i)]
        if found:
            return found
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"nothing matched in project {project.id} after {timeout} s; it holds {items}")
        with contextlib.suppress(TimeoutError):
            project.wait_for_items(type, count=len(items) + 1, timeout=min(remaining, 5.0))


def mentions(text: str) -> Callable[[Any], bool]:
    return lambda item: text.encode() in item.payload


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


# ---- contract, modes, declared rates ---------------------------------------------------------------


def test_production_contract(production: Target, sentry_ingest: IngestClient) -> None:
    # time to healthy is measured by benchmarks/target_startup.py, not asserted here
    process = production.process
    assert process is not None
    assert re.search(r"^READY http://127\.0\.0\.1:\d+$", process.log_path.read_text(), re.M)
    health = production.http.get("/monitoring/health").json()
    assert health["status"] == "healthy"
    assert health["version"] == RELEASE
    assert health["environment"] == "production"
    assert health["sentry"]["enabled"] is True
    assert set(production.http.get("/monitoring/metrics").json()) >= {"uptime", "memory", "cpu", "timestamp"}
    assert production.http.get("/monitoring/sentry-health").json()["status"] == "operational"

    page = production.http.get("/errors").text
    config = json.loads(re.search(r"window\.__GATE_CONFIG__ = (\{.*?\})</script>", page).group(1))
    assert config["dsn"] == browser_project(production).dsn
    assert config["environment"] == "production"
    assert config["release"] == RELEASE
    assert config["variant"] == "hardened"
    assert config["mutant"] is None
    js = re.search(r'src="(/assets/index-[\w-]+\.js)"', page).group(1)
    assert production.http.get(js).status_code == 200
    assert production.http.get(f"{js}.map").status_code == 404

    assert production.http.post("/__gate/flush").status_code == 404
    assert production.http.post("/__gate/fault", headers={"X-Gate-Token": "wrong"}, json={}).status_code == 404

    mark = marker()
    throw(production, mark)
    [event] = wait_until(server(production), mentions(mark), type="event")
    assert event.release == RELEASE
    assert event.environment == "production"
    assert event.json()["tags"]["gate.marker"] == mark
    assert envelope_headers(sentry_ingest, event)["trace"]["sample_rate"] == "0.1"


@pytest.mark.parametrize(
    ("key", "rate"), [("staging", "0.5"), ("development-flag", "1"), ("m:dev-sends-without-flag", "1")]
)
def test_modes_that_send_declare_their_rate(
    fleet: dict[str, Target], sentry_ingest: IngestClient, key: str, rate: str
) -> None:
    target = fleet[key]
    mark = marker()
    throw(target, mark)
    [event] = wait_until(server(target), mentions(mark), type="event")
    assert event.release == RELEASE
    assert event.environment == target.options.environment
    assert envelope_headers(sentry_ingest, event)["trace"]["sample_rate"] == rate


@pytest.mark.parametrize("key", ["development", "test"])
def test_modes_that_stay_silent(fleet: dict[str, Target], key: str) -> None:
    target, control = fleet[key], fleet["development-flag"]
    mark = marker()
    for t in (target, control):
        throw(t, mark)
        t.http.get("/api/spotify/me", headers={"Authorization": "Bearer fake-1", "X-Gate-Marker": mark})
    assert target.http.post("/__gate/flush", headers=target.gate_headers()).json() == {
        "flushed": True,
        "enabled": False,
    }
    settled(target)
    wait_until(server(control), mentions(mark), type="event")  # the positive control did send
    assert server(target).items() == []


# ---- privacy: hardened against seed ---------------------------------------------------------------

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


def test_hardened_scrubs_what_the_seed_leaks(production: Target, fleet: dict[str, Target]) -> None:
    mark = marker()
    for target in (production, fleet["seed"]):
        leaky_login(target, mark)
    hardened = b"".join(i.payload for i in wait_until(server(production), mentions(mark), type="event"))
    seed = b"".join(i.payload for i in wait_until(server(fleet["seed"]), mentions(mark), type="event"))
    assert leaked(hardened) == set()
    # The seed deletes the four headers in production, but SDK 11 also parses cookies into
    # request.cookies (masking only "sensitive" names) and turns X-Forwarded-For into user.ip_address;
    # the OAuth query and the request body stay too.
    assert leaked(seed) == {"cookie", "x-forwarded-for", "query", "password", "card"}


# ---- server-side mutants ----------------------------------------------------------------------------


def _event_for(target: Target, mark: str, **params: Any) -> dict[str, Any]:
    throw(target, mark, **params)
    [event] = wait_until(server(target), mentions(mark), type="event")
    return dict(event.json())


def m_traces_rate_full(fleet: dict[str, Target], ingest: IngestClient) -> None:
    def declared(target: Target) -> str:
        mark = marker()
        throw(target, mark)
        [event] = wait_until(server(target), mentions(mark), type="event")
        return str(envelope_headers(ingest, event)["trace"]["sample_rate"])

    assert (declared(fleet["production"]), declared(fleet["m:traces-rate-full"])) == ("0.1", "1")


def m_profiling_off(fleet: dict[str, Target], ingest: IngestClient) -> None:
    mark = marker()
    for target in (fleet["full-rates"], fleet["m:profiling-off"]):
        for _ in range(3):
            target.http.get("/api/spotify/search", params={"q": "love"}, headers=spotify_headers(mark))
    wait_until(server(fleet["full-rates"]), lambda i: True, type="profile_chunk", timeout=15)
    settled(fleet["m:profiling-off"])
    assert wait_until(server(fleet["m:profiling-off"]), mentions(mark), type="transaction")  # traced, though
    assert server(fleet["m:profiling-off"]).items("profile_chunk") == []
    assert server(fleet["m:profiling-off"]).items("profile") == []


def m_no_release(fleet: dict[str, Target], ingest: IngestClient) -> None:
    assert _event_for(fleet["production"], marker()).get("release") == RELEASE
    assert _event_for(fleet["m:no-release"], marker()).get("release") is None


def m_wrong_environment(fleet: dict[str, Target], ingest: IngestClient) -> None:
    assert _event_for(fleet["m:wrong-environment"], marker())["environment"] == "development"


def m_dev_sends_without_flag(fleet: dict[str, Target], ingest: IngestClient) -> None:
    # fleet["development"] (same mode, unmutated) stays silent: test_modes_that_stay_silent.
    assert _event_for(fleet["m:dev-sends-without-flag"], marker())["environment"] == "development"


def m_kill_switch_ignored(fleet: dict[str, Target], ingest: IngestClient) -> None:
    def declared(target: Target) -> str:
        mark = marker()
        throw(target, mark)
        [event] = wait_until(server(target), mentions(mark), type="event")
        return str(envelope_headers(ingest, event)["trace"]["sample_rate"])

    assert (declared(fleet["kill-switch"]), declared(fleet["m:kill-switch-ignored"])) == ("0", "0.1")


def m_health_transactions_kept(fleet: dict[str, Target], ingest: IngestClient) -> None:
    mark = marker()
    control, mutant = fleet["full-rates"], fleet["m:health-transactions-kept"]
    for target in (control, mutant):
        target.http.get("/monitoring/health", headers={"X-Gate-Marker": mark})
        target.http.get("/api/spotify/search", params={"q": "x"}, headers=spotify_headers(mark))
    found = wait_until(
        server(mutant), lambda i: mark.encode() in i.payload and b"/health" in i.payload, type="transaction"
    )
    assert found
    settled(control)
    names = {i.json()["transaction"] for i in server(control).items("transaction") if mentions(mark)(i)}
    assert names == {"GET /api/spotify/search"}


def m_health_errors_kept(fleet: dict[str, Target], ingest: IngestClient) -> None:
    mark = marker()
    control, mutant = fleet["production"], fleet["m:health-errors-kept"]
    for target in (control, mutant):
        response = target.http.get(
            "/monitoring/health", headers={**target.gate_headers(), "X-Gate-Fault": "throw", "X-Gate-Marker": mark}
        )
        assert response.status_code == 500
    wait_until(server(mutant), mentions(mark), type="event")
    positive = marker()
    throw(control, positive)
    wait_until(server(control), mentions(positive), type="event")
    settled(control)
    assert [i for i in server(control).items("event") if mentions(mark)(i)] == []


def m_breadcrumbs_unbounded(fleet: dict[str, Target], ingest: IngestClient) -> None:
    control = _event_for(fleet["production"], marker(), breadcrumbs=80)
    mutant = _event_for(fleet["m:breadcrumbs-unbounded"], marker(), breadcrumbs=80)
    assert len(control["breadcrumbs"]) == 50
    assert len(mutant["breadcrumbs"]) > 50


def m_gate_routes_open(fleet: dict[str, Target], ingest: IngestClient) -> None:
    assert fleet["production"].http.post("/__gate/flush").status_code == 404
    assert fleet["m:gate-routes-open"].http.post("/__gate/flush").status_code == 200
    assert fleet["m:gate-routes-open"].http.post("/__gate/fault", json={"kind": "slow", "ms": 0}).status_code == 200


def _login_leaks(target: Target) -> set[str]:
    mark = marker()
    leaky_login(target, mark)
    return leaked(b"".join(i.payload for i in wait_until(server(target), mentions(mark), type="event")))


def m_headers_not_scrubbed(fleet: dict[str, Target], ingest: IngestClient) -> None:
    assert _login_leaks(fleet["m:headers-not-scrubbed"]) == {"cookie", "x-forwarded-for"}


def m_query_tokens_kept(fleet: dict[str, Target], ingest: IngestClient) -> None:
    assert _login_leaks(fleet["m:query-tokens-kept"]) == {"query"}


def m_request_bodies_sent(fleet: dict[str, Target], ingest: IngestClient) -> None:
    assert _login_leaks(fleet["m:request-bodies-sent"]) == {"password", "card"}


def m_maps_served_publicly(fleet: dict[str, Target], ingest: IngestClient) -> None:
    page = fleet["m:maps-served-publicly"].http.get("/").text
    js = re.search(r'src="(/assets/index-[\w-]+\.js)"', page).group(1)
    answer = fleet["m:maps-served-publicly"].http.get(f"{js}.map")
    assert answer.status_code == 200
    assert answer.json()["mappings"]


def m_blocking_transport(fleet: dict[str, Target], ingest: IngestClient) -> None:
    """Causal, not timed: the ingest holds the error's envelope 2 s and records it only when it answers.

    So when the failing request's answer reaches us, the hardened server (whose transport sends in the
    background) has not had the ingest's answer yet: the event is not recorded; the blocking mutant
    waited for that answer before answering, so its event is recorded by then. The hardened side fails
    only if its 500 takes longer than the 2 s hold after its envelope reached the ingest (it takes
    milliseconds); the mutant's side cannot fail by chance. Both events are then delivered."""
    recorded_when_answered = {}
    for key in ("production", "m:blocking-transport"):
        target = fleet[key]
        fault = server(target).add_fault("latency", latency_ms=2000, count=1)
        mark = marker()
        throw(target, mark)
        recorded_when_answered[key] = any(mentions(mark)(i) for i in server(target).items("event"))
        wait_until(server(target), mentions(mark), type="event")
        server(target).client.clear_faults(fault["id"])
    assert recorded_when_answered == {"production": False, "m:blocking-transport": True}, recorded_when_answered


def m_rate_limits_ignored(fleet: dict[str, Target], ingest: IngestClient) -> None:
    stored = {}
    for key in ("rate-limit-control", "m:rate-limits-ignored"):
        target = fleet[key]
        server(target).add_fault("status", status=429, retry_after=60, rate_limits="60:error:key", count=1)
        first, second = marker(), marker()
        throw(target, first)
        settled(target)  # the SDK has had the 429 answer
        assert any(r.status == 429 for r in server(target).requests()), key
        throw(target, second)
        settled(target)
        stored[key] = [i for i in server(target).items("event") if mentions(second)(i)]
    assert stored["rate-limit-control"] == []
    assert len(stored["m:rate-limits-ignored"]) == 1


def m_upstream_errors_swallowed(fleet: dict[str, Target], ingest: IngestClient) -> None:
    for key, status in (("production", 503), ("m:upstream-errors-swallowed", 200)):
        target = fleet[key]
        mark = marker()
        answer = target.http.get(
            "/api/spotify/search",
            params={"q": "fault:503"},
            headers={"Authorization": "Bearer fake-1", "X-Gate-Marker": mark},
        )
        assert answer.status_code == status, (key, answer.text)
        if status == 503:
            [event] = wait_until(server(target), mentions(mark), type="event")
            assert event.json()["tags"]["upstream.status"] == "503"
        else:
            assert answer.json() == {"tracks": {"items": [], "total": 0}}
            settled(target)
            assert [i for i in server(target).items("event") if mentions(mark)(i)] == []


def m_no_upstream_timeout(fleet: dict[str, Target], ingest: IngestClient) -> None:
    def call(key: str) -> tuple[int, float]:
        started = time.monotonic()
        answer = fleet[key].http.get(
            "/api/spotify/search",
            params={"q": "fault:slow:2500"},
            headers={"Authorization": "Bearer fake-1"},
            timeout=20,
        )
        return answer.status_code, time.monotonic() - started

    # Every server here runs with SPOTIFY_TIMEOUT_MS=1000 and the fake Spotify holds the search 2.5 s.
    # Only floors and answers: the control's 504 proves it gave up before the upstream answered (which
    # would have been a 200), after at least its 1 s timeout; the mutant's 200 after the whole 2.5 s
    # proves it waited. Both floors are injected, so a correct build cannot fail them by chance.
    with ThreadPoolExecutor(max_workers=2) as pool:
        control, mutant = pool.map(call, ("production", "m:no-upstream-timeout"))
    assert control[0] == 504, control
    assert control[1] > 0.9, control
    assert mutant[0] == 200, mutant
    assert mutant[1] >= 2.4, mutant


def m_no_flush_on_sigterm(fleet: dict[str, Target], ingest: IngestClient) -> None:
    # Request-mode session aggregates stay in the SDK until it is closed (or 60 s pass): what a clean
    # SIGTERM delivers and an abrupt exit loses.
    codes = {}
    for key in ("sigterm", "m:no-flush-on-sigterm"):
        target = fleet[key]
        for _ in range(3):
            target.http.get("/monitoring/health")
        process = target.process
        assert process is not None
        process.terminate()
        codes[key] = process.popen.wait(10)
    assert codes == {"sigterm": 0, "m:no-flush-on-sigterm": 0}
    wait_until(server(fleet["sigterm"]), lambda i: True, type="sessions")
    server(fleet["m:no-flush-on-sigterm"]).client.flush()
    assert server(fleet["m:no-flush-on-sigterm"]).items("sessions") == []


def m_slow_traces_sampler(fleet: dict[str, Target], ingest: IngestClient) -> None:
    """The sampler busy-waits 40 ms (GATE_MUTANT_DELAY_MS) before every decision, health requests included.

    Only lower bounds: each mutant request takes at least the 40 ms it busy-waits, by construction, and
    the control's fastest of seven health requests is faster than the mutant's fastest. A correct build
    fails that only if all seven control requests of a ~1 ms route took over 40 ms: never seen, and far
    below 1e-6 per run on this machine even with the other test worker busy."""

    def times_ms(target: Target) -> list[float]:
        times = []
        for _ in range(7):
            started = time.perf_counter()
            assert target.http.get("/monitoring/health").status_code == 200
            times.append((time.perf_counter() - started) * 1000)
        return sorted(times)

    control, mutant = times_ms(fleet["production"]), times_ms(fleet["m:slow-traces-sampler"])
    assert mutant[3] >= 40, (control, mutant)
    assert control[0] < mutant[0], (control, mutant)


SERVER_MUTANTS: dict[str, Callable[[dict[str, Target], IngestClient], None]] = {
    name.removeprefix("m_").replace("_", "-"): fn for name, fn in globals().items() if name.startswith("m_")
}


def test_every_server_mutant_has_a_demonstration() -> None:
    expected = {r["name"] for r in catalogue() if r["express"] == "yes" and r["when"] == "run"}
    assert set(SERVER_MUTANTS) == expected
    assert {k.removeprefix("m:") for k in FLEET if k.startswith("m:")} == expected


@pytest.mark.parametrize("mutant", sorted(SERVER_MUTANTS))
def test_server_mutant_changes_its_behaviour(
    fleet: dict[str, Target], sentry_ingest: IngestClient, mutant: str
) -> None:
    SERVER_MUTANTS[mutant](fleet, sentry_ingest)


@pytest.mark.parametrize("mutant", BUILD_TIME)
def test_build_time_mutant_is_served(factory: Callable[..., Target], mutant: str) -> None:
    build(mutant)
    target = factory(mutant=mutant)
    page = target.http.get("/").text
    js = re.search(r'src="(/assets/index-[\w-]+\.js)"', page).group(1)
    code = target.http.get(js).text
    if mutant == "maps-referenced":
        assert "//# sourceMappingURL=" in code
    else:
        assert "//# debugId=" not in code


def test_mutant_is_passed_to_the_page(fleet: dict[str, Target]) -> None:
    page = fleet["m:no-release"].http.get("/login").text
    assert '"mutant":"no-release"' in page
    assert f'"release":"{RELEASE}"' in page


# ---- the page in Chromium -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium(node: str) -> Iterator[Any]:
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is not installed (Debian package chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed")
        raise
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


PATCH_CONFIG = """(() => {
  const patch = PATCH;
  let value;
  Object.defineProperty(window, '__GATE_CONFIG__', {
    configurable: true,
    get() { return value; },
    set(v) { value = { ...v, ...patch, overrides: { ...(v.overrides || {}), ...(patch.overrides || {}) } }; },
  });
})()"""


def open_page(browser: Any, url: str, *, config: dict[str, Any] | None = None) -> Any:
    """A new page at ``url``; ``config`` entries replace those of the injected config (overrides merge).

    The patch is an init script wrapping the assignment of window.__GATE_CONFIG__, not a route: with request
    interception on, Chromium stalls the replay's compression worker and a replay flush hangs for ~45 s.
    """
    page = browser.new_context().new_page()
    if config is not None:
        page.add_init_script(PATCH_CONFIG.replace("PATCH", json.dumps(config)))
    page.goto(url)
    page.wait_for_function("window.__gate !== undefined", polling=100)
    return page


@pytest.mark.browser
def test_click_reaches_ingest_with_debug_id_and_resolvable_frames(
    chromium: Any, production: Target, sentry_ingest: IngestClient
) -> None:
    mark = marker()
    page = open_page(chromium, f"{production.url}/errors?marker={mark}")
    try:
        page.click("#throw")
        page.wait_for_function("document.querySelector('#errors-status').textContent === 'thrown'", polling=100)
        assert page.evaluate("window.__gate.flush(5000)") is True
    finally:
        page.context.close()
    [event] = wait_until(browser_project(production), mentions(mark), type="event")
    data = event.json()
    assert event.release == RELEASE
    assert event.environment == "production"
    assert envelope_headers(sentry_ingest, event)["trace"]["sample_rate"] == "0.1"
    frames = data["exception"]["values"][0]["stacktrace"]["frames"]
    top = frames[-1]
    assert top["filename"].startswith(f"{production.url}/assets/index-"), top
    code, source_map = bundle(CLIENT / "dist")
    debug_id = re.search(r"//# debugId=([0-9a-f-]{36})", code).group(1)
    assert {"type": "sourcemap", "code_file": top["filename"], "debug_id": debug_id} in data["debug_meta"]["images"]
    site = next(s for s in json.loads((CLIENT / "throw-sites.json").read_text())["sites"] if s["id"] == "click-throw")
    original = resolve(source_map, top["lineno"], top["colno"])
    assert original is not None
    assert original[0].endswith(site["file"]), original
    assert original[1:] == (site["line"], site["column"]), original


def recordings_of(project: ProjectHandle, replay_id: str) -> bytes:
    """Every recording segment of one replay, decoded and joined as JSON text."""
    request_ids = {i.request_id for i in project.items("replay_event") if i.json().get("replay_id") == replay_id}
    texts = []
    for item in project.items("replay_recording"):
        if item.request_id in request_ids:
            body = item.payload.split(b"\n", 1)[1]
            texts.append(zlib.decompress(body) if body[:1] == b"\x78" else body)
    return b"\n".join(texts)


REPLAY_CASES = {
    None: set(),
    "replay-inputs-unmasked": {"input"},
    "replay-text-unmasked": {"profile"},
    "replay-block-ignored": {"blocked"},
    "replay-network-authorization": {"bearer"},
    "replay-network-bodies": {"me-body", "login-body"},
}
BLOCKED_TEXT = "Blocked content: internal note 7F3A-BLOCK"  # client/src/pages/MediaPage.vue


def replay_leaks(text: bytes, bearer: str) -> set[str]:
    """What of the page's secrets a replay's recordings show, each looked for where it would leak.

    The card number is no canary here: the SDK's rrweb always masks inputs with autocomplete=cc-number.
    """
    decoded = text.decode("utf-8", "replace")
    masked_block = re.sub(r"\S", "*", BLOCKED_TEXT)
    checks = {
        "input": re.search(r'"(?:text|value)":"typed@example\.test"', decoded),
        "profile": re.search(rf'"textContent":"[^"]*{re.escape(SPOTIFY_NAME)}', decoded),
        # Blocked: neither the text nor its masked form (maskAllText) is recorded.
        "blocked": "7F3A-BLOCK" in decoded or f'"textContent":"{masked_block}"' in decoded or None,
        "bearer": re.search(rf'(?i)"authorization":"Bearer {re.escape(bearer)}"', decoded),
        "me-body": re.search(rf'"body":\{{.{{0,800}}?{re.escape(SPOTIFY_EMAIL)}', decoded, re.S),
        "login-body": re.search(r'"body":\{[^{}]*"cardNumber":"5555444433331111"', decoded),
    }
    return {name for name, hit in checks.items() if hit}


@pytest.mark.browser
def test_replay_privacy_and_its_mutants(chromium: Any, production: Target) -> None:
    """One page per case, in parallel tabs: the hardened replay hides what each replay mutant reveals."""
    pages = {}
    for mutant in REPLAY_CASES:
        config = {"mutant": mutant, "overrides": {"replaysSessionSampleRate": 1.0}}
        pages[mutant] = open_page(chromium, f"{production.url}/login", config=config)
    try:
        for page in pages.values():
            page.fill("#email", "typed@example.test")
            page.fill("#password", "typedPassword77")
            page.fill("#card-number", "5555444433331111")
            page.click("#login-submit")
        for page in pages.values():
            page.wait_for_selector("#spotify-email")
            page.click("text=Media")
            page.wait_for_selector("#blocked")
        bearer = {}
        replay_ids = {}
        for mutant, page in pages.items():
            # The SDK sends no replay younger than 5 s: wait for the replay's age, not a fixed time.
            page.wait_for_function("window.__gate.replayAgeMs() > 5100", timeout=15000, polling=100)
            bearer[mutant] = page.evaluate(
                "JSON.parse(sessionStorage.getItem('spotify-explorer-session')).spotifyToken"
            )
            replay_ids[mutant] = page.evaluate("window.__gate.replayId()")
            assert page.evaluate("window.__gate.flush(5000)") is True
    finally:
        for page in pages.values():
            page.context.close()
    project = browser_project(production)
    results = {}
    for mutant, replay_id in replay_ids.items():
        assert replay_id, mutant
        wait_until(project, lambda i, r=replay_id: i.json().get("replay_id") == r, type="replay_event")
        text = recordings_of(project, replay_id)
        assert text, mutant
        results[mutant] = replay_leaks(text, bearer[mutant])
    assert results == REPLAY_CASES


@pytest.mark.browser
def test_error_session_sends_replay_in_production(chromium: Any, production: Target) -> None:
    mark = marker()
    # The production session rate (0.05) would make one run in twenty a session replay, not the on-error
    # buffer this test is about: the session rate is 0 here, the on-error rate stays production's 1.0.
    no_session = {"overrides": {"replaysSessionSampleRate": 0}}
    project = browser_project(production)
    page = open_page(chromium, f"{production.url}/errors?marker={mark}", config=no_session)
    try:
        page.wait_for_function("window.__gate.replayAgeMs() > 5100", timeout=15000, polling=100)
        page.click("#throw")
        page.wait_for_function("window.__gate.replayId() !== null", polling=100)
        replay_id = page.evaluate("window.__gate.replayId()")
        # The SDK sends the buffer itself once the error's send succeeded, with the error's id in the
        # replay's context; the flush hook called before that moment sent the buffer without it (a race
        # CI lost once), so it is called only after the SDK's own send arrived.
        wait_until(project, lambda i: i.json().get("replay_id") == replay_id, type="replay_event")
        assert page.evaluate("window.__gate.flush(5000)") is True
    finally:
        page.context.close()
    [event] = wait_until(project, mentions(mark), type="event")
    assert event.json()["tags"]["replayId"] == replay_id
    replay_events = wait_until(project, lambda i: i.json().get("replay_id") == replay_id, type="replay_event")
    # A buffered (on-error) replay, sent because of this error.
    assert {r.json().get("replay_type") for r in replay_events} == {"buffer"}
    assert event.event_id in {e for r in replay_events for e in r.json().get("error_ids") or []}
    assert recordings_of(project, replay_id)


def test_fault_kinds(production: Target) -> None:
    marks = {kind: marker() for kind in ("reject", "status500", "log-error", "slow")}
    answers = {kind: production.fault(kind, mark, ms=50).status_code for kind, mark in marks.items()}
    assert answers == {"reject": 202, "status500": 500, "log-error": 200, "slow": 200}
    slow = production.http.get("/monitoring/health", headers={**production.gate_headers(), "X-Gate-Fault": "slow=300"})
    assert slow.status_code == 200
    assert slow.elapsed.total_seconds() >= 0.3
    rejected = wait_until(server(production), mentions(marks["reject"]), type="event")[0].json()
    assert rejected["exception"]["values"][0]["mechanism"]["type"] == "auto.node.onunhandledrejection"
    logged = wait_until(server(production), mentions(marks["log-error"]), type="event")[0].json()
    assert logged["level"] == "error"
    settled(production)
    assert [i for i in server(production).items("event") if mentions(marks["status500"])(i)] == []


@pytest.fixture(scope="module")
def preview_page(chromium: Any, production: Target) -> Iterator[Any]:
    """One production page; ``window.__gate.preview`` answers for any other injected config."""
    page = open_page(chromium, f"{production.url}/errors")
    try:
        yield page
    finally:
        page.context.close()


def preview(page: Any, patch: dict[str, Any]) -> dict[str, Any]:
    """The page's settings for ``patch``, with the Sentry.init options it builds from them under ``options``."""
    shown = page.evaluate("(patch) => window.__gate.preview(patch)", patch)
    return {**shown["settings"], "options": shown["options"]}


def preview_filter(page: Any, patch: dict[str, Any], hook: str, event: dict[str, Any]) -> str:
    kept = page.evaluate("([p, h, e]) => window.__gate.preview(p, h, e) !== null", [patch, hook, event])
    return "kept" if kept else "dropped"


FILTER_EVENTS = {
    "health": ["beforeSendTransaction", {"transaction": "/monitoring/health", "start_timestamp": 1, "timestamp": 2}],
    "short": ["beforeSendTransaction", {"transaction": "/search", "start_timestamp": 1, "timestamp": 1.004}],
    "extension": [
        "beforeSend",
        {
            "exception": {
                "values": [
                    {"value": "x", "stacktrace": {"frames": [{"filename": "chrome-extension://abcdef/content.js"}]}}
                ]
            }
        },
    ],
    "noise": ["beforeSend", {"exception": {"values": [{"value": "[vite] hot update failed"}]}}],
}

CLIENT_CASES: dict[str, tuple[dict[str, Any], Callable[[dict[str, Any], dict[str, Any]], bool]]] = {
    # mutant: (extra config for both runs, predicate(control_settings, mutant_settings))
    "browser-traces-rate-full": ({}, lambda c, m: (c["tracesSampleRate"], m["tracesSampleRate"]) == (0.1, 1)),
    "replay-session-rate-full": (
        {},
        lambda c, m: (c["replaysSessionSampleRate"], m["replaysSessionSampleRate"]) == (0.05, 1),
    ),
    "replay-on-error-off": ({}, lambda c, m: (c["replaysOnErrorSampleRate"], m["replaysOnErrorSampleRate"]) == (1, 0)),
    "no-release": ({}, lambda c, m: c["release"] == RELEASE and "release" not in m),
    "browser-release-mismatch": ({}, lambda c, m: m["release"] == f"{c['release']}-client"),
    "sdk-debug-on": ({}, lambda c, m: (c["options"]["debug"], m["options"]["debug"]) == (False, True)),
    "wrong-environment": ({}, lambda c, m: (c["environment"], m["environment"]) == ("production", "development")),
    "dev-sends-without-flag": (
        {"environment": "development"},
        lambda c, m: (c["enabled"], m["enabled"]) == (False, True),
    ),
    "kill-switch-ignored": (
        {"overrides": {"tracesSampleRate": 0}},
        lambda c, m: (c["tracesSampleRate"], m["tracesSampleRate"]) == (0, 0.1),
    ),
}
FILTER_CASES = {
    "health-transactions-kept": ({}, "health"),
    "short-transactions-kept": ({}, "short"),
    "extension-frames-kept": ({}, "extension"),
    "dev-noise-kept": ({"environment": "development", "enableSentry": True}, "noise"),
}


def test_every_client_mutant_has_a_demonstration() -> None:
    covered = set(CLIENT_CASES) | set(FILTER_CASES) | {m for m in REPLAY_CASES if m} | {"query-tokens-kept"}
    covered |= {"url-fragment-kept"}  # shown by tests/privacy/test_replay_mutants.py
    covered |= {"browser-keepalive-only"}  # the transport, not an option: tests/production/test_page_sends.py
    assert covered == {r["name"] for r in catalogue() if r["client"] == "yes"}


@pytest.mark.browser
@pytest.mark.parametrize("mutant", sorted(CLIENT_CASES))
def test_client_setting_mutant(preview_page: Any, mutant: str) -> None:
    extra, changed = CLIENT_CASES[mutant]
    control = preview(preview_page, {**extra, "mutant": None})
    broken = preview(preview_page, {**extra, "mutant": mutant})
    assert changed(control, broken), (control, broken)


@pytest.mark.browser
@pytest.mark.parametrize("mutant", sorted(FILTER_CASES))
def test_client_filter_mutant(preview_page: Any, mutant: str) -> None:
    extra, case = FILTER_CASES[mutant]
    hook, event = FILTER_EVENTS[case]
    assert preview_filter(preview_page, {**extra, "mutant": None}, hook, event) == "dropped"
    assert preview_filter(preview_page, {**extra, "mutant": mutant}, hook, event) == "kept"


@pytest.mark.browser
def test_init_applies_the_injected_mutant(chromium: Any, production: Target) -> None:
    """``preview`` runs the code init runs; this shows init itself takes the mutant from the injected config."""
    page = open_page(chromium, f"{production.url}/errors", config={"mutant": "browser-traces-rate-full"})
    try:
        assert page.evaluate("window.__gate.options.tracesSampleRate") == 1
    finally:
        page.context.close()


@pytest.mark.browser
def test_client_query_scrubbing_and_its_mutant(preview_page: Any) -> None:
    event = {
        "request": {"url": "http://x/api/auth/callback?code=pgCode31&state=pgState32"},
        "breadcrumbs": [{"category": "fetch", "data": {"url": "/api/auth/callback?code=pgCode31"}}],
    }
    script = "([p, e]) => JSON.stringify(window.__gate.preview(p, 'beforeSend', e))"
    hardened = preview_page.evaluate(script, [{"mutant": None}, event])
    broken = preview_page.evaluate(script, [{"mutant": "query-tokens-kept"}, event])
    assert "pgCode31" not in hardened
    assert "pgState32" not in hardened
    assert "code=[Filtered]" in hardened
    assert "pgCode31" in broken


@pytest.mark.browser
def test_development_page_is_silent_without_its_flag(chromium: Any, fleet: dict[str, Target]) -> None:
    results = {}
    for key in ("development", "development-flag"):
        page = open_page(chromium, f"{fleet[key].url}/errors")
        try:
            results[key] = page.evaluate("[window.__gate.enabled, window.__gate.settings.tracesSampleRate]")
        finally:
            page.context.close()
    assert results == {"development": [False, 1], "development-flag": [True, 1]}

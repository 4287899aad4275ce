"""harness.targets.lifecycle on a tiny app written here: build, start (services first), readiness, the
app's environment, and stop with the file's signal.

The app (``APP`` below) is a stdlib HTTP server on loopback: its port from ``--port``, from ``PORT``, or
one it picks and announces; ``/health`` answers 200, ``/env`` its environment as JSON; on a stop signal
it writes the signal's name to ``$STOP_FILE`` and exits 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.common.process import ProcessStartError
from harness.common.reaper import wait_gone
from harness.targetfile import Described, load_target_file
from harness.targets.lifecycle import TargetSetupError, TargetUnavailable, build, start_described
from harness.targets.options import TargetOptions
from harness.targets.target import Target

APP = """\
import json, os, signal, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

args = sys.argv[1:]
port = int(args[args.index("--port") + 1]) if "--port" in args else int(os.environ.get("PORT", "0"))


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            body = b"ok"
        elif self.path == "/env":
            body = json.dumps(dict(os.environ)).encode()
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def stop(signum, frame):
    if os.environ.get("STOP_FILE"):
        with open(os.environ["STOP_FILE"], "w") as fh:
            fh.write(signal.Signals(signum).name)
    sys.exit(0)


for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT):
    signal.signal(sig, stop)
server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
print("warming up", flush=True)
print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
server.serve_forever()
"""
ANNOUNCE = r"listening on (http://127\.0\.0\.1:\d+)"
OPTIONS = TargetOptions(release=None, fault_token=None)


@pytest.fixture
def started() -> Iterator[list[Target]]:
    """Targets a test started: stopped at teardown whatever the test did."""
    targets: list[Target] = []
    yield targets
    for target in targets:
        target.stop(timeout=5.0)


def describe(tmp_path: Path, body: str) -> Described:
    (tmp_path / "app.py").write_text(APP)
    file = tmp_path / "sentry-gate.toml"
    file.write_text(f'name = "tiny"\n{body}')
    return load_target_file(file)


def start(tmp_path: Path, started: list[Target], body: str, options: TargetOptions = OPTIONS, **kwargs: Any) -> Target:
    target = start_described(describe(tmp_path, body), options, tmp_path / "logs", **kwargs)
    started.append(target)
    return target


def environ_of(url: str) -> dict[str, str]:
    with httpx.Client(base_url=url, trust_env=False, timeout=10.0) as client:
        answer: dict[str, str] = client.get("/env").raise_for_status().json()
        return answer


def assert_stopped(*pids: int) -> None:
    assert wait_gone(pids, 5.0) == [], f"still running: {pids}"


# ---- the port and readiness ----------------------------------------------------------------------


def test_the_port_through_a_variable_and_ready_when_a_path_answers(tmp_path: Path, started: list[Target]) -> None:
    target = start(
        tmp_path,
        started,
        """
[app]
start = ["{python}", "app.py"]
port = { variable = "PORT" }
ready = { http = "/health" }
""",
    )
    assert target.url.startswith("http://127.0.0.1:")
    assert environ_of(target.url)["PORT"] == target.url.rsplit(":", 1)[1]
    assert target.process is not None
    assert target.process.running
    assert (tmp_path / "logs" / "tiny.log").is_file()


def test_the_port_in_the_command_and_ready_on_a_log_line(tmp_path: Path, started: list[Target]) -> None:
    target = start(
        tmp_path,
        started,
        """
[app]
start = ["{python}", "app.py", "--port", "{port}"]
ready = { log = "^listening on" }
""",
    )
    assert target.process is not None
    port = target.url.rsplit(":", 1)[1]
    argv = Path(f"/proc/{target.process.pid}/cmdline").read_text().split("\0")
    assert argv[-3:] == ["--port", port, ""]  # {port} filled in
    assert "PORT" not in environ_of(target.url)  # answers at once (the line comes after the bind); no variable


def test_the_port_the_app_announces(tmp_path: Path, started: list[Target]) -> None:
    target = start(
        tmp_path,
        started,
        f"""
[app]
start = ["{{python}}", "app.py"]
port = {{ variable = "PORT", announce = '{ANNOUNCE}' }}
""",
    )
    assert environ_of(target.url)["PORT"] == "0"  # the app picks its port itself
    assert target.process is not None
    announced = target.process.match(re.compile(ANNOUNCE))
    assert announced is not None
    assert target.url == announced.group(1)


def test_a_log_line_that_never_comes_stops_the_start(tmp_path: Path, started: list[Target]) -> None:
    body = '[app]\nstart = ["{python}", "app.py", "--port", "{port}"]\nready = { log = "^never$", timeout_s = 1 }\n'
    with pytest.raises(ProcessStartError, match="tiny was not ready within 1 s") as caught:
        start(tmp_path, started, body)
    assert "listening on http://127.0.0.1:" in str(caught.value)  # the log's tail


def test_a_path_that_never_answers_stops_the_start(tmp_path: Path, started: list[Target]) -> None:
    body = '[app]\nstart = ["{python}", "app.py", "--port", "{port}"]\nready = { http = "/missing", timeout_s = 1 }\n'
    with pytest.raises(ProcessStartError) as caught:
        start(tmp_path, started, body)
    first, *tail = str(caught.value).splitlines()
    assert first.startswith("tiny: http://127.0.0.1:")
    assert "/missing did not answer 2xx before the deadline (last: 404 " in first
    assert "<body>" in first  # the answer's body, flattened onto the one line
    assert any("listening on" in line for line in tail)


def test_an_app_that_exits_is_not_waited_for_until_the_deadline(tmp_path: Path, started: list[Target]) -> None:
    body = """
[app]
start = ["{python}", "-c", "print('boom: no database'); raise SystemExit(3)"]
port = { variable = "PORT" }
ready = { http = "/health", timeout_s = 60 }
"""
    exited = r"^tiny: exited with 3 before http://127\.0\.0\.1:\d+/health answered 2xx"
    with pytest.raises(ProcessStartError, match=exited) as caught:
        start(tmp_path, started, body)  # not "did not answer before the deadline", 60 s later
    assert "boom: no database" in str(caught.value)  # its output, all of it in the log by then


# ---- services and upstreams ----------------------------------------------------------------------

WITH_SERVICE = f"""
[app]
start = ["{{python}}", "app.py"]
port = {{ variable = "PORT" }}
ready = {{ http = "/health" }}

[services.fake-api]
start = ["{{python}}", "app.py"]
port = {{ announce = '{ANNOUNCE}' }}

[services.cache]
start = ["{{python}}", "app.py", "--port", "{{port}}"]
ready = {{ http = "/health" }}

[upstreams.api]
service = "fake-api"
variables = {{ API_URL = "{{url}}/v1", API_BASE = "{{url}}" }}
"""


def test_a_service_reaches_the_app_through_its_upstream_variables(tmp_path: Path, started: list[Target]) -> None:
    target = start(tmp_path, started, WITH_SERVICE)
    service_url = target.service_urls["fake-api"]
    env = environ_of(target.url)
    assert (env["API_URL"], env["API_BASE"]) == (f"{service_url}/v1", service_url)
    assert "API_URL" not in environ_of(service_url)  # the app's variables are the app's
    assert set(target.services) == {"fake-api", "cache"}  # an unreferenced service starts too
    assert httpx.get(f"{target.service_urls['cache']}/health", trust_env=False).status_code == 200


def test_an_upstream_url_given_replaces_its_service(tmp_path: Path, started: list[Target]) -> None:
    target = start(tmp_path, started, WITH_SERVICE, upstream_urls={"api": "http://127.0.0.1:9/proxy/"})
    assert "fake-api" not in target.services  # a fault proxy stands in front of nothing the gate started
    assert "cache" in target.services
    env = environ_of(target.url)
    assert (env["API_URL"], env["API_BASE"]) == ("http://127.0.0.1:9/proxy/v1", "http://127.0.0.1:9/proxy")


def test_a_failing_app_stops_the_services_started_for_it(tmp_path: Path) -> None:
    app = '[app]\nstart = ["{python}", "-c", "raise SystemExit(1)"]\nport = { variable = "PORT" }\n'
    body = app + 'ready = { log = "never" }\n[services.fake-api]' + WITH_SERVICE.split("[services.fake-api]")[1]
    with pytest.raises(ProcessStartError, match="tiny exited with 1 before it was ready"):
        start_described(describe(tmp_path, body), OPTIONS, tmp_path / "logs")
    assert (tmp_path / "logs" / "fake-api.log").is_file()
    assert (tmp_path / "logs" / "cache.log").is_file()
    assert [p for p in Path("/proc").iterdir() if p.name.isdigit() and _runs_from(p, tmp_path)] == []


def _runs_from(proc: Path, folder: Path) -> bool:
    try:
        return (proc / "cwd").resolve() == folder.resolve() and "app.py" in (proc / "cmdline").read_text()
    except OSError:
        return False


# ---- stop ----------------------------------------------------------------------------------------


def test_stop_sends_the_files_signals(tmp_path: Path, started: list[Target]) -> None:
    body = f"""
[app]
start = ["{{python}}", "app.py"]
env = {{ STOP_FILE = "app.stopped" }}
port = {{ variable = "PORT" }}
ready = {{ http = "/health" }}
stop_signal = "SIGINT"

[services.fake]
start = ["{{python}}", "app.py"]
env = {{ STOP_FILE = "service.stopped" }}
port = {{ announce = '{ANNOUNCE}' }}
stop_signal = "SIGQUIT"
"""
    target = start(tmp_path, started, body)
    app, service = target.processes[0], target.services["fake"]
    target.stop()
    assert (tmp_path / "app.stopped").read_text() == "SIGINT"
    assert (tmp_path / "service.stopped").read_text() == "SIGQUIT"
    assert (app.popen.returncode, service.popen.returncode) == (0, 0)  # stopped by asking, not killed
    assert_stopped(app.pid, service.pid)


# ---- the environment -----------------------------------------------------------------------------


def test_the_runners_sentry_and_proxy_settings_do_not_leak_in(
    tmp_path: Path, started: list[Target], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SENTRY_DSN", "http://developer@sentry.example.invalid/1")
    monkeypatch.setenv("SENTRY_TRACES_SAMPLE_RATE", "1")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example.invalid:3128")
    monkeypatch.setenv("https_proxy", "http://proxy.example.invalid:3128")
    monkeypatch.setenv("NODE_OPTIONS", "--inspect")
    monkeypatch.setenv("TINY_KEEP", "kept")
    body = WITH_SERVICE + '\n[sentry]\nserver_dsn = "SENTRY_DSN"\nenvironment = "APP_ENV"\n'
    options = TargetOptions(environment="staging", server_dsn="http://gate@127.0.0.1:1/2", fault_token=None)
    target = start(tmp_path, started, body, options)
    app_env = environ_of(target.url)
    assert app_env["SENTRY_DSN"] == "http://gate@127.0.0.1:1/2"  # the gate's, through the file's variable
    assert app_env["APP_ENV"] == "staging"
    assert "SENTRY_TRACES_SAMPLE_RATE" not in app_env
    for env in (app_env, environ_of(target.service_urls["fake-api"])):
        assert not {"HTTPS_PROXY", "https_proxy", "NODE_OPTIONS"} & set(env), env
        assert env["TINY_KEEP"] == "kept"  # the rest of the runner's environment stays
    assert "SENTRY_DSN" not in environ_of(target.service_urls["fake-api"])


# ---- build ---------------------------------------------------------------------------------------

BUILD = """
[app]
start = ["{python}", "app.py"]
port = { variable = "PORT" }
ready = { http = "/health" }

[app.build]
command = "echo b >> built.txt; echo build: $MODE"
env = { MODE = "release" }
"""


def test_a_build_runs_once_and_writes_its_log(tmp_path: Path, started: list[Target]) -> None:
    described = describe(tmp_path, BUILD)
    build(described, tmp_path / "logs")
    started.append(start_described(described, OPTIONS, tmp_path / "logs"))
    assert (tmp_path / "built.txt").read_text() == "b\n"  # once: starting does not build again
    assert (tmp_path / "logs" / "tiny-build.log").read_text() == "build: release\n"


def test_no_build_is_nothing_to_do(tmp_path: Path) -> None:
    assert build(describe(tmp_path, '[app]\nurl = "http://127.0.0.1:9"\n'), tmp_path / "logs") == 0.0
    assert not (tmp_path / "logs").exists()


def test_a_failing_build_is_a_setup_error_with_its_last_output(tmp_path: Path) -> None:
    body = (
        BUILD.split("[app.build]", maxsplit=1)[0]
        + '[app.build]\ncommand = "echo compiling; echo build-broke >&2; exit 4"\n'
    )
    with pytest.raises(TargetSetupError, match=r"app\.build\.command 'sh -c echo compiling.*' exited 4") as caught:
        build(describe(tmp_path, body), tmp_path / "logs")
    assert str(caught.value).splitlines()[-2:] == ["compiling", "build-broke"]


# ---- what cannot run here ------------------------------------------------------------------------


def test_a_missing_requirement_or_program_is_unavailable(tmp_path: Path) -> None:
    base = '[app]\nstart = ["{python}", "app.py"]\nport = { variable = "PORT" }\nready = { http = "/health" }\n'
    needs = base + 'requires = [{ path = "dist/index.html", hint = "run make build" }]\n'
    with pytest.raises(TargetUnavailable, match=r"^tiny: dist/index\.html is missing \(run make build\)$"):
        start_described(describe(tmp_path, needs), OPTIONS, tmp_path / "logs")
    absent = base.replace('"{python}", "app.py"', '"no-such-program-here", "app.py"')
    with pytest.raises(TargetUnavailable, match="tiny: no-such-program-here not found"):
        start_described(describe(tmp_path, absent), OPTIONS, tmp_path / "logs")
    assert not (tmp_path / "logs").exists()  # nothing started


def test_a_url_is_a_target_without_processes(tmp_path: Path) -> None:
    target = start_described(describe(tmp_path, '[app]\nurl = "http://127.0.0.1:9"\n'), OPTIONS, tmp_path / "logs")
    assert (target.name, target.url, target.processes, target.services) == ("tiny", "http://127.0.0.1:9", [], {})
    assert not (tmp_path / "logs").exists()

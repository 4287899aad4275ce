"""Bad target files, end to end: ``sentry-gate run --target FILE`` in a subprocess exits 2 and says why.

A file the model refuses stops the run before anything starts, with one line naming the file, the line
(marked ``# <-`` below) and the key. A file that is valid but whose app cannot be built or started is a
set-up error found by the run's preflight (harness/cli/preflight.py), with the command's last output.
Either way no process the run started survives it: every app, service and build below carries a token
of its own (``CASE_TOKEN`` in its environment, a folder in its command line), and after the run no live
process carrying the run's marker (`harness.common.reaper.RUN_MARKER`) also carries that token.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.common.reaper import RUN_MARKER, wait_gone

pytestmark = pytest.mark.slow  # 16 runs of the CLI; the set-up failures start an ingest and a reaper each

SERVE = '["python3", "-m", "http.server", "--bind", "127.0.0.1", "--directory", "@DIR@", "{port}"]'
"""An app for the runtime cases: serves @DIR@ (this case's own folder) on loopback, 404 for anything else."""
SERVICE = f"""
[services.files]
start = {SERVE}
env = {{ CASE_TOKEN = "@TOKEN@" }}
ready = {{ http = "/", timeout_s = 10 }}
"""
"""A service that starts fine: the runtime cases that fail after it must stop it too."""


@dataclass(frozen=True)
class Case:
    text: str
    """The target file; ``@TOKEN@`` and ``@DIR@`` are this case's token and folder."""
    key: str | None = None
    """For a file the model refuses: the dotted key its one line names (at the line marked ``# <-``)."""
    shows: tuple[str, ...] = ()
    """Words the output must show (the message, or the failing command's last output)."""
    args: tuple[str, ...] = ()
    setup_error: bool = False
    """The file is valid; the run's preflight fails (a report is written, with the error in it)."""


HEAD = 'name = "bad-target"\n'
STARTED = f'[app]\nstart = {SERVE}\nenv = {{ CASE_TOKEN = "@TOKEN@" }}\nready = {{ http = "/" }}\n'

CASES: dict[str, Case] = {
    "unknown key": Case(
        HEAD + f'[app]\nstart = {SERVE}\nready = {{ http = "/", timeuot_s = 5 }}  # <-\n',
        key="app.ready.timeuot_s",
        shows=("unknown key (a typo? see docs/target-file.md)",),
    ),
    "wrong type": Case(
        HEAD + STARTED + 'stop_timeout_s = "10"  # <-\n',
        key="app.stop_timeout_s",
        shows=("Input should be a valid number, got '10'",),
    ),
    "a field a check needs, missing": Case(
        HEAD + STARTED + '[traffic.requests.login]  # <-\nmethod = "POST"\n',
        key="traffic.requests.login.path",
        shows=("missing (required)",),
    ),
    "a field a check needs, invalid": Case(
        HEAD + STARTED + '[sentry]\nserver_dsn = "SENTRY-DSN"  # <-\n',
        key="sentry.server_dsn",
        shows=("'SENTRY-DSN' is not an environment variable name",),
    ),
    "a rate out of range": Case(
        HEAD + STARTED + "[environments.production]\ntraces_sample_rate = 1.5  # <-\n",
        key="environments.production.traces_sample_rate",
        shows=("less than or equal to 1",),
    ),
    "an unknown canary placeholder": Case(
        HEAD + STARTED + '[traffic.requests.search]\npath = "/search"\nquery = { q = "{canary.query}" }  # <-\n',
        key="traffic.requests.search.query",
        shows=("unknown placeholder {canary.query}",),
    ),
    "an unknown environment in an expectation": Case(
        HEAD + STARTED + '[expect]\ndefault_environment = "prod"  # <-\n[environments.production]\nsends = true\n',
        key="expect.default_environment",
        shows=("'prod' is not one of [environments] (production)",),
    ),
    "a working folder that is not there": Case(
        HEAD + STARTED + 'cwd = "server"  # <-\n', key="app.cwd", shows=("no such folder 'server'",)
    ),
    "not TOML": Case('name = "bad-target  # <-\n[app]\n', key="", shows=("not valid TOML: Illegal character",)),
    "--environment not declared in the file": Case(
        HEAD + STARTED + "[environments.production]\nsends = true\n",
        args=("--environment", "staging"),
        shows=("--environment 'staging' is not declared in @FILE@ (it declares production)",),
    ),
    "a readiness path that never answers": Case(
        HEAD + STARTED.replace('ready = { http = "/" }', 'ready = { http = "/never", timeout_s = 2 }'),
        setup_error=True,
        shows=("@FILE@: app.start: did not start: bad-target: http://127.0.0.1:", "/never did not answer 2xx", "404"),
    ),
    "a start command that exits at once": Case(
        HEAD
        + "[app]\n"
        + """start = ["python3", "-c", "import sys; print('boom: cannot start'); sys.exit(3)"]\n"""
        + 'port = { variable = "PORT" }\nready = { http = "/" }\n'
        + SERVICE,
        setup_error=True,
        shows=("@FILE@: app.start: did not start: bad-target: exited with 3", "boom: cannot start"),
    ),
    "a build that fails": Case(
        HEAD + STARTED + '[app.build]\ncommand = "echo build-broke >&2; exit 1"\nenv = { CASE_TOKEN = "@TOKEN@" }\n',
        setup_error=True,
        shows=("@FILE@: app.build.command 'sh -c echo build-broke >&2; exit 1' exited 1", "build-broke"),
    ),
    "a build whose output looks like markup": Case(  # printed as it is: "[/src/main.ts]" is no style tag
        HEAD + STARTED + "[app.build]\ncommand = \"echo '[/src/main.ts] error TS2304' >&2; exit 2\"\n"
        'env = { CASE_TOKEN = "@TOKEN@" }\n',
        setup_error=True,
        shows=("@FILE@: app.build.command", "exited 2", "[/src/main.ts] error TS2304"),
    ),
    "a required path missing": Case(
        HEAD + STARTED + 'requires = [{ path = "dist/index.html", hint = "run npm run build first" }]\n' + SERVICE,
        setup_error=True,
        shows=("@FILE@: app.start: cannot run here: bad-target: dist/index.html is missing (run npm run build first)",),
    ),
    "a start program not on PATH": Case(
        HEAD + STARTED.replace('"python3", "-m", "http.server"', '"sentry-gate-no-such-server"') + SERVICE,
        setup_error=True,
        shows=("@FILE@: app.start: cannot run here: bad-target: sentry-gate-no-such-server not found",),
    ),
}


def survivors(token: str) -> list[int]:
    """Live processes of any gate run (they carry its marker) that also carry ``token``."""
    marker, mine = f"{RUN_MARKER}=".encode(), token.encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            environ, cmdline = (proc / "environ").read_bytes(), (proc / "cmdline").read_bytes()
        except OSError:  # gone meanwhile (a zombie reads as empty)
            continue
        if marker in environ and (mine in environ or mine in cmdline):
            found.append(int(proc.name))
    return found


def run_gate(file: Path, reports: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "harness.cli", "run", "--profile", "privacy-audit", "--target", str(file)]
    return subprocess.run(
        [*command, "--reports", str(reports), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def marked_line(text: str) -> int:
    (number,) = [n for n, line in enumerate(text.splitlines(), start=1) if line.rstrip().endswith("# <-")]
    return number


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_a_bad_target_file_exits_2_says_why_and_leaves_nothing_running(tmp_path: Path, case: Case) -> None:
    token = uuid.uuid4().hex
    folder = tmp_path / token  # in the command line of every process the case starts
    folder.mkdir()
    file = tmp_path / "sentry-gate.toml"
    text = case.text.replace("@TOKEN@", token).replace("@DIR@", str(folder))
    file.write_text(text)

    result = run_gate(file, tmp_path / "reports", *case.args)

    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    for words in case.shows:
        assert words.replace("@FILE@", str(file)) in output, output
    if case.setup_error:  # the run started: its report says what failed
        summary = next((tmp_path / "reports").glob("*/summary.md")).read_text()
        assert case.shows[0].replace("@FILE@", str(file)).split(": ", 1)[1] in summary, summary
    else:  # refused before anything started: one line on stderr, nothing else
        (line,) = result.stderr.splitlines()
        assert result.stdout == ""
        if case.key is not None:
            key = f" {case.key}:" if case.key else ""
            assert line.startswith(f"sentry-gate: {file}:{marked_line(text)}:{key} "), line
        assert not (tmp_path / "reports").exists()
    assert wait_gone(survivors(token), 5.0) == [], "a process of the run survived it"


def test_the_survivor_scan_finds_a_marked_process(tmp_path: Path) -> None:
    """The positive control of the check above: a process with the marker and the token is found."""
    token = uuid.uuid4().hex
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()", token],
        stdin=subprocess.PIPE,
        env={RUN_MARKER: "control", "PATH": "/usr/bin:/bin"},
    )
    try:
        assert survivors(token) == [child.pid]
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(10)
    assert survivors(token) == []


def test_a_target_file_that_does_not_exist(tmp_path: Path) -> None:
    result = run_gate(tmp_path / "sentry-gate.toml", tmp_path / "reports")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"sentry-gate: --target '{tmp_path / 'sentry-gate.toml'}': no such file; name a target file,"
        " bundled:express-vue, bundled:python-api, or an http(s) URL"
    ]

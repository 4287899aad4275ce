"""harness.targetfile.load: a target file read from disk, and every problem as ONE line a user can act on.

Each bad file below marks the line its error must point at with ``# <-``; the error must be one line
``<file>:<that line>: <dotted key>: <what is wrong>``, a `UsageError` (exit 2 on the command line).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.errors import UsageError
from harness.targetfile import DEFAULT_NAME, TargetFileError, load_target_file, parse_target_file
from harness.targets.launcher import BUNDLED_TARGETS

from .support import FULL, MINIMAL

HEAD = 'name = "shop"\n'
URL = '[app]\nurl = "http://127.0.0.1:8000"\n'
STARTED = '[app]\nstart = ["serve", "--port", "{port}"]\nready = { http = "/health" }\n'


def marked_line(text: str) -> int:
    """The 1-based number of the line marked ``# <-``."""
    (number,) = [n for n, line in enumerate(text.splitlines(), start=1) if line.rstrip().endswith("# <-")]
    return number


def load_error(path: Path) -> str:
    with pytest.raises(TargetFileError) as caught:
        load_target_file(path)
    message = str(caught.value)
    assert "\n" not in message, message  # one line
    assert isinstance(caught.value, UsageError)  # exit 2
    return message


def assert_points_at(tmp_path: Path, text: str, key: str, words: str) -> str:
    """Write ``text`` as a target file, load it, and check the one-line error: file, marked line, key, words."""
    file = tmp_path / DEFAULT_NAME
    file.write_text(text)
    message = load_error(file)
    assert message.startswith(f"{file}:{marked_line(text)}: {key}: "), message
    assert words in message, message
    return message


# ---- valid files ---------------------------------------------------------------------------------


def test_a_minimal_file_loads(tmp_path: Path) -> None:
    file = tmp_path / DEFAULT_NAME
    file.write_text(MINIMAL)
    described = load_target_file(file)
    assert (described.name, described.path, described.root) == ("shop", file.resolve(), tmp_path.resolve())
    assert described.model.app.url == "http://127.0.0.1:8000"


def test_a_folder_means_its_target_file_and_paths_resolve_against_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "app" / "server").mkdir(parents=True)
    (tmp_path / "app" / "journeys.py").write_text("def run(page, url, canaries): pass\n")
    text = HEAD + STARTED + 'cwd = "server"\n[journey]\nfunction = "journeys.py:run"\n'
    (tmp_path / "app" / DEFAULT_NAME).write_text(text)
    monkeypatch.chdir(tmp_path / "app" / "server")  # wherever the run starts
    described = load_target_file(Path(".."))
    assert described.path == (tmp_path / "app" / DEFAULT_NAME).resolve()
    assert described.resolve(described.model.app.cwd) == (tmp_path / "app" / "server").resolve()
    assert described.resolve("/etc") == Path("/etc")
    assert described.replace(described.model.model_copy(update={"name": "other"})).path == described.path


def test_a_full_file_loads(tmp_path: Path) -> None:
    file = tmp_path / DEFAULT_NAME
    file.write_text(FULL)
    described = load_target_file(file)
    assert described.model.started
    assert set(described.model.traffic.requests) == {"login", "search", "boom"}


@pytest.mark.parametrize("name", sorted(BUNDLED_TARGETS))
def test_the_bundled_files_load(name: str) -> None:
    described = load_target_file(BUNDLED_TARGETS[name])
    assert described.name == name
    assert described.resolve(described.model.app.cwd).is_dir()  # the loader checked it too


# ---- one line naming file, line and key ----------------------------------------------------------

BAD_FILES = {
    "unknown top-level key": (HEAD + "bogus = 1  # <-\n" + URL, "bogus", "unknown key"),
    "unknown key in a table": (HEAD + URL + "strat = ['serve']  # <-\n", "app.strat", "unknown key"),
    "unknown key in an inline table": (
        HEAD + '[app]\nstart = ["serve", "{port}"]\nready = { http = "/", timeuot_s = 5 }  # <-\n',
        "app.ready.timeuot_s",
        "unknown key",
    ),
    "unknown key in a nested table": (
        HEAD + URL + "[expect]\nalpha = 0.01\n[expect.tolerance]\nserver = 0.1\nsever = 0.2  # <-\n",
        "expect.tolerance.sever",
        "unknown key",
    ),
    "unknown key in a dotted key": (
        HEAD + STARTED + 'port.varaible = "PORT"  # <-\n',
        "app.port.varaible",
        "unknown key",
    ),
    "unknown key in a service's inline table": (
        HEAD + URL + "[services.fake]\nstart = 'fake'\nport = { announce = '(u)', hots = 'x' }  # <-\n",
        "services.fake.port.hots",
        "unknown key",
    ),
    "unknown key in an array of tables": (
        HEAD + URL + '[[journey.steps]]\ngoto = "/"\n[[journey.steps]]\nclik = "a"  # <-\n',
        "journey.steps[1].clik",
        "unknown key",
    ),
    "a string for seconds": (
        HEAD + URL + 'stop_timeout_s = "10"  # <-\n',
        "app.stop_timeout_s",
        "valid number, got '10'",
    ),
    "a number for the name": ("name = 3  # <-\n" + URL, "name", "valid string, got 3"),
    "a string for a flag": (
        HEAD + URL + "[environments.production]\nsends = 'yes'  # <-\n",
        "environments.production.sends",
        "valid boolean, got 'yes'",
    ),
    "a string in a list of statuses": (
        HEAD + URL + "[traffic.requests.home]\npath = '/'\nstatus = ['200']  # <-\n",
        "traffic.requests.home.status[0]",
        "valid integer, got '200'",
    ),
    "a signal that is not one": (
        HEAD + URL + 'stop_signal = "SIGSTOP"  # <-\n',
        "app.stop_signal",
        "got 'SIGSTOP'",
    ),
    "another format version": ("version = 2  # <-\n" + HEAD + URL, "version", "got 2"),
    "a rate above 1": (
        HEAD + URL + "[environments.production]\ntraces_sample_rate = 1.5  # <-\n",
        "environments.production.traces_sample_rate",
        "less than or equal to 1",
    ),
    "a rate below 0": (
        HEAD + URL + "[environments.staging]\nsends = true\nreplays_session_sample_rate = -0.1  # <-\n",
        "environments.staging.replays_session_sample_rate",
        "greater than or equal to 0",
    ),
    "an unknown placeholder in a path": (
        HEAD + URL + "[traffic.requests.profile]\npath = '/u/{canary.ssn}'  # <-\n",
        "traffic.requests.profile.path",
        "unknown placeholder {canary.ssn}; known: email",
    ),
    "an unknown placeholder in an inline body": (
        HEAD + URL + "[traffic.requests.login]\nmethod = 'POST'\npath = '/login'\n"
        "json = { email = '{canary.mail}' }  # <-\n",
        "traffic.requests.login.json",
        "unknown placeholder {canary.mail}",
    ),
    "an unknown placeholder in a journey step": (
        HEAD + URL + "[journey]\nsteps = [{ fill = ['#q', '{canary.query}'] }]  # <-\n",
        "journey.steps",
        "unknown placeholder {canary.query}",
    ),
    "a sign-in naming no request": (
        HEAD + URL + "[traffic]\nsign_in = { request = 'login' }  # <-\n[traffic.requests.home]\npath = '/'\n",
        "traffic.sign_in.request",
        "'login' is not one of [traffic.requests]",
    ),
    "an upstream naming no service": (
        HEAD + URL + "[upstreams.payments]\nservice = 'fake-payments'  # <-\nvariables = { PAY_URL = '{url}' }\n",
        "upstreams.payments.service",
        "'fake-payments' is not one of [services]",
    ),
    "an unknown environment in an expectation": (
        HEAD + URL + "[expect]\ndefault_environment = 'prod'  # <-\n[environments.production]\nsends = true\n",
        "expect.default_environment",
        "'prod' is not one of [environments] (production)",
    ),
    "an environment name Sentry refuses": (
        HEAD + URL + '[environments."eu prod"]  # <-\nsends = true\n',
        "environments",
        "'eu prod' is not an environment name Sentry accepts",
    ),
    "both url and start": (
        HEAD + '[app]  # <-\nurl = "http://127.0.0.1:8000"\nstart = ["serve", "{port}"]\nready = { http = "/" }\n',
        "app",
        "give exactly one of url (the app runs already) and start (the gate starts it)",
    ),
    "neither url nor start": (HEAD + '[app]  # <-\ncwd = "."\n', "app", "give exactly one of url"),
    "a start the port cannot reach": (
        HEAD + '[app]  # <-\nstart = ["serve", "--port", "8000"]\nready = { http = "/" }\n',
        "app",
        "say how the port reaches the app: port.variable, port.announce or {port} in start",
    ),
    "a start with no readiness": (HEAD + '[app]  # <-\nstart = "serve --port {port}"\n', "app", "readiness"),
    "a readiness path without a slash": (
        HEAD + '[app]\nstart = "serve --port {port}"\nready.http = "health"  # <-\n',
        "app.ready.http",
        "a readiness path starts with /",
    ),
    "a required field missing": (
        HEAD + URL + "[gate_routes]  # <-\npage_hook = true\n",
        "gate_routes.token_variable",
        "missing (required)",
    ),
    "a request without a path": (
        HEAD + URL + "[traffic.requests.login]  # <-\nmethod = 'POST'\n",
        "traffic.requests.login.path",
        "missing (required)",
    ),
    "a journey function that is not file:function": (
        HEAD + URL + "[journey]\nfunction = 'journeys:run'  # <-\n",
        "journey.function",
        "not path/to/file.py:function",
    ),
    "an unknown rate variable": (
        HEAD + URL + "[sentry.rates]  # <-\ntrace_rate = 'TRACES'\n",
        "sentry.rates",
        "unknown rate 'trace_rate'",
    ),
}


@pytest.mark.parametrize(("text", "key", "words"), list(BAD_FILES.values()), ids=list(BAD_FILES))
def test_a_bad_file_is_one_line_with_file_line_and_key(tmp_path: Path, text: str, key: str, words: str) -> None:
    assert_points_at(tmp_path, text, key, words)


def test_more_problems_are_counted_not_listed(tmp_path: Path) -> None:
    text = HEAD + URL + "bogus = 1  # <-\nother = 2\n"
    message = assert_points_at(tmp_path, text, "app.bogus", "unknown key")
    assert message.endswith("(and 1 more)")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('name = "shop  # <-\n[app]\n', "Illegal character"),  # an unclosed string
        (HEAD + URL + "url = 'http://127.0.0.1:9'  # <-\n", "Cannot overwrite a value"),
        (HEAD + "[app]\nenv = { A = 'x',  # <-\n", "Invalid"),
        (HEAD + URL + "[app]  # <-\n", "Cannot declare"),
    ],
    ids=["unclosed string", "key set twice", "broken inline table", "table twice"],
)
def test_not_toml_is_one_line_with_file_and_line(tmp_path: Path, text: str, words: str) -> None:
    file = tmp_path / DEFAULT_NAME
    file.write_text(text)
    message = load_error(file)
    assert message.startswith(f"{file}:{marked_line(text)}: not valid TOML: "), message
    assert words in message, message


def test_not_toml_at_the_end_of_the_document_points_at_the_last_line(tmp_path: Path) -> None:
    file = tmp_path / DEFAULT_NAME
    file.write_text(HEAD + "[app]\nurl =")
    assert load_error(file).startswith(f"{file}:3: not valid TOML")


def test_a_missing_file(tmp_path: Path) -> None:
    message = load_error(tmp_path / "nope.toml")
    assert message == f"{tmp_path / 'nope.toml'}: no such file (sentry-gate init writes a starter file)"
    assert load_error(tmp_path).startswith(f"{tmp_path / DEFAULT_NAME}: no such file")  # a folder without one


def test_a_file_that_is_not_text(tmp_path: Path) -> None:
    file = tmp_path / DEFAULT_NAME
    file.write_bytes(b"name = '\xff\xfe'\n")
    assert load_error(file).startswith(f"{file}: cannot be read: ")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_a_file_that_cannot_be_read(tmp_path: Path) -> None:
    file = tmp_path / DEFAULT_NAME
    file.write_text(MINIMAL)
    file.chmod(0)
    assert load_error(file).startswith(f"{file}: cannot be read: ")


# ---- what needs the disk -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key", "folder"),
    [
        (HEAD + STARTED + 'cwd = "server"  # <-\n', "app.cwd", "server"),
        (HEAD + STARTED + '[app.build]\ncommand = "make"\ncwd = "../none"  # <-\n', "app.build.cwd", "../none"),
        (
            HEAD + URL + "[services.db]\nstart = 'db'\ncwd = 'db'  # <-\nready = { log = 'up' }\n",
            "services.db.cwd",
            "db",
        ),
    ],
    ids=["app", "build", "service"],
)
def test_a_working_folder_that_does_not_exist(tmp_path: Path, text: str, key: str, folder: str) -> None:
    message = assert_points_at(tmp_path, text, key, "no such folder")
    assert message.endswith(f": no such folder {folder!r}"), message


def test_a_url_app_may_name_any_working_folder(tmp_path: Path) -> None:
    """Without start, the app's cwd is never used: not a reason to refuse the file."""
    file = tmp_path / DEFAULT_NAME
    file.write_text(HEAD + URL + 'cwd = "nowhere"\n')
    assert load_target_file(file).model.app.cwd == "nowhere"


def test_a_journey_function_whose_file_does_not_exist(tmp_path: Path) -> None:
    text = HEAD + URL + "[journey]\nfunction = 'e2e/journey.py:run'  # <-\n"
    assert_points_at(tmp_path, text, "journey.function", "no such file 'e2e/journey.py'")
    (tmp_path / "e2e").mkdir()
    (tmp_path / "e2e" / "journey.py").write_text("def run(page, url, canaries): pass\n")
    assert load_target_file(tmp_path).model.journey is not None


def test_parse_names_the_source_it_was_given(tmp_path: Path) -> None:
    source = tmp_path / "elsewhere.toml"
    with pytest.raises(TargetFileError, match=rf"^{source}:2: bogus: unknown key"):
        parse_target_file(HEAD + "bogus = 1\n" + URL, source)

"""The target file's typed model: what a user says about their own app, validated before anything runs.

One pydantic model per table of ``sentry-gate.toml`` (docs/target-file.md is generated from these
classes' field descriptions). Every model forbids unknown keys, so a typo is an error with its key
rather than a silently ignored setting. Everything except how to reach the app (``[app] url`` or
``[app] start``) is optional: a check that needs a field the file leaves out is skipped, and its
reason names the field. Pure data: no I/O here (`harness.targetfile.load` reads and locates).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Final, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "CANARY_KINDS",
    "RATE_NAMES",
    "STOP_SIGNALS",
    "App",
    "Build",
    "Data",
    "EnvironmentPromise",
    "Expect",
    "GateRoutes",
    "Journey",
    "JourneyStep",
    "Port",
    "Readiness",
    "Request",
    "Requirement",
    "SentryVariables",
    "Service",
    "SignIn",
    "TargetFile",
    "Tolerance",
    "Traffic",
    "Upstream",
]

RATE_NAMES: Final = (
    "traces_sample_rate",
    "profiles_sample_rate",
    "browser_traces_sample_rate",
    "replays_session_sample_rate",
    "replays_on_error_sample_rate",
)
"""The sample rates an environment may promise, and a ``[sentry.rates]`` variable may carry."""
StopSignal = Literal["SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGKILL"]
STOP_SIGNALS: Final = get_args(StopSignal)
CANARY_KINDS: Final = ("email", "name", "phone", "card", "iban", "token", "password", "text", "marker")
"""The ``{canary.KIND}`` placeholders a request or journey step may carry (one fresh value per run)."""
_PLACEHOLDER = re.compile(r"\{canary\.([A-Za-z_]+)\}")
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")

Rate = Annotated[float, Field(ge=0.0, le=1.0)]
Seconds = Annotated[float, Field(gt=0.0, le=3600.0)]


class _Table(BaseModel):
    """Every table: unknown keys are errors, values are checked strictly (no "1" for 1), frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _names(value: Any) -> Any:
    """A variable list may be written as one name: ``environment = "SENTRY_ENVIRONMENT"``."""
    return [value] if isinstance(value, str) else value


def _check_variable(name: str) -> str:
    if not _VARIABLE.match(name):
        raise ValueError(f"{name!r} is not an environment variable name")
    return name


def _command(value: Any) -> Any:
    """A command is a list of arguments; a string is run by ``sh -c`` (pipes, ``&&``)."""
    return ["sh", "-c", value] if isinstance(value, str) else value


class Readiness(_Table):
    """When a started process counts as ready. Both may be given: the log line first, then the path."""

    http: str | None = Field(None, description="a path on the process's URL that answers 2xx once it is ready")
    log: str | None = Field(None, description="a regular expression one line of its output matches once it is ready")
    timeout_s: Seconds = Field(30.0, description="how long to wait for readiness before the run stops (exit 2)")

    @field_validator("http")
    @classmethod
    def _path(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("/"):
            raise ValueError("a readiness path starts with /")
        return value

    @field_validator("log")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from None
        return value


def _check_ready(ready: Readiness | None, port: Port) -> None:
    """A started process shows readiness by an announced URL, a log line or a path answering."""
    shown = ready is not None and (ready.http is not None or ready.log is not None)
    if not shown and port.announce is None:
        raise ValueError("say how readiness shows: ready.http (a path), ready.log (a line) or port.announce")


class Port(_Table):
    """How the port reaches the process. With ``announce`` the process binds a port itself (``variable``
    gets ``0``) and prints its URL; otherwise the gate picks a free loopback port and passes it in
    ``variable`` and in every ``{port}`` of the command and environment."""

    variable: str | None = Field(None, description="the environment variable the process reads its port from")
    announce: str | None = Field(
        None, description="a regular expression whose first group is the URL the process printed (it chose the port)"
    )
    host: str = Field("127.0.0.1", description="the interface the process listens on (loopback unless you say so)")

    @field_validator("variable")
    @classmethod
    def _variable(cls, value: str | None) -> str | None:
        return None if value is None else _check_variable(value)

    @field_validator("announce")
    @classmethod
    def _announce(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                groups = re.compile(value).groups
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from None
            if groups < 1:
                raise ValueError("the expression needs one group: the announced URL")
        return value


class Requirement(_Table):
    """Something that must exist before a process can start; the hint says how to get it."""

    path: str = Field(description="a path, relative to the process's working directory")
    hint: str = Field("", description="how to get it (shown when it is missing)")


class _Process(_Table):
    """What every process the gate starts shares (the app and each service): where and how it runs and stops."""

    cwd: str = Field(".", description="working directory, relative to the target file")
    env: dict[str, str] = Field(default_factory=dict, description="extra environment variables")
    port: Port = Field(default_factory=Port, description="how the port reaches the process")
    stop_signal: StopSignal = Field(
        "SIGTERM",
        description="the signal that asks it to stop (then SIGKILL after stop_timeout_s); the shutdown checks send it",
    )
    stop_timeout_s: Seconds = Field(10.0, description="how long a graceful stop may take")
    requires: list[Requirement] = Field(default_factory=list, description="what must exist before it starts")

    @field_validator("env")
    @classmethod
    def _env(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            _check_variable(name)
        return value


class Service(_Process):
    """A process started beside the app (a fake upstream, a database), with the app's lifecycle fields."""

    start: Annotated[list[str], Field(min_length=1)] = Field(
        description="the command: a list of arguments, or one string run by sh -c; {python} is the gate's Python"
    )
    ready: Readiness = Field(default_factory=Readiness, description="when the process counts as started")

    _start = field_validator("start", mode="before")(classmethod(lambda cls, v: _command(v)))

    @model_validator(mode="after")
    def _ready(self) -> Service:
        _check_ready(self.ready, self.port)
        return self


class Build(_Table):
    """A build run once per run before the app starts (an incremental build costs little when up to date)."""

    command: Annotated[list[str], Field(min_length=1)] = Field(description="the build command")
    cwd: str = Field(".", description="working directory, relative to the target file")
    env: dict[str, str] = Field(default_factory=dict, description="extra environment variables")
    timeout_s: Seconds = Field(900.0, description="how long the build may take")

    _command = field_validator("command", mode="before")(classmethod(lambda cls, v: _command(v)))


class App(_Process):
    """The app: a URL where it already runs, or how to build, start and stop it."""

    url: str | None = Field(None, description="the app's URL when the gate does not start it (no restarts then)")
    start: Annotated[list[str], Field(min_length=1)] | None = Field(
        None, description="the start command (a list, or a string run by sh -c)"
    )
    ready: Readiness | None = Field(None, description="when the app counts as started (with start)")
    build: Build | None = Field(None, description="the build run once per run before the app starts")

    _start = field_validator("start", mode="before")(classmethod(lambda cls, v: None if v is None else _command(v)))

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("an http(s) URL")
        return value

    @model_validator(mode="after")
    def _reachable(self) -> App:
        if (self.url is None) == (self.start is None):
            raise ValueError("give exactly one of url (the app runs already) and start (the gate starts it)")
        if self.start is not None:
            _check_ready(self.ready, self.port)
        implicit = self.port.variable is None and self.port.announce is None
        if self.start is not None and implicit and not any("{port}" in arg for arg in self.start):
            raise ValueError("say how the port reaches the app: port.variable, port.announce or {port} in start")
        return self


class SentryVariables(_Table):
    """The variables through which the gate's settings reach the app, and how Sentry is switched off."""

    server_dsn: list[str] = Field(default_factory=list, description="variables that carry the server SDK's DSN")
    browser_dsn: list[str] = Field(default_factory=list, description="variables that carry the browser SDK's DSN")
    browser_dsn_at: Literal["start", "build"] = Field(
        "start",
        description="when the page gets its DSN: at start, or baked in at build time (one build per run, "
        "a DSN fixed for the run; tests then tell their traffic apart by marking it)",
    )
    environment: list[str] = Field(default_factory=list, description="variables that carry the environment name")
    release: list[str] = Field(default_factory=list, description="variables that carry the release name")
    rates: dict[str, list[str]] = Field(
        default_factory=dict, description="for each sample rate (traces_sample_rate, …) the variables that set it"
    )
    off: dict[str, str] = Field(
        default_factory=dict,
        description="variables that switch Sentry off (with the DSN variables left unset); empty: unset DSNs only",
    )

    _lists = field_validator("server_dsn", "browser_dsn", "environment", "release", mode="before")(
        classmethod(lambda cls, v: _names(v))
    )

    @field_validator("server_dsn", "browser_dsn", "environment", "release")
    @classmethod
    def _variables(cls, value: list[str]) -> list[str]:
        return [_check_variable(v) for v in value]

    @field_validator("rates", mode="before")
    @classmethod
    def _rates(cls, value: Any) -> Any:
        if isinstance(value, dict):
            unknown = sorted(set(value) - set(RATE_NAMES))
            if unknown:
                raise ValueError(f"unknown rate {unknown[0]!r}; known: {', '.join(RATE_NAMES)}")
            return {k: _names(v) for k, v in value.items()}
        return value


class EnvironmentPromise(_Table):
    """What the app promises in one environment (by the app's own name for it)."""

    sends: bool = Field(True, description="whether the SDKs send at all without an explicit opt-in")
    enable_env: dict[str, str] = Field(
        default_factory=dict, description="variables that turn sending on where sends is false"
    )
    traces_sample_rate: Rate | None = Field(None, description="the server's traces sample rate")
    profiles_sample_rate: Rate | None = Field(None, description="the server's profiles sample rate")
    browser_traces_sample_rate: Rate | None = Field(None, description="the page's traces sample rate")
    replays_session_sample_rate: Rate | None = Field(None, description="the page's replay session rate")
    replays_on_error_sample_rate: Rate | None = Field(None, description="the page's replay on-error rate")
    max_breadcrumbs: Annotated[int, Field(ge=1)] | None = Field(None, description="the server's maxBreadcrumbs")
    browser_max_breadcrumbs: Annotated[int, Field(ge=1)] | None = Field(
        None, description="the page's maxBreadcrumbs (judged on the error the journey's error_steps raise)"
    )
    browser_attach_stacktrace: bool | None = Field(
        None, description="the page's attachStacktrace: a captured message carries a stack trace"
    )


class Tolerance(_Table):
    """How precisely the rate checks decide (each rate within ± this many parts of one)."""

    server: Annotated[float, Field(gt=0.0, lt=0.5)] = Field(0.02, description="server rates")
    browser: Annotated[float, Field(gt=0.0, lt=0.5)] = Field(0.1, description="browser rates")
    replay: Annotated[float, Field(gt=0.0, lt=0.5)] = Field(0.3, description="replay rates")


class Expect(_Table):
    """Run-wide settings of the expectation checks."""

    alpha: Annotated[float, Field(gt=0.0, lt=0.5)] = Field(
        0.05, description="run-wide false-alarm rate of the rate checks (Bonferroni over the run's rate checks)"
    )
    tolerance: Tolerance = Field(default_factory=Tolerance, description="the rate checks' stated precision")
    default_environment: str | None = Field(
        None, description="the environment a run checks when --environment is not given (else every one declared)"
    )
    release_health: bool = Field(
        False,
        description="the app sends release-health sessions: the release checks then require one (off: not judged)",
    )
    browser_drops: list[Literal["extension-frames", "dev-noise"]] = Field(
        default_factory=list,
        description=(
            "what the page's SDK promises to drop: errors whose frames are all in browser extensions,"
            " the browsers' known noise (ResizeObserver loop, non-Error rejections, cross-origin Script error.)"
        ),
    )


class Answer(_Table):
    """What a monitoring endpoint must answer. ``{release}`` and ``{environment}`` in a value are the run's;
    ``{last_event_id}`` is the id of the error event the gate made the app send just before asking."""

    status: list[int] = Field(default_factory=lambda: [200], description="the statuses it may answer")
    json_body: dict[str, Any] = Field(
        default_factory=dict,
        alias="json",
        description='keys its JSON answer must hold with these values ("*": any value, present)',
    )
    text: list[str] = Field(
        default_factory=list, description="regular expressions, each matching one line of its answer"
    )

    @field_validator("text")
    @classmethod
    def _patterns(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a regular expression: {exc}") from None
        return value


class Request(_Table):
    """One named request of the app's traffic; any part may carry ``{canary.KIND}`` placeholders."""

    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] = Field("GET", description="method")
    path: str = Field(description="the path, starting with /")
    query: dict[str, str] = Field(default_factory=dict, description="query parameters")
    headers: dict[str, str] = Field(default_factory=dict, description="request headers")
    json_body: Any = Field(None, alias="json", description="a JSON body")
    form: dict[str, str] | None = Field(None, description="a form body")
    kind: Literal["ordinary", "error", "health", "monitoring", "sentry-health"] = Field(
        "ordinary",
        description=(
            "ordinary traffic, a request that makes the app report an error, or a health, monitoring or"
            " Sentry-health endpoint (never traced, never an error)"
        ),
    )
    weight: Annotated[float, Field(ge=0.0)] = Field(1.0, description="its share of load traffic")
    status: list[int] = Field(default_factory=list, description="the statuses it may answer (empty: any below 500)")
    answer: Answer | None = Field(
        None, description="what a health, monitoring or Sentry-health endpoint must answer (its monitoring check)"
    )
    breadcrumbs: Annotated[int, Field(ge=1)] | None = Field(
        None,
        description=(
            "an error request: how many breadcrumbs it records before its error (one above twice the largest"
            " max_breadcrumbs lets the breadcrumb limit be judged)"
        ),
    )

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("a path starts with /")
        return value

    @model_validator(mode="after")
    def _one_body(self) -> Request:
        if self.json_body is not None and self.form is not None:
            raise ValueError("give json or form, not both")
        return self


class SignIn(_Table):
    """A sign-in request whose cookies and one answer value are carried into later requests."""

    request: str = Field(description="the name of the sign-in request in [traffic.requests]")
    cookies: bool = Field(True, description="carry the cookies it sets")
    take_json: str | None = Field(None, description="a dotted path into its JSON answer (e.g. access_token)")
    take_header: str | None = Field(None, description="a header of its answer")
    send_header: str = Field("Authorization", description="the header later requests carry the value in")
    send_format: str = Field("Bearer {value}", description="how the value is written into that header")


class Traffic(_Table):
    """The app's traffic: named requests, a sign-in, and think time between requests under load."""

    requests: dict[str, Request] = Field(default_factory=dict, description="named requests")
    sign_in: SignIn | None = Field(None, description="a sign-in step before the other requests")
    think_time_s: Annotated[list[float], Field(min_length=2, max_length=2)] = Field(
        default_factory=lambda: [0.0, 0.0], description="[min, max] seconds between one user's requests under load"
    )

    @model_validator(mode="after")
    def _sign_in_known(self) -> Traffic:
        if self.sign_in is not None and self.sign_in.request not in self.requests:
            raise ValueError(f"sign_in.request {self.sign_in.request!r} is not one of [traffic.requests]")
        return self


class JourneyStep(_Table):
    """One step of a simple browser journey: exactly one action."""

    goto: str | None = Field(None, description="a path to open")
    fill: list[str] | None = Field(None, description="[selector, value]: type a value into a field")
    click: str | None = Field(None, description="a selector to click")
    wait_for: str | None = Field(None, description="a selector to wait for")
    press: list[str] | None = Field(None, description="[selector, key]: press a key in a field")

    @model_validator(mode="after")
    def _one(self) -> JourneyStep:
        given = [k for k in ("goto", "fill", "click", "wait_for", "press") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("a step has exactly one of goto, fill, click, wait_for, press")
        for pair in (self.fill, self.press):
            if pair is not None and len(pair) != 2:
                raise ValueError("fill and press take [selector, value]")
        return self


class Journey(_Table):
    """The browser journey: a Python function in your repository, or a list of simple steps."""

    function: str | None = Field(
        None, description="path/to/file.py:function, called with a Playwright page, the base URL and the canaries"
    )
    steps: list[JourneyStep] = Field(default_factory=list, description="simple steps, run in order")
    error_steps: list[JourneyStep] = Field(
        default_factory=list,
        description="steps after which the page has reported an error of its own (a known bug a user can hit)",
    )
    hold_s: Annotated[float, Field(ge=0.0, le=120.0)] = Field(
        6.0, description="how long the tab stays open after the journey (past Replay's minimum duration)"
    )

    @field_validator("function")
    @classmethod
    def _function(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^[^:]+\.py:[A-Za-z_][A-Za-z0-9_]*$", value):
            raise ValueError("not path/to/file.py:function (a Python file, a colon, a function in it)")
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Journey:
        if self.function is not None and self.steps:
            raise ValueError("give function or steps, not both")
        return self


class Data(_Table):
    """Where sensitive data enters the app: the privacy audit plants canaries there and searches for them."""

    secrets: list[str] = Field(
        default_factory=list,
        description="variables holding secrets the app reads: never inherited from the runner (the privacy"
        " suites do not plant canary values in them yet)",
    )
    fixed: dict[str, str] = Field(
        default_factory=dict, description="label = value: sensitive values you already know (seeded test data)"
    )

    @field_validator("secrets")
    @classmethod
    def _variables(cls, value: list[str]) -> list[str]:
        return [_check_variable(v) for v in value]


class Upstream(_Table):
    """A service the app calls, by the variables that hold its base URL."""

    service: str | None = Field(None, description="a [services] entry that plays it (its URL is {url})")
    url: str | None = Field(None, description="its URL when no service plays it (loopback unless you say so)")
    variables: dict[str, str] = Field(
        description='variable = template, e.g. SPOTIFY_API_URL = "{url}/v1"', min_length=1
    )

    @model_validator(mode="after")
    def _one_source(self) -> Upstream:
        if (self.service is None) == (self.url is None):
            raise ValueError("give exactly one of service and url")
        for name in self.variables:
            _check_variable(name)
        return self


class GateRoutes(_Table):
    """Routes an app may implement for deeper checks: inject a fault, flush the SDK."""

    token_variable: str = Field(description="the variable that enables the routes and holds their token")
    token_header: str = Field("X-Gate-Token", description="the header the token travels in")
    fault: str = Field("/__gate/fault", description="POST {kind, marker}: raise a fault in the server")
    flush: str = Field("/__gate/flush", description="POST: flush the server SDK; answers when done")
    page_hook: bool = Field(False, description="the page exposes window.__gate (capture, flush)")
    variant_variable: str | None = Field(
        None, description="the variable that selects a whole configuration variant (the gate's own self-tests)"
    )
    mutant_variable: str | None = Field(
        None, description="the variable that plants one named Sentry mistake (the gate's own self-tests)"
    )

    @field_validator("token_variable", "variant_variable", "mutant_variable")
    @classmethod
    def _variable(cls, value: str | None) -> str | None:
        return None if value is None else _check_variable(value)


class TargetFile(_Table):
    """A whole ``sentry-gate.toml``."""

    version: Literal[1] = Field(1, description="the file format's version")
    name: str = Field(description="the target's name in reports and test ids (lower case, digits, . _ -)")
    app: App = Field(description="how to reach the app")
    services: dict[str, Service] = Field(default_factory=dict, description="processes started beside the app")
    sentry: SentryVariables = Field(default_factory=SentryVariables, description="how settings reach the app")
    environments: dict[str, EnvironmentPromise] = Field(
        default_factory=dict, description="by the app's own environment names, what it promises in each"
    )
    expect: Expect = Field(default_factory=Expect, description="run-wide settings of the expectation checks")
    traffic: Traffic = Field(default_factory=Traffic, description="the app's requests")
    journey: Journey | None = Field(None, description="the browser journey")
    data: Data = Field(default_factory=Data, description="where sensitive data enters")
    upstreams: dict[str, Upstream] = Field(default_factory=dict, description="services the app calls")
    gate_routes: GateRoutes | None = Field(None, description="optional test routes the app implements")
    waive: dict[str, str] = Field(
        default_factory=dict, description="criterion = reason: a profile criterion no check may cover, and why"
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("lower case letters, digits, '.', '_' and '-', starting with a letter or digit")
        return value

    @field_validator("environments")
    @classmethod
    def _environment_names(cls, value: dict[str, EnvironmentPromise]) -> dict[str, EnvironmentPromise]:
        for env_name in value:
            if not re.match(r"^[^\s/]{1,64}$", env_name) or env_name in {".", ".."}:
                raise ValueError(f"{env_name!r} is not an environment name Sentry accepts")
        return value

    @model_validator(mode="after")
    def _references(self) -> TargetFile:
        for name, upstream in self.upstreams.items():
            if upstream.service is not None and upstream.service not in self.services:
                raise ValueError(f"upstreams.{name}.service {upstream.service!r} is not one of [services]")
        default = self.expect.default_environment
        if default is not None and default not in self.environments:
            known = ", ".join(self.environments) or "none declared"
            raise ValueError(f"expect.default_environment {default!r} is not one of [environments] ({known})")
        for key, text in _placeholder_texts(self):
            for kind in _PLACEHOLDER.findall(text):
                if kind not in CANARY_KINDS:
                    known = ", ".join(CANARY_KINDS)
                    raise ValueError(f"{key} unknown placeholder {{canary.{kind}}}; known: {known}")
        return self

    @property
    def started(self) -> bool:
        """True when the gate starts the app (and so can restart it with other settings)."""
        return self.app.start is not None


def _placeholder_texts(model: TargetFile) -> list[tuple[str, str]]:
    """Every text that may carry a ``{canary.KIND}``, with the dotted key that sets it (for the error)."""
    texts: list[tuple[str, str]] = []
    for name, request in model.traffic.requests.items():
        key = f"traffic.requests.{name}"
        texts.append((f"{key}.path", request.path))
        texts += [(f"{key}.query", v) for v in request.query.values()]
        texts += [(f"{key}.headers", v) for v in request.headers.values()]
        texts += [(f"{key}.form", v) for v in (request.form or {}).values()]
        if request.json_body is not None:
            texts.append((f"{key}.json", repr(request.json_body)))
    if model.journey is not None:
        for step in model.journey.steps:
            texts += [("journey.steps", t) for t in (*(step.fill or []), *(step.press or []), step.goto or "")]
    return texts

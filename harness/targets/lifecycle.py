"""One lifecycle for every target: build, start (services first), wait until ready, stop, as the target
file says. The bundled apps and a user's app go through exactly this code.

- **Build** (`build`): the file's build command, once per run, in its own session with its output in a
  log; a failure is a `TargetSetupError` carrying the command's last output lines.
- **Start** (`start_described`): each ``[services]`` entry, then the app, each a
  `harness.common.process.ManagedProcess` (own process group, log file, readiness with a deadline).
  The port reaches a process through its variable, ``{port}`` in its command, or the URL it announces.
  Ready means: the announced URL or log line seen, then the readiness path answering 2xx.
- **Environment** (`app_environment`): what the gate says reaches the app only through the variables the
  file names (DSNs, environment, release, rates, upstream URLs, the gate routes' token); inherited
  variables that would change what the app sends, or where, are dropped first.
- **Stop**: the file's stop signal to each process group, then SIGKILL after its stop timeout; the app
  first, its services after it.

A prerequisite that is missing (a runtime not on PATH, a ``requires`` path) raises `TargetUnavailable`
(skipped in a developer's test run, an error in CI); a process that exits or never gets ready raises
`harness.common.process.ProcessStartError` with its log's tail.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import sys
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

import httpx

from harness.common.process import ManagedProcess, ProcessStartError
from harness.common.process import Readiness as ReadyWhen
from harness.errors import UsageError
from harness.targetfile.model import Readiness
from harness.targets.environ import inherited, service_environment
from harness.targets.target import Target

if TYPE_CHECKING:
    from pathlib import Path

    from harness.targetfile import Described
    from harness.targetfile.model import App, Service
    from harness.targets.options import TargetOptions

__all__ = [
    "TargetSetupError",
    "TargetUnavailable",
    "app_environment",
    "build",
    "check_runnable",
    "free_port",
    "start_described",
    "wait_answering",
]

BUILD_TAIL_LINES: Final = 15


class TargetUnavailable(RuntimeError):
    """A target cannot run here (its runtime or build is missing); the message says what to do."""


class TargetSetupError(UsageError):
    """The target could not be built or started: a set-up error (exit 2), with the command's last output."""


def free_port(host: str = "127.0.0.1") -> int:
    """A port free on ``host`` now (the OS picks it; a race with another binder is possible but rare)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _fill(text: str, values: Mapping[str, str]) -> str:
    """``{port}``, ``{python}``, ``{url}`` and the like replaced; other braces left alone."""
    return re.sub(r"\{([a-z_]+)\}", lambda m: values.get(m.group(1), m.group(0)), text)


def _named_variables(described: Described) -> set[str]:
    """Every variable the file says carries a gate setting (so none is inherited from the runner)."""
    model = described.model
    sentry = model.sentry
    named = {*sentry.server_dsn, *sentry.browser_dsn, *sentry.environment, *sentry.release, *sentry.off}
    for names in sentry.rates.values():
        named.update(names)
    for upstream in model.upstreams.values():
        named.update(upstream.variables)
    if model.gate_routes is not None:
        named.add(model.gate_routes.token_variable)
    if model.app.port.variable:
        named.add(model.app.port.variable)
    named.update(model.data.secrets)
    return named


def app_environment(
    described: Described,
    options: TargetOptions,
    *,
    upstream_urls: Mapping[str, str],
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The app's environment: inherited (cleaned), the file's own ``env``, then the gate's settings
    through the file's variables, then ``options.extra_env`` (None removes a variable)."""
    model = described.model
    sentry = model.sentry
    env = inherited(os.environ if base is None else base, _named_variables(described))
    env.update(model.app.env)
    values: dict[str, str | None] = {}
    for name in sentry.environment:
        values[name] = options.environment
    for name in sentry.release:
        values[name] = options.release
    for name in sentry.server_dsn:
        values[name] = options.server_dsn
    if sentry.browser_dsn_at == "start":
        for name in sentry.browser_dsn:
            values[name] = options.browser_dsn
    if model.gate_routes is not None:
        values[model.gate_routes.token_variable] = options.fault_token
    for upstream_name, upstream in model.upstreams.items():
        url = upstream_urls[upstream_name].rstrip("/")
        for variable, template in upstream.variables.items():
            values[variable] = _fill(template, {"url": url})
    # A variant and a mutant (the gate's self-tests), through the variables the file's gate routes name.
    routes = model.gate_routes
    overrides: list[tuple[str | None, str | None, str]] = [
        (
            options.variant if options.variant != "hardened" else None,
            routes.variant_variable if routes else None,
            "variant",
        ),
        (options.mutant, routes.mutant_variable if routes else None, "mutant"),
    ]
    for asked, carrier, what in overrides:
        if asked is None:
            continue
        if not carrier:
            raise ValueError(f"{described.path}: a {what} ({asked!r}) needs gate_routes.{what}_variable")
        values[carrier] = asked
    env.update({k: v for k, v in values.items() if v is not None})
    for key, value in options.extra_env.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def check_runnable(name: str, spec: App | Service, described: Described) -> None:
    """Raise `TargetUnavailable` if ``spec``'s program is not on PATH or a ``requires`` path is missing."""
    assert spec.start is not None
    cwd = described.resolve(spec.cwd)
    program = spec.start[0]
    on_path = program == "{python}" or shutil.which(program, path=os.environ.get("PATH")) is not None
    if not on_path and not (cwd / program).exists():
        raise TargetUnavailable(f"{name}: {program} not found (the start command in {described.path})")
    for need in spec.requires:
        if not (cwd / need.path).exists():
            hint = f" ({need.hint})" if need.hint else ""
            raise TargetUnavailable(f"{name}: {need.path} is missing{hint}")


def wait_answering(url: str, path: str, *, deadline: float, process: ManagedProcess | None = None) -> httpx.Response:
    """Probe ``url + path`` until it answers 2xx or the monotonic ``deadline`` passes; give up at once if
    ``process`` (the one that should answer) exits meanwhile."""
    last: str = "no answer"
    with httpx.Client(base_url=url, trust_env=False) as client:
        while True:
            if process is not None and (code := process.poll()) is not None:
                raise ProcessStartError(f"exited with {code} before {url}{path} answered 2xx")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ProcessStartError(f"{url}{path} did not answer 2xx before the deadline (last: {last})")
            try:
                response = client.get(path, timeout=max(0.1, remaining))
            except httpx.TransportError as exc:
                last = repr(exc)
            else:
                if 200 <= response.status_code < 300:
                    return response
                last = f"{response.status_code} {' '.join(response.text[:200].split())}"  # one line
            time.sleep(min(0.05, max(0.0, remaining)))  # sleep-ok: back-off between readiness probes


def _start_one(
    name: str,
    spec: App | Service,
    described: Described,
    *,
    env: dict[str, str],
    log_dir: Path,
    timeout: float | None,
) -> tuple[ManagedProcess, str]:
    """Start one process of the file and wait until it is ready; its process and URL."""
    assert spec.start is not None
    readiness = spec.ready or Readiness()
    cwd = described.resolve(spec.cwd)
    check_runnable(name, spec, described)
    port = spec.port
    values = {"python": sys.executable}
    announce = re.compile(port.announce) if port.announce else None
    if announce is None:
        values["port"] = str(free_port(port.host))
    if port.variable:
        env[port.variable] = values.get("port", "0")
    env.update({k: _fill(v, values) for k, v in spec.env.items()})
    argv = [_fill(arg, values) for arg in spec.start]
    log_line = re.compile(readiness.log) if readiness.log else None
    patterns = [p for p in (announce, log_line) if p is not None]

    def ready(process: ManagedProcess) -> bool:
        return all(process.match(p) is not None for p in patterns)

    wait = readiness.timeout_s if timeout is None else timeout
    started = time.monotonic()
    process = ManagedProcess.start(
        name,
        argv,
        log_path=log_dir / f"{name}.log",
        ready=ready if patterns else _started,
        timeout=wait,
        env=env,
        cwd=cwd,
    )
    try:
        if announce is not None:
            found = process.match(announce)
            assert found is not None
            url = found.group(1).rstrip("/")
        else:
            url = f"http://{port.host}:{values['port']}"
        if readiness.http is not None:
            wait_answering(url, readiness.http, deadline=started + wait, process=process)
    except BaseException as exc:
        process.stop(2.0)  # first: stopping waits for its output to reach the log
        if isinstance(exc, ProcessStartError):
            raise ProcessStartError(f"{name}: {exc}\n{process.log_tail(20)}") from None
        raise
    process.startup_seconds = time.monotonic() - started
    return process, url


_started: Final[ReadyWhen] = lambda process: True  # noqa: E731 - ready at once: the readiness path decides


def start_described(
    described: Described,
    options: TargetOptions,
    log_dir: Path,
    *,
    upstream_urls: Mapping[str, str] | None = None,
    ready_timeout: float | None = None,
) -> Target:
    """Start what the file describes (services, then the app) with ``options``; a `Target` holding every
    process. ``upstream_urls`` replaces an upstream's service by a URL (a fault proxy in front of it);
    ``ready_timeout`` overrides the file's readiness deadlines. Stops what it started if anything fails."""
    model = described.model
    target = Target(name=model.name, url=model.app.url or "", options=options, description=described)
    if model.app.start is None:
        return target
    given = dict(upstream_urls or {})
    try:
        wanted = {u.service for n, u in model.upstreams.items() if n not in given and u.service is not None}
        unreferenced = {s for s in model.services if all(u.service != s for u in model.upstreams.values())}
        for service_name, service in model.services.items():
            if service_name in wanted or service_name in unreferenced:
                process, url = _start_one(
                    service_name,
                    service,
                    described,
                    env=service_environment(None),
                    log_dir=log_dir,
                    timeout=ready_timeout,
                )
                target.services[service_name] = process
                target.service_urls[service_name] = url
        urls = {
            n: given.get(n) or (target.service_urls[u.service] if u.service is not None else u.url or "")
            for n, u in model.upstreams.items()
        }
        env = app_environment(described, options, upstream_urls=urls)
        started = time.monotonic()
        process, url = _start_one(model.name, model.app, described, env=env, log_dir=log_dir, timeout=ready_timeout)
        target.processes.append(process)
        target.url = url
        target.startup_seconds = time.monotonic() - started
    except BaseException:
        target.stop()
        raise
    return target


def build(described: Described, log_dir: Path, *, env: Mapping[str, str] | None = None) -> float:
    """Run the file's build command (if any) and wait for it; its duration in seconds. A failure or a
    timeout raises `TargetSetupError` with the command's last output lines."""
    spec = described.model.app.build
    if spec is None:
        return 0.0
    cwd = described.resolve(spec.cwd)
    full_env = {**service_environment(None), **(env or {}), **spec.env}
    started = time.monotonic()
    process = ManagedProcess.start(
        f"{described.name}-build",
        spec.command,
        log_path=log_dir / f"{described.name}-build.log",
        env=full_env,
        cwd=cwd,
    )
    try:
        code = process.wait(spec.timeout_s)
    except Exception:
        process.stop(2.0, sig=signal.SIGTERM)
        raise TargetSetupError(
            f"{described.path}: app.build.command did not finish within {spec.timeout_s:g} s; last output:\n"
            f"{process.log_tail(BUILD_TAIL_LINES)}"
        ) from None
    process.stop(2.0)
    if code != 0:
        raise TargetSetupError(
            f"{described.path}: app.build.command {' '.join(spec.command)!r} exited {code}; last output:\n"
            f"{process.log_tail(BUILD_TAIL_LINES)}"
        )
    return time.monotonic() - started

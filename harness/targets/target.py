"""A target the suites run against: its URL, what it was started as, and the gate routes it offers.

``Target`` is the same object for a bundled target (started by ``harness.targets.launcher``, with its
processes and logs) and for an external one (a URL the user deployed; no processes, no logs). The
gate routes (``POST /__gate/fault``, ``POST /__gate/flush``) need the target's fault token
(``AppVariables.FAULT_TOKEN``), sent as the ``X-Gate-Token`` header.
"""

from __future__ import annotations

import contextlib
import signal
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from harness.settings import AppVariables

if TYPE_CHECKING:
    from harness.common.process import ManagedProcess
    from harness.ingest import ProjectHandle
    from harness.targetfile import Described
    from harness.targets.options import TargetOptions
    from harness.targets.spotify import FakeSpotify

__all__ = ["FAULT_KINDS", "GATE_TOKEN_HEADER", "Target"]

GATE_TOKEN_HEADER = "X-Gate-Token"
# The fault route's kinds, as both bundled servers implement them.
FAULT_KINDS = ("throw", "reject", "slow", "status500", "log-error")


@dataclass(eq=False)
class Target:
    """A running target: its target file's ``name`` (``external`` for a bare URL), its URL, and the
    processes `harness.targets.lifecycle` started for it (the app in ``processes``, the file's
    ``[services]`` by name in ``services``).

    ``server_project`` and ``browser_project`` are the ingest projects its DSNs point at, when the
    ``target`` fixture created them.
    """

    name: str
    url: str
    options: TargetOptions
    spotify: FakeSpotify | None = None
    processes: list[ManagedProcess] = field(default_factory=list)
    startup_seconds: float = 0.0
    description: Described | None = None
    services: dict[str, ManagedProcess] = field(default_factory=dict)
    service_urls: dict[str, str] = field(default_factory=dict)
    server_project: ProjectHandle | None = None
    browser_project: ProjectHandle | None = None
    _http: httpx.Client | None = field(default=None, repr=False)

    @property
    def http(self) -> httpx.Client:
        """A client bound to the target's URL (no proxies from the environment)."""
        if self._http is None:
            self._http = httpx.Client(base_url=self.url, timeout=15.0, trust_env=False)
        return self._http

    @property
    def process(self) -> ManagedProcess | None:
        """The target's own server process (the last one started), if bundled."""
        return self.processes[-1] if self.processes else None

    def gate_headers(self) -> dict[str, str]:
        token = self.options.fault_token
        if token is None:
            raise RuntimeError(f"{self.name} was started without {AppVariables.FAULT_TOKEN}: it has no gate routes")
        return {GATE_TOKEN_HEADER: token}

    def flush(self, timeout: float = 15.0) -> dict[str, Any]:
        """Ask the server SDK to send everything it holds; returns when the target says it is done,
        with its answer (``{"flushed": bool, "enabled": bool}``)."""
        response = self.http.post("/__gate/flush", headers=self.gate_headers(), timeout=timeout)
        if response.status_code != 200:
            raise RuntimeError(
                f"{self.name} flush answered {response.status_code}: {response.text[:200]}\n{self.logs()}"
            )
        answer: dict[str, Any] = response.json()
        return answer

    def fault(self, kind: str, marker: str, **params: Any) -> httpx.Response:
        """Inject a fault (``throw``, ``reject``, ``slow`` with ``ms``, ``status500``, ``log-error``);
        ``marker`` lands in the event's message and its ``gate.marker`` tag so a test finds its own event."""
        return self.http.post(
            "/__gate/fault", headers=self.gate_headers(), json={"kind": kind, "marker": marker, **params}
        )

    def logs(self, lines: int = 80) -> str:
        """The tails of every process's log, for failure messages; empty for an external target."""
        procs = [*self.services.values(), *self.processes]
        return "\n".join(p.log_tail(lines) for p in procs)

    def stop(self, timeout: float | None = None) -> None:
        """Stop the app (its file's stop signal, then kill), then its services. Safe to call twice."""
        model = self.description.model if self.description is not None else None
        try:
            if self._http is not None:
                self._http.close()
                self._http = None
            if self.spotify is not None:
                self.spotify.close()
        finally:
            try:
                sig = signal.Signals[model.app.stop_signal] if model else signal.SIGTERM
                wait = timeout if timeout is not None else model.app.stop_timeout_s if model else 10.0
                for proc in reversed(self.processes):
                    with contextlib.suppress(Exception):
                        proc.stop(wait, sig=sig)
            finally:
                for name, proc in reversed(self.services.items()):
                    service = model.services.get(name) if model else None
                    with contextlib.suppress(Exception):
                        proc.stop(
                            service.stop_timeout_s if service else 5.0,
                            sig=signal.Signals[service.stop_signal] if service else signal.SIGTERM,
                        )

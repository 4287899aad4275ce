"""The fake Spotify as a child process, and a handle on its control API.

The fake itself lives in ``targets/fake_spotify`` (see its package docstring for the routes). Tests use
this handle to script upstream failures (expired token, 429 with ``Retry-After``, 5xx, slow answers),
set the profile the target will show, and read which upstream calls a target made.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import httpx

from harness.common.process import ManagedProcess, url_announced
from harness.targets.environ import service_environment
from harness.targets.paths import REPO_ROOT, require_source_checkout

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["FakeSpotify"]


class FakeSpotify:
    """A running fake Spotify: ``url`` is its root; ``api_url`` what a target gets as ``SPOTIFY_API_URL``."""

    def __init__(self, process: ManagedProcess) -> None:
        self.process = process
        self.url = process.url
        self._http = httpx.Client(base_url=self.url, timeout=10.0, trust_env=False)

    @classmethod
    def start(
        cls,
        log_dir: Path,
        *,
        faults: list[dict[str, Any]] | None = None,
        latency_ms: int = 0,
        ready_timeout: float = 10.0,
    ) -> FakeSpotify:
        require_source_checkout()
        env = {**service_environment(None), "PYTHONUNBUFFERED": "1"}
        if faults:
            env["FAKE_SPOTIFY_FAULTS"] = json.dumps(faults)
        if latency_ms:
            env["FAKE_SPOTIFY_LATENCY_MS"] = str(latency_ms)
        process = ManagedProcess.start(
            "fake-spotify",
            [sys.executable, "-m", "targets.fake_spotify", "--port", "0"],
            log_path=log_dir / "fake-spotify.log",
            ready=url_announced,
            timeout=ready_timeout,
            env=env,
            cwd=REPO_ROOT,
        )
        return cls(process)

    @property
    def api_url(self) -> str:
        return f"{self.url}/v1"

    def _call(self, method: str, path: str, body: object | None = None) -> Any:
        response = self._http.request(method, path, json=body)
        response.raise_for_status()
        return response.json()

    def add_fault(
        self,
        kind: str,
        *,
        status: int = 503,
        retry_after: int = 1,
        delay_ms: int = 500,
        times: int | None = None,
        path: str | None = None,
    ) -> None:
        """Make matching API calls fail: kind is expired-token, rate-limit, server-error or slow."""
        self._call(
            "POST",
            "/__control/faults",
            {
                "kind": kind,
                "status": status,
                "retry_after": retry_after,
                "delay_ms": delay_ms,
                "times": times,
                "path": path,
            },
        )

    def clear_faults(self) -> None:
        self._call("DELETE", "/__control/faults")

    def set_latency(self, delay_ms: int) -> None:
        """A fixed delay on every API answer (for overhead measurements against a known upstream)."""
        self._call("PUT", "/__control/latency", {"delay_ms": delay_ms})

    def set_user(self, **fields: str) -> dict[str, str]:
        """The profile ``/v1/me`` answers (e.g. canary ``display_name`` and ``email``)."""
        result: dict[str, str] = self._call("PUT", "/__control/user", fields)
        return result

    def requests(self) -> list[dict[str, Any]]:
        """Every API call the fake answered, oldest first: method, path, query, headers, status."""
        result: list[dict[str, Any]] = self._call("GET", "/__control/requests")["requests"]
        return result

    def wait_in_flight(self, at_least: int = 1, timeout: float = 10.0) -> int:
        """Wait (server-side long-poll) until ``at_least`` API calls are being answered; returns the count,
        which is below ``at_least`` only if the timeout passed. Lets a test act while a request is in flight."""
        answer = self._http.get(
            "/__control/in-flight", params={"at_least": at_least, "timeout": timeout}, timeout=timeout + 10
        )
        answer.raise_for_status()
        return int(answer.json()["in_flight"])

    def clear_requests(self) -> None:
        self._call("DELETE", "/__control/requests")

    def close(self) -> None:
        """Close the control client (the process is its owner's to stop)."""
        self._http.close()

    def stop(self, timeout: float = 5.0) -> None:
        try:
            self.close()
        finally:
            self.process.stop(timeout)

"""harness.ingest.launcher: an interrupted ingest start leaves no process behind, and the ingest can listen
beyond loopback (behind its control token) for an app that is not on this machine's loopback.

The ingest runs in its own session (so a runner's Ctrl-C does not reach it), which makes the caller
the only one who can stop it; until ``start_ingest`` returns, the caller holds nothing to stop. Here
the interrupt comes after the READY line, while the launcher asks the control API for the projects.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import psutil
import pytest

from harness.common.prerequisites import unavailable
from harness.ingest import client as ingest_client
from harness.ingest.launcher import start_ingest


def _ingest_children() -> set[int]:
    return {
        p.pid for p in psutil.Process().children(recursive=True) if "ingest" in " ".join(p.cmdline()) and p.is_running()
    }


def test_an_interrupt_while_waiting_for_the_ingest_stops_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _ingest_children()
    started: set[int] = set()

    def interrupted(self: ingest_client.IngestClient, **_: object) -> object:
        started.update(_ingest_children() - before)  # it is up and answering: the READY line came
        raise KeyboardInterrupt

    monkeypatch.setattr(ingest_client.IngestClient, "projects", interrupted)
    with pytest.raises(KeyboardInterrupt):
        start_ingest(tmp_path / "ingest", projects=[(1, "0" * 32)])
    assert started, "the ingest never started, so the test proved nothing"
    deadline = time.monotonic() + 10
    while any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in started):
        assert time.monotonic() < deadline, f"ingest {started} still running 10 s after the interrupt"
        time.sleep(0.05)  # sleep-ok: polling a condition with a deadline


def _interface_address() -> str | None:
    """This machine's first non-loopback IPv4 address, or None."""
    for addresses in psutil.net_if_addrs().values():
        for address in addresses:
            if address.family.name == "AF_INET" and not address.address.startswith("127."):
                return str(address.address)
    return None


def test_the_ingest_binds_another_interface_behind_its_token(tmp_path: Path) -> None:
    """``--ingest-host``: for an app in a container or on another host, the ingest listens on a named
    interface; its DSNs carry that address and its control API answers only with the token it printed."""
    host = _interface_address()
    if host is None:
        unavailable("this machine has no non-loopback IPv4 interface to bind")
    ingest = start_ingest(tmp_path / "ingest", projects=[(2, "a" * 32)], host=host)
    try:
        assert ingest.url.startswith(f"http://{host}:")
        assert ingest.dsns[2] == f"http://{'a' * 32}@{ingest.url.removeprefix('http://')}/2"
        assert ingest.control_token
        refused = httpx.get(f"{ingest.url}/_gate/projects", timeout=10, trust_env=False)
        assert refused.status_code in (401, 403)
    finally:
        ingest.stop()

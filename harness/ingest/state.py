"""What one running ingest holds, typed: its store, limits, projects, faults and commit notifications.

The request path (`app`), the control API's handlers (`control`) and the live tail all work over
this one object; `harness.server` builds it at start-up and hands it to each of them.
"""

from __future__ import annotations

import asyncio
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.ingest.faults import Fault, FaultSet
from harness.ingest.limits import Limits
from harness.ingest.rows import RequestRecord
from harness.ingest.store import STORE_FILE, Store


@dataclass
class IngestState:
    store: Store
    limits: Limits = field(default_factory=Limits)
    keys_by_project: dict[int, frozenset[str]] = field(default_factory=dict)
    names: dict[int, str | None] = field(default_factory=dict)
    faults: FaultSet = field(default_factory=FaultSet)
    base_url: str = ""
    control_token: str | None = None
    rng: random.Random = field(default_factory=random.Random)
    commit_event: asyncio.Event | None = None
    loop: asyncio.AbstractEventLoop | None = None
    fault_ended: dict[int, asyncio.Event] = field(default_factory=dict)
    on_request: Callable[[RequestRecord], None] | None = None
    """Called for each recorded request (the CLI's live tail)."""

    # ---- projects -----------------------------------------------------------------------------
    def add_project(self, project_id: int | None = None, key: str | None = None, name: str | None = None) -> int:
        pid = project_id if project_id is not None else max(self.keys_by_project, default=0) + 1
        key = key or secrets.token_hex(16)
        self.keys_by_project[pid] = frozenset({key})
        self.names[pid] = name
        self.store.save_project(pid, key, name)
        return pid

    def load_projects(self) -> None:
        for pid, key, name in self.store.load_projects():
            self.keys_by_project[pid] = frozenset({key})
            self.names[pid] = name

    def dsn(self, project_id: int) -> str:
        key = next(iter(self.keys_by_project[project_id]))
        scheme, _, host = self.base_url.partition("://")
        return f"{scheme}://{key}@{host}/{project_id}"

    def project_info(self, project_id: int) -> dict[str, Any]:
        return {
            "id": project_id,
            "key": next(iter(self.keys_by_project[project_id])),
            "name": self.names.get(project_id),
            "dsn": self.dsn(project_id),
        }

    # ---- commit notifications (writer thread → event loop) --------------------------------------
    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.commit_event = asyncio.Event()
        self.store.on_commit = self._on_commit_threadsafe

    def _on_commit_threadsafe(self, touched: set[int]) -> None:
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._wake_waiters)

    def _wake_waiters(self) -> None:
        if self.commit_event is not None:
            self.commit_event.set()
            self.commit_event = asyncio.Event()

    def fault_removed(self, faults: list[Fault]) -> None:
        for fault in faults:
            ended = self.fault_ended.pop(fault.id, None)
            if ended is not None:
                ended.set()


def new_state(data_dir: Path, *, limits: Limits | None = None, synchronous: str = "NORMAL") -> IngestState:
    """The state of an ingest over the store in ``data_dir``, with the projects it already holds."""
    store = Store(data_dir / STORE_FILE, synchronous=synchronous)
    state = IngestState(store=store, limits=limits or Limits())
    state.load_projects()
    return state

"""Live tail for ``ingest serve --tail``: one line per request, for a developer watching a local app."""

from __future__ import annotations

import sys
import time

from harness.ingest.app import IngestState
from harness.ingest.store import RequestRecord


def describe(record: RequestRecord) -> str:
    stamp = time.strftime("%H:%M:%S", time.localtime(record.received_at))
    types = ",".join(record.envelope.item_types()) if record.envelope is not None else "-"
    trace = record.envelope.trace if record.envelope is not None else {}
    parts = [stamp, str(record.status), f"project={record.project}", types]
    for key in ("release", "environment", "transaction"):
        if trace.get(key):
            parts.append(f"{key}={trace[key]}")
    if record.reason:
        parts.append(f"({record.reason})")
    return " ".join(parts)


def attach_tail(state: IngestState) -> None:
    def on_request(record: RequestRecord) -> None:
        print(describe(record), file=sys.stdout, flush=True)

    state.on_request = on_request

"""The local fake Sentry: a Relay-compatible ingest with a store, a control API and scripted faults."""

from harness.ingest.client import IngestClient, ProjectHandle, ProjectInfo
from harness.ingest.launcher import IngestProcess, start_ingest
from harness.ingest.limits import Limits
from harness.ingest.wire import StoredItem, StoredRequest

__all__ = [
    "IngestClient",
    "IngestProcess",
    "Limits",
    "ProjectHandle",
    "ProjectInfo",
    "StoredItem",
    "StoredRequest",
    "start_ingest",
]

"""Live tail for ``ingest serve --tail``: one line per item received, for a developer watching a local app.

A line says what a person checks first when pointing an app at the gate: the item type, its release and
environment, and the event's message or the transaction's name, e.g.
``12:00:01 200 project=1 event release=shop@1.2 environment=staging message="boom"``. A refused
request is one line with its status and reason. Payloads are read only up to a bound, so a huge item
costs the tail nothing.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import orjson

from harness.envelope import Item
from harness.ingest.rows import RequestRecord
from harness.ingest.state import IngestState

__all__ = ["attach_tail", "describe", "describe_items"]

_JSON_ITEMS = frozenset({"event", "transaction", "feedback", "replay_event", "session", "check_in"})
_MAX_PARSE = 256 * 1024
_MAX_TEXT = 80


def _payload(item: Item) -> dict[str, Any]:
    if item.type not in _JSON_ITEMS or len(item.payload) > _MAX_PARSE:
        return {}
    try:
        data = orjson.loads(item.payload)
    except orjson.JSONDecodeError:
        return {}
    if not isinstance(data, dict):
        return {}
    if item.type == "session" and isinstance(data.get("attrs"), dict):
        data = {**data, **data["attrs"]}
    return data


def _message(data: dict[str, Any]) -> str | None:
    message = data.get("message")
    if isinstance(message, dict):
        message = message.get("formatted") or message.get("message")
    logentry = data.get("logentry")
    if not message and isinstance(logentry, dict):
        message = logentry.get("formatted") or logentry.get("message")
    values = (data.get("exception") or {}).get("values") if isinstance(data.get("exception"), dict) else None
    if not message and isinstance(values, list) and values and isinstance(values[-1], dict):
        message = f"{values[-1].get('type', '')}: {values[-1].get('value', '')}"
    return str(message) if message else None


def _quoted(text: str) -> str:
    text = text.replace("\n", " ")
    return '"' + (text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…") + '"'


def describe_items(record: RequestRecord) -> list[str]:
    """The tail's lines for one request: one per item, or one for a request without items."""
    stamp = time.strftime("%H:%M:%S", time.localtime(record.received_at))
    head = f"{stamp} {record.status} project={record.project}"
    envelope = record.envelope
    if envelope is None or not envelope.items:
        return [f"{head} -" + (f" ({record.reason})" if record.reason else "")]
    lines = []
    for item in envelope.items:
        data = _payload(item)
        parts = [head, item.type]
        for key in ("release", "environment"):
            value = data.get(key) or envelope.trace.get(key)
            if value:
                parts.append(f"{key}={value}")
        if item.type == "transaction" and data.get("transaction"):
            parts.append(f"transaction={_quoted(str(data['transaction']))}")
        elif (message := _message(data)) is not None:
            parts.append(f"message={_quoted(message)}")
        if record.reason:
            parts.append(f"({record.reason})")
        lines.append(" ".join(parts))
    return lines


def describe(record: RequestRecord) -> str:
    """All of a request's lines joined (kept for callers that print one block per request)."""
    return "\n".join(describe_items(record))


def attach_tail(state: IngestState) -> None:
    def on_request(record: RequestRecord) -> None:
        print(describe(record), file=sys.stdout, flush=True)

    state.on_request = on_request

"""Send one of every item type sentry-sdk can produce to SENTRY_DSN, with a chosen compression.

Run as a subprocess by tests/ingest/test_python_sdk.py, so each run has a fresh SDK and the test
process keeps no global Sentry state. argv: compression (``br``, ``gzip`` or ``none``) and a marker.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import sentry_sdk
from sentry_sdk.crons import capture_checkin
from sentry_sdk.sessions import track_session


def _drop_marked(event: Any, hint: Any) -> Any:
    """Drop events that ask for it, so the SDK records a before_send discard in a client report."""
    text = str(event.get("message") or "") + str(event.get("logentry") or "")
    return None if "drop me" in text else event


def _busy(seconds: float) -> int:
    """CPU work inside the transaction, so the profiler takes samples (not a sleep: it must run)."""
    import time

    deadline = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < deadline:
        n += sum(i * i for i in range(500))
    return n


def main() -> None:
    compression, marker = sys.argv[1], sys.argv[2]
    experiments: dict[str, Any] = {}
    if compression == "gzip":
        experiments["transport_compression_algo"] = "gzip"
    elif compression == "none":
        experiments["transport_compression_level"] = 0
    sentry_sdk.init(
        dsn=os.environ["SENTRY_DSN"],
        release="gate-python@1.0.0",
        environment="test-python",
        traces_sample_rate=1.0,
        profiles_sample_rate=1.0,
        enable_logs=True,
        before_send=_drop_marked,
        send_client_reports=True,
        _experiments=experiments,
    )
    sentry_sdk.capture_message(f"message {marker}")
    try:
        raise ValueError(f"exception {marker}")
    except ValueError:
        sentry_sdk.capture_exception()
    sentry_sdk.capture_message(f"drop me {marker}")
    with sentry_sdk.new_scope() as scope:
        scope.add_attachment(bytes=b"\x00attachment bytes\xff", filename="blob.bin", content_type="application/x-gate")
        sentry_sdk.capture_message(f"with attachment {marker}")
    with sentry_sdk.start_transaction(name=f"tx {marker}", op="task"):
        with sentry_sdk.start_span(op="work", name="busy"):
            _busy(0.3)
        sentry_sdk.logger.info("log line {marker}", marker=marker)
        sentry_sdk.metrics.count("gate.test.count", 3, attributes={"marker": marker})
    sentry_sdk.get_isolation_scope().start_session(session_mode="application")  # a single `session` item
    sentry_sdk.get_isolation_scope().end_session()
    with sentry_sdk.isolation_scope() as scope, track_session(scope, session_mode="request"):
        pass  # request-mode sessions are aggregated into a `sessions` item
    capture_checkin(monitor_slug="gate-nightly", status="ok")
    sentry_sdk.flush(timeout=10)
    sentry_sdk.get_client().close(timeout=10)

    # Continuous profiling sends `profile_chunk` items; it replaces the transaction profiler, so it
    # gets a client of its own. The manual lifecycle lets stop_profiler() join the sampler thread,
    # which flushes its chunk (otherwise chunks go out every 60 s).
    sentry_sdk.init(
        dsn=os.environ["SENTRY_DSN"],
        release="gate-python@1.0.0",
        environment="test-python",
        traces_sample_rate=1.0,
        profile_session_sample_rate=1.0,
        profile_lifecycle="manual",
        _experiments=experiments,
    )
    sentry_sdk.profiler.start_profiler()
    with sentry_sdk.start_transaction(name=f"profiled {marker}", op="task"):
        _busy(0.3)
    sentry_sdk.profiler.stop_profiler()
    sentry_sdk.get_client().close(timeout=10)


if __name__ == "__main__":
    main()

"""A recording relay: forwards what SDKs send to a real Sentry unchanged and keeps a copy for ``audit``.

``sentry-gate relay --upstream https://o1.ingest.sentry.io`` lets a user audit a staging deployment
without changing its behaviour: only the DSN's host changes, every byte still reaches Sentry, and the
copy lands in the ingest's own store format (plus a tar ``sentry-gate audit`` reads).
"""

from harness.relay.copies import RelayCopies
from harness.relay.forward import HOP_BY_HOP, forwardable_headers, upstream_url
from harness.relay.launcher import RelayProcess, start_relay
from harness.relay.server import RelayOptions, serve_relay

__all__ = [
    "HOP_BY_HOP",
    "RelayCopies",
    "RelayOptions",
    "RelayProcess",
    "forwardable_headers",
    "serve_relay",
    "start_relay",
    "upstream_url",
]

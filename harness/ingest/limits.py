"""Relay's default size and count limits, applied to decompressed sizes as Relay applies them.

Figures from ``relay-config/src/config.rs`` (see PROTOCOL-NOTES); every one can be overridden
with ``--limit name=bytes`` so a test can provoke a 413 without sending 200 MiB.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace

from harness.errors import UsageError

KiB = 1024
MiB = 1024 * KiB


@dataclass(frozen=True, slots=True)
class Limits:
    max_envelope_size: int = 200 * MiB
    max_api_payload_size: int = 20 * MiB
    """Legacy ``/store/`` and ``/security/`` bodies."""
    max_event_size: int = 1 * MiB
    """event, transaction, security, feedback items."""
    max_attachment_size: int = 200 * MiB
    max_client_reports_size: int = 100 * KiB
    max_session_size: int = 10 * MiB
    max_profile_size: int = 50 * MiB
    max_span_size: int = 10 * MiB
    max_log_size: int = 2 * MiB
    max_check_in_size: int = 100 * KiB
    max_replay_compressed_size: int = 10 * MiB
    max_attachment_count: int = 30
    """attachment, unreal_report and user_report items in one envelope."""
    max_session_count: int = 100
    """session and sessions items in one envelope."""
    max_client_reports_count: int = 100
    max_standalone_span_count: int = 25
    """span items that are not a container (span v2 containers: one per envelope)."""
    max_items_per_envelope: int = 1_000
    """Not a Relay limit: Relay counts no item types it does not know, so this guard bounds the
    rows and the memory one request can cost. Four times the most a Relay-valid envelope of known
    types can hold (about 265 items); every SDK sends a handful."""
    spool_threshold: int = 4 * MiB
    """Decompressed bodies above this go to a temporary file instead of memory (bomb safety)."""

    def with_overrides(self, overrides: dict[str, int]) -> Limits:
        names = {f.name for f in fields(self)}
        unknown = set(overrides) - names
        if unknown:
            raise ValueError(f"unknown limit(s) {sorted(unknown)}; known: {sorted(names)}")
        return replace(self, **overrides)

    def count_group(self, item_type: str, content_type: str | None = None) -> tuple[str, int, str] | None:
        """Relay's per-envelope count for an item type: (group, most allowed, limit name), or None.

        The limit name is "fixed in Relay" for the groups Relay allows one of, without a setting.

        Types in one group share the count (an event and a transaction in one envelope are two of
        the one allowed). Unknown types have no count, as in Relay. Figures and grouping from
        ``relay-server/src/utils/sizes.rs`` (``check_envelope_size_limits``).
        """
        if item_type == "span":  # a span v2 container, or a standalone (legacy) span: two separate counts
            if (content_type or "").startswith("application/vnd.sentry.items."):
                return "span container", 1, "fixed in Relay"
            return "span", self.max_standalone_span_count, "max_standalone_span_count"
        group = _COUNT_GROUPS.get(item_type)
        if group is None:
            return None
        name, limit_name = group
        if limit_name is None:
            return name, 1, "fixed in Relay"
        return name, int(getattr(self, limit_name)), limit_name

    def for_item(self, item_type: str) -> int | None:
        """The per-item limit Relay applies to an item type, or None when only the envelope limit applies."""
        return {
            "event": self.max_event_size,
            "transaction": self.max_event_size,
            "security": self.max_event_size,
            "feedback": self.max_event_size,
            "user_report": self.max_event_size,
            "raw_security": self.max_event_size,
            "attachment": self.max_attachment_size,
            "client_report": self.max_client_reports_size,
            "session": self.max_session_size,
            "sessions": self.max_session_size,
            "profile": self.max_profile_size,
            "profile_chunk": self.max_profile_size,
            "span": self.max_span_size,
            "log": self.max_log_size,
            "check_in": self.max_check_in_size,
            "replay_recording": self.max_replay_compressed_size,
        }.get(item_type)


_COUNT_GROUPS: dict[str, tuple[str, str | None]] = {
    **dict.fromkeys(
        ("event", "transaction", "security", "raw_security", "replay_event", "feedback", "form_data"), ("event", None)
    ),
    **dict.fromkeys(("attachment", "unreal_report", "user_report"), ("attachment", "max_attachment_count")),
    **dict.fromkeys(("session", "sessions"), ("session", "max_session_count")),
    "client_report": ("client_report", "max_client_reports_count"),
    **dict.fromkeys(("profile", "profile_chunk", "profile_chunk_ui"), ("profile", None)),
    "replay_recording": ("replay_recording", None),
    "replay_video": ("replay_video", None),
    "check_in": ("check_in", None),
    "statsd": ("statsd", None),
    "metric_buckets": ("metric_buckets", None),
    "log": ("log", None),
    "trace_metric": ("trace_metric", None),
}
"""Relay's count groups; a group without a limit name allows one item per envelope."""


def parse_limit_override(text: str) -> tuple[str, int]:
    """``max_event_size=1024`` or ``max_event_size=2MiB`` → ("max_event_size", bytes)."""
    name, sep, value = text.partition("=")
    if not sep:
        raise ValueError(f"limit {text!r} is not NAME=BYTES")
    value = value.strip()
    for suffix, factor in (("MiB", MiB), ("KiB", KiB), ("B", 1)):
        if value.endswith(suffix):
            return name.strip(), int(float(value[: -len(suffix)]) * factor)
    return name.strip(), int(value)


def limits_from_overrides(texts: Iterable[str]) -> Limits:
    """Relay's defaults with each ``--limit NAME=BYTES`` the user typed applied; a bad one is a `UsageError`."""
    try:
        return Limits().with_overrides(dict(parse_limit_override(text) for text in texts))
    except ValueError as exc:
        raise UsageError(f"--limit: {exc}") from exc

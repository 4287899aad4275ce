"""Relay's default size limits, applied to decompressed sizes as Relay applies them.

Figures from ``relay-config/src/config.rs`` (see PROTOCOL-NOTES); every one can be overridden
with ``--limit name=bytes`` so a test can provoke a 413 without sending 200 MiB.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

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
    max_items_per_envelope: int = 100_000
    """Not a Relay limit: a guard so one request cannot create unbounded rows; Relay has none."""
    spool_threshold: int = 4 * MiB
    """Decompressed bodies above this go to a temporary file instead of memory (bomb safety)."""

    def with_overrides(self, overrides: dict[str, int]) -> Limits:
        names = {f.name for f in fields(self)}
        unknown = set(overrides) - names
        if unknown:
            raise ValueError(f"unknown limit(s) {sorted(unknown)}; known: {sorted(names)}")
        return replace(self, **overrides)

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

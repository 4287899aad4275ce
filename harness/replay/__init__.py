"""Replay recordings as a privacy audit reads them: every string an rrweb recording carries, by where it sits."""

from harness.replay.rrweb import (
    NetworkDetail,
    ReplayString,
    blocked_elements,
    console_messages,
    input_values,
    masked_texts,
    network_details,
    replay_strings,
)

__all__ = [
    "NetworkDetail",
    "ReplayString",
    "blocked_elements",
    "console_messages",
    "input_values",
    "masked_texts",
    "network_details",
    "replay_strings",
]

"""The codec's single error type: every malformed input raises it, with a byte offset."""

from __future__ import annotations


class EnvelopeError(ValueError):
    """Malformed envelope or item payload.

    ``offset`` is the byte position in the input where the problem was detected; it always lies
    within ``0..len(input)``, so a caller can point at the bad byte in a hex dump.
    """

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(f"{message} (at byte {offset})")
        self.reason = message
        self.offset = offset

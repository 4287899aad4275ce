"""The codec's errors: every malformed input raises `EnvelopeError`, with a byte offset.

`TooManyItems` is the one subclass, raised only when a caller caps the item count.
"""

from __future__ import annotations

from typing import Any


class EnvelopeError(ValueError):
    """Malformed envelope or item payload.

    ``offset`` is the byte position in the input where the problem was detected; it always lies
    within ``0..len(input)``, so a caller can point at the bad byte in a hex dump.
    """

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(f"{message} (at byte {offset})")
        self.reason = message
        self.offset = offset


class TooManyItems(EnvelopeError):
    """The envelope has more items than the caller allows; framing stopped there, keeping nothing more.

    Not malformed input: the ingest answers it 413, as for any other limit. ``headers`` is the
    envelope header and ``items`` the items framed before the cap (at most ``limit``), so the caller
    can still authorise from the ``dsn`` and say which of its own limits the items broke first.
    """

    def __init__(self, limit: int, offset: int, headers: dict[str, Any], items: list[Any]) -> None:
        super().__init__(f"envelope has more than {limit} items", offset)
        self.limit = limit
        self.headers = headers
        self.items = items

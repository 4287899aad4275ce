"""Bounded, streamed decoding of request bodies by Content-Encoding.

Why bounded as it goes: a 10 MB gzip body can expand to 10 GB. Every decoder here produces
output in pieces and stops the moment the decompressed total passes the limit. Bodies that stay
under ``spool_threshold`` decode in memory in one pass (every SDK request). A body that passes it
is first decoded once *counting only*, so a bomb is refused without storing a byte of its output;
only a body that fits the limit is decoded again into a temporary file. Unknown encodings are read
as identity, as Relay does.
"""

from __future__ import annotations

import tempfile
import zlib
from typing import IO, Any

import brotli
import zstandard

_PIECE = 1024 * 1024


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"decompressed body exceeds {limit} bytes")
        self.limit = limit


class BodyDecodeError(Exception):
    pass


class _PastThreshold(Exception):
    """Internal: the in-memory pass met a body larger than the spool threshold."""


class _Sink:
    """Collects decoded bytes; refuses past the limit.

    Modes: ``memory`` raises `_PastThreshold` past the threshold; ``count`` keeps nothing;
    ``spool`` writes past the threshold to a temporary file.
    """

    def __init__(self, limit: int, spool_threshold: int, mode: str = "memory") -> None:
        self.limit = limit
        self.spool_threshold = spool_threshold
        self.mode = mode
        self.size = 0
        self._parts: list[bytes] = []
        self._file: IO[bytes] | None = None

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise BodyTooLarge(self.limit)
        if self.mode == "count":
            return len(data)
        if self._file is None and self.size > self.spool_threshold:
            if self.mode == "memory":
                raise _PastThreshold
            self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed in value()/close()
            for part in self._parts:
                self._file.write(part)
            self._parts = []
        if self._file is not None:
            self._file.write(data)
        else:
            self._parts.append(bytes(data))
        return len(data)

    def value(self) -> bytes:
        if self._file is None:
            return b"".join(self._parts)
        self._file.seek(0)
        data = self._file.read()
        self.close()
        return data

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def parse_encodings(header: str | None) -> list[str]:
    """``Content-Encoding: gzip, br`` → ["gzip", "br"] (applied in that order, so undone in reverse)."""
    if not header:
        return []
    return [e.strip().lower() for e in header.split(",") if e.strip()]


def _inflate(data: bytes, wbits: int, sink: _Sink) -> None:
    inflater = zlib.decompressobj(wbits)
    pending = data
    while pending:
        try:
            sink.write(inflater.decompress(pending, _PIECE))
        except zlib.error as exc:
            raise BodyDecodeError(f"invalid deflate/gzip data: {exc}") from None
        pending = inflater.unconsumed_tail
        if inflater.eof:
            break
    if not inflater.eof:
        raise BodyDecodeError("truncated deflate/gzip stream")


def _looks_like_zlib(data: bytes) -> bool:
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0


def _brotli(data: bytes, sink: _Sink) -> None:
    decoder = brotli.Decompressor()
    try:
        sink.write(decoder.process(data, output_buffer_limit=_PIECE))
        while not decoder.can_accept_more_data():
            sink.write(decoder.process(b"", output_buffer_limit=_PIECE))
        if not decoder.is_finished():
            raise BodyDecodeError("truncated brotli stream")
    except brotli.error as exc:
        raise BodyDecodeError(f"invalid brotli data: {exc}") from None


def _zstd(data: bytes, sink: _Sink) -> None:
    try:
        sink_io: Any = sink  # duck-typed: zstandard only calls write()
        with zstandard.ZstdDecompressor().stream_writer(sink_io, write_size=_PIECE, closefd=False) as writer:
            writer.write(data)
    except zstandard.ZstdError as exc:
        raise BodyDecodeError(f"invalid zstd data: {exc}") from None


def _run(data: bytes, encoding: str, sink: _Sink) -> None:
    if encoding in ("gzip", "x-gzip"):
        _inflate(data, 16 + zlib.MAX_WBITS, sink)
    elif encoding == "deflate":
        _inflate(data, zlib.MAX_WBITS if _looks_like_zlib(data) else -zlib.MAX_WBITS, sink)
    elif encoding == "br":
        _brotli(data, sink)
    else:
        _zstd(data, sink)


def _decode_one(data: bytes, encoding: str, limit: int, spool_threshold: int) -> bytes:
    if encoding not in ("gzip", "x-gzip", "deflate", "br", "zstd"):
        # identity and anything unknown: Relay reads unknown encodings as identity
        if len(data) > limit:
            raise BodyTooLarge(limit)
        return data
    sink = _Sink(limit, spool_threshold, "memory")
    try:
        _run(data, encoding, sink)
        return sink.value()
    except _PastThreshold:
        pass
    finally:
        sink.close()
    _run(data, encoding, _Sink(limit, spool_threshold, "count"))  # a bomb stops here, having kept nothing
    sink = _Sink(limit, spool_threshold, "spool")
    try:
        _run(data, encoding, sink)
        return sink.value()
    finally:
        sink.close()


def decode_body(
    data: bytes, content_encoding: str | None, *, limit: int, spool_threshold: int = 8 * 1024 * 1024
) -> bytes:
    """Undo every Content-Encoding, bounding each step's output by ``limit``."""
    for encoding in reversed(parse_encodings(content_encoding)):
        data = _decode_one(data, encoding, limit, spool_threshold)
    if len(data) > limit:
        raise BodyTooLarge(limit)
    return data

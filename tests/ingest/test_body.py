import gzip
import zlib

import brotli
import pytest
import zstandard

from harness.ingest.body import BodyDecodeError, BodyTooLarge, decode_body, parse_encodings

DATA = b'{"event_id":"x"}\n{"type":"event"}\n{}' * 100


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        (None, lambda d: d),
        ("identity", lambda d: d),
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda d: zlib.compress(d, wbits=-15)),
        ("br", brotli.compress),
        ("zstd", lambda d: zstandard.ZstdCompressor().compress(d)),
        ("made-up", lambda d: d),  # unknown encodings are read as identity, as Relay does
        ("gzip, br", lambda d: brotli.compress(gzip.compress(d))),
    ],
)
def test_every_encoding_round_trips(encoding: str | None, encode: object) -> None:
    assert callable(encode)
    assert decode_body(encode(DATA), encoding, limit=1 << 20) == DATA


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", lambda d: gzip.compress(d, 1)),
        ("deflate", lambda d: zlib.compress(d, 1)),
        ("br", lambda d: brotli.compress(d, quality=1)),
        ("zstd", lambda d: zstandard.ZstdCompressor(level=1).compress(d)),
    ],
)
def test_bombs_stop_at_the_limit(encoding: str, compress: object) -> None:
    assert callable(compress)
    bomb = compress(bytes(64 * 1024 * 1024))
    with pytest.raises(BodyTooLarge):
        decode_body(bomb, encoding, limit=1024 * 1024, spool_threshold=256 * 1024)


def test_large_body_spools_and_still_decodes() -> None:
    data = bytes(3 * 1024 * 1024)
    assert decode_body(gzip.compress(data), "gzip", limit=4 << 20, spool_threshold=1 << 20) == data


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "zstd"])
def test_garbage_is_a_decode_error(encoding: str) -> None:
    with pytest.raises(BodyDecodeError):
        decode_body(b"\x00garbage that is not compressed", encoding, limit=1 << 20)


def test_truncated_gzip_is_a_decode_error() -> None:
    with pytest.raises(BodyDecodeError, match="truncated"):
        decode_body(gzip.compress(DATA)[:-12], "gzip", limit=1 << 20)


def test_identity_over_limit() -> None:
    with pytest.raises(BodyTooLarge):
        decode_body(b"x" * 11, None, limit=10)


def test_parse_encodings() -> None:
    assert parse_encodings(" GZIP , br") == ["gzip", "br"]
    assert parse_encodings(None) == []

"""A strict, bounded ``multipart/form-data`` reader for the chunk-upload endpoint.

Why our own: Starlette's form parser needs ``python-multipart``, and the one caller here (chunk
uploads from ``sentry-cli``: a few parts named ``file`` or ``file_gzip`` whose filename is the
chunk's sha1) needs nothing more than splitting on the boundary. Pure function over bytes; it
never decompresses and never allocates more than the body it is given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BOUNDARY = re.compile(r'boundary=(?:"([^"]+)"|([^;,\s]+))', re.IGNORECASE)
_DISPOSITION_PARAM = re.compile(r';\s*([a-zA-Z0-9_*-]+)=(?:"((?:[^"\\]|\\.)*)"|([^;]*))')


class MultipartError(ValueError):
    """The body is not well-formed multipart/form-data; the message says where."""


@dataclass(frozen=True, slots=True)
class Part:
    name: str
    filename: str | None
    headers: dict[str, str]
    data: bytes


def boundary_of(content_type: str | None) -> str:
    if not content_type or not content_type.lower().startswith("multipart/form-data"):
        raise MultipartError(f"Content-Type {content_type!r} is not multipart/form-data")
    match = _BOUNDARY.search(content_type)
    if match is None:
        raise MultipartError("multipart Content-Type without a boundary")
    return match.group(1) or match.group(2)


def _disposition(value: str) -> tuple[str, str | None]:
    if not value.lower().startswith("form-data"):
        raise MultipartError(f"part disposition {value!r} is not form-data")
    params = {
        m.group(1).lower(): (m.group(2) if m.group(2) is not None else m.group(3).strip())
        for m in _DISPOSITION_PARAM.finditer(value)
    }
    name = params.get("name")
    if name is None:
        raise MultipartError("part without a name")
    return name, params.get("filename")


def parse_multipart(body: bytes, content_type: str | None, *, max_parts: int = 1000) -> list[Part]:
    """Split a form-data body into parts; raises `MultipartError` naming the byte offset of a fault."""
    delimiter = b"--" + boundary_of(content_type).encode("latin-1")
    start = body.find(delimiter)
    if start < 0:
        raise MultipartError("no boundary delimiter in the body")
    parts: list[Part] = []
    pos = start + len(delimiter)
    while True:
        if body.startswith(b"--", pos):
            return parts  # closing delimiter
        if not body.startswith(b"\r\n", pos):
            raise MultipartError(f"expected CRLF after the boundary at byte {pos}")
        pos += 2
        header_end = body.find(b"\r\n\r\n", pos)
        if header_end < 0:
            raise MultipartError(f"part headers not terminated (from byte {pos})")
        headers: dict[str, str] = {}
        for line in body[pos:header_end].split(b"\r\n"):
            key, sep, value = line.decode("latin-1").partition(":")
            if not sep:
                raise MultipartError(f"malformed part header {line[:80]!r} near byte {pos}")
            headers[key.strip().lower()] = value.strip()
        name, filename = _disposition(headers.get("content-disposition", ""))
        data_start = header_end + 4
        data_end = body.find(b"\r\n" + delimiter, data_start)
        if data_end < 0:
            raise MultipartError(f"part {name!r} is not closed by a boundary (from byte {data_start})")
        parts.append(Part(name=name, filename=filename, headers=headers, data=body[data_start:data_end]))
        if len(parts) > max_parts:
            raise MultipartError(f"more than {max_parts} parts")
        pos = data_end + 2 + len(delimiter)


def build_multipart(parts: list[tuple[str, str | None, bytes]], boundary: str) -> bytes:
    """The inverse, for tests and the benchmark: ``[(name, filename, data)]`` → body."""
    out = bytearray()
    for name, filename, data in parts:
        out += f"--{boundary}\r\n".encode()
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
        out += f"Content-Disposition: {disposition}\r\n".encode()
        out += b"Content-Type: application/octet-stream\r\n\r\n"
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out)

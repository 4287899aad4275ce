"""What a forwarding hop may change, as pure functions: only hop-by-hop headers and the upstream's host.

RFC 9110 §7.6.1 names the headers that belong to one connection; everything else (auth, encodings,
content type, the SDK's user agent) must reach Sentry as the SDK sent it, or the relay would change
what is being audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final
from urllib.parse import urlsplit

__all__ = ["HOP_BY_HOP", "forwardable_headers", "upstream_url", "validate_upstream"]

HOP_BY_HOP: Final = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        # Not hop-by-hop, but re-derived for the new hop: the upstream's host, and the length of a
        # body that is sent whole (a chunked request arrives without one and leaves with one).
        "host",
        "content-length",
    }
)


def forwardable_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The end-to-end headers, in order and with repeats, minus any the ``Connection`` header names."""
    pairs = list(headers)
    named = {
        token.strip().lower() for name, value in pairs if name.lower() == "connection" for token in value.split(",")
    }
    return [(n, v) for n, v in pairs if n.lower() not in HOP_BY_HOP and n.lower() not in named]


def validate_upstream(url: str) -> str:
    """An http(s) base URL without query or fragment, without a trailing slash."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"--upstream needs an http(s) URL such as https://o1.ingest.sentry.io, not {url!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"--upstream {url!r} must not carry a query or fragment")
    return url.rstrip("/")


def upstream_url(upstream: str, path: str, query: str) -> str:
    """The upstream address for a request's path and raw query string (kept byte for byte)."""
    return f"{upstream}{path}" + (f"?{query}" if query else "")

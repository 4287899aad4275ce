"""Where a request says which project and key it is for, resolved the way Relay resolves it.

Pure functions over headers, query and the envelope header, so the rules are unit-tested
without a server. Sources, in Relay's terms: ``X-Sentry-Auth``, ``Authorization: Sentry …``, the
``sentry_key`` query parameter, and, only when none of those is present, the envelope header's
``dsn`` (the tunnel case). Browser SDKs send both query auth and a ``dsn`` header; that is normal
and not "two sources".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True, slots=True)
class AuthError(Exception):
    status: int
    reason: str


@dataclass(frozen=True, slots=True)
class Auth:
    public_key: str
    source: str
    """``x-sentry-auth``, ``authorization``, ``query`` or ``envelope-dsn``."""
    client: str | None = None
    project_from_dsn: int | None = None


def parse_auth_header(value: str) -> dict[str, str]:
    """``Sentry sentry_key=abc, sentry_version=7`` → {"sentry_key": "abc", "sentry_version": "7"}."""
    text = value.strip()
    if text[:6].lower() == "sentry":
        text = text[6:]
    out: dict[str, str] = {}
    for part in text.split(","):
        key, sep, val = part.strip().partition("=")
        if sep and key.strip():
            out[key.strip()] = val.strip()
    return out


def parse_dsn(dsn: str) -> tuple[str, int] | None:
    """``http://KEY@host/PROJECT`` → (KEY, PROJECT); None when it is not a usable DSN."""
    try:
        parts = urlsplit(dsn)
    except ValueError:
        return None
    key = parts.username
    tail = parts.path.rstrip("/").rsplit("/", 1)[-1]
    if not key or not tail.isdigit():
        return None
    return key, int(tail)


def request_auth(headers: Mapping[str, str], query: Mapping[str, str]) -> Auth | None:
    """Auth from the request itself (headers or query); None when there is none.

    Raises `AuthError` 401 when more than one source is present, as Relay does
    ("multiple authorization payloads"), or when a source is present but has no key.
    """
    found: list[Auth] = []
    header = headers.get("x-sentry-auth")
    if header is not None:
        fields = parse_auth_header(header)
        found.append(Auth(fields.get("sentry_key", ""), "x-sentry-auth", fields.get("sentry_client")))
    authorization = headers.get("authorization")
    if authorization is not None and authorization.strip()[:7].lower() == "sentry ":
        fields = parse_auth_header(authorization)
        found.append(Auth(fields.get("sentry_key", ""), "authorization", fields.get("sentry_client")))
    if "sentry_key" in query:
        found.append(Auth(query["sentry_key"], "query", query.get("sentry_client")))
    if len(found) > 1:
        raise AuthError(401, "multiple authorization payloads: " + ", ".join(a.source for a in found))
    if not found:
        return None
    if not found[0].public_key:
        raise AuthError(401, f"missing sentry_key in {found[0].source}")
    return found[0]


def envelope_auth(dsn: str | None) -> Auth:
    """Fallback auth from the envelope header's ``dsn``; 401 when there is none either."""
    if not dsn:
        raise AuthError(401, "missing authorization information")
    parsed = parse_dsn(dsn)
    if parsed is None:
        raise AuthError(401, "invalid dsn in envelope header")
    return Auth(parsed[0], "envelope-dsn", project_from_dsn=parsed[1])


def authorize(auth: Auth, project: int, keys_by_project: Mapping[int, frozenset[str]]) -> None:
    """403 when the project is unknown or the key is not one declared for it."""
    keys = keys_by_project.get(project)
    if keys is None:
        raise AuthError(403, f"unknown project {project}")
    if auth.public_key not in keys:
        raise AuthError(403, f"key not valid for project {project}")

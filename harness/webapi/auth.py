"""Bearer-token authentication, refused the way Sentry refuses it.

Sentry authenticates API calls with Django REST framework authenticators
(``src/sentry/api/authentication.py``): ``UserAuthTokenAuthentication`` for ``Bearer <token>``
(``OrgAuthTokenAuthentication`` for ``Bearer sntrys_…``) and ``ApiKeyAuthentication`` for
``Basic``. A refusal is DRF's ``AuthenticationFailed``: **401** with ``{"detail": "<message>"}``
and ``WWW-Authenticate: xBasic realm="api"``. No credentials at all on an endpoint that needs
them is DRF's ``NotAuthenticated``: 401, ``"Authentication credentials were not provided."``.
A token scoped to one organization used on another's URL: 401 ``"Unauthorized organization
access."``. Messages here are Sentry's, word for word. Pure function; the store is a lookup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

ORG_TOKEN_PREFIX = "sntrys_"
WWW_AUTHENTICATE = 'xBasic realm="api"'
NOT_PROVIDED = "Authentication credentials were not provided."


@dataclass(frozen=True, slots=True)
class Principal:
    """Who made an authenticated call: the token's organization scope (None = any)."""

    org: str | None
    label: str | None = None


@dataclass(frozen=True, slots=True)
class AuthRefused(Exception):
    status: int
    detail: str


TokenLookup = Callable[[str], Principal | None]


def authenticate(authorization: str | None, org: str | None, lookup: TokenLookup) -> Principal | None:
    """The caller's principal, None when no credentials were sent; raises `AuthRefused`.

    ``org`` is the organization slug in the URL (None for URLs without one).
    """
    if not authorization:
        return None
    parts = authorization.split()
    if not parts:
        return None
    scheme = parts[0].lower()
    if scheme == "basic":
        raise AuthRefused(401, "API key is not valid")
    if scheme != "bearer":
        return None  # no authenticator accepts it: as if nothing was sent
    if len(parts) == 1:
        raise AuthRefused(401, "Invalid token header. No credentials provided.")
    if len(parts) > 2:
        raise AuthRefused(401, "Invalid token header. Token string should not contain spaces.")
    token = parts[1]
    principal = lookup(token)
    if principal is None:
        raise AuthRefused(401, "Invalid org token" if token.startswith(ORG_TOKEN_PREFIX) else "Invalid token")
    if principal.org is not None and org is not None and principal.org != org:
        raise AuthRefused(401, "Unauthorized organization access.")
    return principal


def require(principal: Principal | None) -> None:
    """Endpoints that need a caller (all but the index) refuse an anonymous one."""
    if principal is None:
        raise AuthRefused(401, NOT_PROVIDED)

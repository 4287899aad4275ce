"""What every web-API handler shares: JSON answers, Sentry's error shape, reading a JSON body.

One module below the route modules (`releases`, `uploads`, `gate`), the front and the app, so none
of them reaches into another for a helper.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

__all__ = ["GATE", "NOT_FOUND", "error", "json_response", "read_json"]

GATE = "/_gate"
"""Prefix of the gate-only routes (relative to ``/api/0``): no Sentry has them."""
NOT_FOUND = "The requested resource does not exist"


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)


def error(status: int, detail: str) -> Response:
    """Sentry's (DRF's) error body: ``{"detail": …}``."""
    return json_response({"detail": detail}, status)


async def read_json(request: Request) -> Any:
    """The request's JSON body; ``{}`` for an empty one; a 400 for one that does not parse."""
    raw = await request.body()
    if not raw:
        return {}
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise HTTPException(400, "JSON parse error") from None

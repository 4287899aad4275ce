"""Serves the built Vue client (targets/express_vue/client/dist) with the browser config injected.

One build serves every test: the page's DSN, environment, release, variant, mutant and rate
overrides are written into ``index.html`` at run time, in place of ``<!--gate:config-->``, exactly as
the Express server does. Assets get long caching; source maps answer 404 (they exist on disk only
to be uploaded) unless the ``maps-served-publicly`` mutant is on. Only ``assets/`` is served from
the build. If the client is not built, pages answer 503 and the API keeps working.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Final

from starlette.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

if TYPE_CHECKING:
    from pathlib import Path

    from starlette.requests import Request

    from .settings import Settings

__all__ = ["CLIENT_ROUTES", "ClientFiles", "browser_config", "inject_config", "not_found"]

PLACEHOLDER: Final = "<!--gate:config-->"
# The Vue router's pages; each answers the app's index.html.
CLIENT_ROUTES: Final = ("/", "/login", "/profile", "/search", "/tracks/{id}", "/media", "/errors")
_LONG_CACHE: Final = "public, max-age=31536000, immutable"


def browser_config(settings: Settings) -> dict[str, object]:
    """What the page is told (targets/README.md, "The injected browser config")."""
    return {
        "dsn": settings.browser_dsn,
        "environment": settings.environment,
        "release": settings.release,
        "enableSentry": settings.enable_sentry,
        "variant": settings.variant,
        "mutant": settings.mutant,
        "overrides": dict(settings.browser_overrides),
    }


def inject_config(html: str, config: dict[str, object]) -> str:
    payload = json.dumps(config, separators=(",", ":")).replace("<", "\\u003c")
    return html.replace(PLACEHOLDER, f"<script>window.__GATE_CONFIG__ = {payload}</script>", 1)


class ClientFiles:
    def __init__(self, settings: Settings) -> None:
        self.dist: Path = settings.client_dist.resolve()
        self.serve_maps = settings.is_mutant("maps-served-publicly")
        self.config = browser_config(settings)
        self._index: str | None = None

    def _page(self) -> str | None:
        if self._index is None:
            try:
                self._index = inject_config((self.dist / "index.html").read_text("utf-8"), self.config)
            except OSError:
                return None
        return self._index

    async def index(self, _: Request) -> Response:
        page = self._page()
        if page is None:
            return PlainTextResponse("client not built: run targets/express_vue/build.sh\n", status_code=503)
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    async def asset(self, request: Request) -> Response:
        relative = str(request.path_params["path"])
        assets = self.dist / "assets"
        candidate = (assets / relative).resolve()
        if (relative.endswith(".map") and not self.serve_maps) or not candidate.is_relative_to(assets):
            return not_found()
        if not candidate.is_file():
            return not_found()
        return FileResponse(candidate, headers={"Cache-Control": _LONG_CACHE})

    def routes(self) -> list[Route]:
        pages = [Route(path, self.index, methods=["GET", "HEAD"]) for path in CLIENT_ROUTES]
        return [*pages, Route("/assets/{path:path}", self.asset, methods=["GET", "HEAD"])]


def not_found() -> Response:
    """The answer of every unknown path (and of the hidden ones), as the Express server's."""
    return JSONResponse({"error": {"status": 404, "message": "Not Found"}}, 404)

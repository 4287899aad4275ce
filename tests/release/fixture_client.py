"""The release fixture client: built by esbuild into a temporary folder, served on a loopback port.

Variants are built, not configured: ``shift`` prepends blank lines to every source (a "stale" build of
the same code: other lines, other debug IDs), ``referenced_maps`` links the maps from the bundles.
"""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import orjson

from tests.support.http_server import serving

ROOT = Path(__file__).parent / "fixture_client"
ESBUILD = ROOT / "node_modules" / ".bin" / "esbuild"


def build_fixture(out: Path, *, shift: int = 0, referenced_maps: bool = False) -> Path:
    """Build the client into ``out/`` (``index.html`` and ``assets/``) and return ``out``."""
    src_root = ROOT
    if shift:
        src_root = out.parent / f"{out.name}-src"
        shutil.rmtree(src_root, ignore_errors=True)
        for path in (ROOT / "src").rglob("*.js"):
            target = src_root / path.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("\n" * shift + path.read_text())
    args = [
        str(ESBUILD),
        str(src_root / "src" / "main.js"),
        "--bundle",
        "--splitting",
        "--format=esm",
        "--minify",
        "--target=es2020",
        f"--sourcemap={'linked' if referenced_maps else 'external'}",
        f"--outdir={out / 'assets'}",
        "--entry-names=[name]",
        "--chunk-names=[name]-[hash]",
        "--log-level=warning",
    ]
    env = {**os.environ, "NODE_PATH": str(ROOT / "node_modules")}
    subprocess.run(args, check=True, capture_output=True, text=True, timeout=120, env=env, cwd=src_root)
    shutil.copy(ROOT / "index.html", out / "index.html")
    return out


class _Handler(http.server.SimpleHTTPRequestHandler):
    config: Mapping[str, Any] = {}
    serve_maps = False

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/config.js":
            body = b"window.__GATE_CONFIG__ = " + orjson.dumps(dict(self.config)) + b";"
            self.send_response(200)
            self.send_header("content-type", "text/javascript")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if path.endswith(".map") and not self.serve_maps:
            self.send_error(404)
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def serve(dist: Path, config: Mapping[str, Any], *, serve_maps: bool = False) -> Iterator[str]:
    """Serve ``dist`` on a free loopback port; ``/config.js`` injects the page's Sentry config."""
    handler = type("Handler", (_Handler,), {"config": dict(config), "serve_maps": serve_maps})
    with serving(partial(handler, directory=str(dist)), name="fixture-static") as url:
        yield url

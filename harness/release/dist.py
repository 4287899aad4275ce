"""What a built client folder holds: its JavaScript files, their debug IDs and their source maps.

Pure reading of files (no network): the facts the release checks compare with what was uploaded
and what events report. A debug ID is the ``//# debugId=<uuid>`` comment ``sentry-cli sourcemaps
inject`` (or a bundler plugin) appends, and the ``debug_id``/``debugId`` key of the map.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import orjson

from harness.webapi.bundle import normalize_debug_id

JS_SUFFIXES = (".js", ".mjs", ".cjs")
_DEBUG_ID = re.compile(rb"//# debugId=([0-9a-fA-F-]{32,36})")
_MAP_URL = re.compile(rb"//[#@] sourceMappingURL=(\S+)")
_TAIL = 4096


@dataclass(frozen=True)
class BuiltFile:
    path: Path
    relative: str
    """Path below the folder, with ``/``: the part of the URL that follows the prefix."""
    debug_id: str | None
    sourcemap_url: str | None
    """The ``sourceMappingURL`` the file references (none in a hidden-maps build)."""
    map_path: Path | None
    map_debug_id: str | None

    def url(self, prefix: str = "~/") -> str:
        return prefix.rstrip("/") + "/" + self.relative


def _map_debug_id(path: Path) -> str | None:
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    return normalize_debug_id(data.get("debug_id") or data.get("debugId"))


def read_built_file(path: Path, root: Path) -> BuiltFile:
    data = path.read_bytes()
    tail = data[-_TAIL:]
    ids = _DEBUG_ID.findall(tail)
    urls = _MAP_URL.findall(tail)
    map_url = urls[-1].decode("utf-8", "replace") if urls else None
    candidate = path.with_name(path.name + ".map")
    if map_url and not map_url.startswith("data:") and "://" not in map_url:
        referenced = (path.parent / map_url.split("?")[0]).resolve()
        if referenced.is_file():
            candidate = referenced
    map_path = candidate if candidate.is_file() else None
    return BuiltFile(
        path=path,
        relative=path.relative_to(root).as_posix(),
        debug_id=normalize_debug_id(ids[-1].decode()) if ids else None,
        sourcemap_url=map_url,
        map_path=map_path,
        map_debug_id=_map_debug_id(map_path) if map_path else None,
    )


def scan_dist(root: Path) -> list[BuiltFile]:
    """Every JavaScript file below ``root`` (``node_modules`` excluded), sorted by path."""
    files = [
        p
        for p in root.rglob("*")
        if p.is_file() and p.suffix in JS_SUFFIXES and "node_modules" not in p.relative_to(root).parts
    ]
    return [read_built_file(p, root) for p in sorted(files)]


def map_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.map") if p.is_file())

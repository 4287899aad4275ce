"""Artifact bundles as ``sentry-cli sourcemaps upload`` builds them: parse, index, read files.

Format (symbolic's ``SourceBundleWriter``, which sentry-cli 3.x uses for source maps): an 8-byte
header, the magic ``SYSB`` and a little-endian u32 format version, then a zip archive holding
``manifest.json`` and the files. The manifest's ``files`` maps each zip path to
``{"type", "url", "headers"}`` where ``type`` is ``minified_source``, ``source_map``, ``source``,
``indexed_ram_bundle``…, and ``headers`` carries ``debug-id`` and ``sourcemap`` (a file's map
reference); the other top-level keys are the bundle's attributes (``debug_id``, ``org``,
``project``, ``release``, ``dist``). Older writers put the attributes under ``attributes``.

Pure functions over bytes: this module never touches the network or the disk.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

MAGIC = b"SYSB"
HEADER = struct.Struct("<4sI")
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")


class BundleError(ValueError):
    """Not an artifact bundle this gate can read; the message says why."""


def normalize_debug_id(value: object) -> str | None:
    """Debug IDs compare as lower-case hyphenated UUIDs (an appendix after the UUID is dropped)."""
    if not isinstance(value, str):
        return None
    match = _UUID.match(value.strip())
    if match is None:
        return None
    hexes = match.group(0).replace("-", "").lower()
    return f"{hexes[:8]}-{hexes[8:12]}-{hexes[12:16]}-{hexes[16:20]}-{hexes[20:]}"


@dataclass(frozen=True, slots=True)
class BundleFile:
    path: str
    """Path inside the zip, e.g. ``files/_/_/assets/index.js``."""
    url: str
    """The file's URL as uploaded, e.g. ``~/assets/index.js``."""
    type: str
    headers: Mapping[str, str]
    size: int

    @property
    def debug_id(self) -> str | None:
        return normalize_debug_id(self.headers.get("debug-id"))

    @property
    def sourcemap(self) -> str | None:
        return self.headers.get("sourcemap")

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "url": self.url,
            "type": self.type,
            "headers": dict(self.headers),
            "debug_id": self.debug_id,
            "sourcemap": self.sourcemap,
            "size": self.size,
        }


@dataclass(frozen=True)
class ArtifactBundle:
    format_version: int
    attributes: Mapping[str, str]
    files: tuple[BundleFile, ...]
    archive: bytes = field(repr=False)
    """The zip part, kept to read files from."""

    @property
    def bundle_id(self) -> str | None:
        return normalize_debug_id(self.attributes.get("debug_id"))

    def read(self, path: str) -> bytes:
        with zipfile.ZipFile(io.BytesIO(self.archive)) as archive:
            return archive.read(path)

    def by_debug_id(self, debug_id: str, type: str) -> BundleFile | None:
        wanted = normalize_debug_id(debug_id)
        return next((f for f in self.files if f.debug_id == wanted and f.type == type), None)

    def by_url(self, url: str) -> BundleFile | None:
        return next((f for f in self.files if f.url == url), None)


def _headers(raw: object, where: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise BundleError(f"{where}: 'headers' is not an object")
    return {str(k).lower(): str(v) for k, v in raw.items()}


def parse_artifact_bundle(data: bytes) -> ArtifactBundle:
    """Read the header, the zip and its manifest; raises `BundleError` on anything malformed."""
    if len(data) < HEADER.size:
        raise BundleError(f"{len(data)} bytes: shorter than the {HEADER.size}-byte SYSB header")
    magic, version = HEADER.unpack_from(data)
    if magic != MAGIC:
        raise BundleError(f"header starts with {magic!r}, not {MAGIC!r}")
    archive = data[HEADER.size :]
    try:
        with zipfile.ZipFile(io.BytesIO(archive)) as zf:
            try:
                info = zf.getinfo("manifest.json")
            except KeyError:
                raise BundleError("the zip has no manifest.json") from None
            if info.file_size > MAX_MANIFEST_BYTES:
                raise BundleError(f"manifest.json is {info.file_size} bytes (limit {MAX_MANIFEST_BYTES})")
            manifest_bytes = zf.read(info)
            sizes = {i.filename: i.file_size for i in zf.infolist()}
    except zipfile.BadZipFile as exc:
        raise BundleError(f"the bytes after the header are not a zip: {exc}") from None
    try:
        manifest = orjson.loads(manifest_bytes)
    except orjson.JSONDecodeError as exc:
        raise BundleError(f"manifest.json is not JSON: {exc}") from None
    if not isinstance(manifest, dict):
        raise BundleError("manifest.json is not an object")
    raw_files = manifest.get("files", {})
    if not isinstance(raw_files, dict):
        raise BundleError("manifest.json 'files' is not an object")
    files: list[BundleFile] = []
    for path, spec in raw_files.items():
        if not isinstance(spec, dict):
            raise BundleError(f"manifest entry {path!r} is not an object")
        if path not in sizes:
            raise BundleError(f"manifest names {path!r}, which the zip does not hold")
        files.append(
            BundleFile(
                path=str(path),
                url=str(spec.get("url", "")),
                type=str(spec.get("type", "")),
                headers=_headers(spec.get("headers"), f"manifest entry {path!r}"),
                size=sizes[path],
            )
        )
    nested = manifest.get("attributes")
    attributes = {
        str(k): str(v)
        for k, v in (nested if isinstance(nested, dict) else manifest).items()
        if k not in ("files", "source_links", "attributes") and isinstance(v, str | int | float)
    }
    return ArtifactBundle(format_version=int(version), attributes=attributes, files=tuple(files), archive=archive)


def build_artifact_bundle(
    files: list[tuple[str, str, str, Mapping[str, str], bytes]],
    attributes: Mapping[str, str] | None = None,
    *,
    format_version: int = 2,
) -> bytes:
    """The inverse, for tests: ``[(zip path, url, type, headers, content)]`` → SYSB bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        manifest = {
            "files": {path: {"type": ty, "url": url, "headers": dict(headers)} for path, url, ty, headers, _ in files},
            **dict(attributes or {}),
        }
        zf.writestr("manifest.json", orjson.dumps(manifest))
        for path, _url, _ty, _headers, content in files:
            zf.writestr(path, content)
    return HEADER.pack(MAGIC, format_version) + buf.getvalue()

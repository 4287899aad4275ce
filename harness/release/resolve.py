"""Source-map accuracy: resolve captured frames through the uploaded bundles with ``symbolic``.

Sentry's own source-map reader (``symbolic``'s ``SourceMapCache``, what Symbolicator uses) maps a
minified ``(line, column)`` to the original file, line and function. A frame is found through the
event's ``debug_meta.images`` (``{"type": "sourcemap", "code_file": <url>, "debug_id": …}``): the
image whose ``code_file`` is the frame's ``abs_path`` gives the debug ID, and the uploaded bundle
file with that debug ID gives the map. Nothing falls back to release-and-URL matching: the point
is to prove the debug-ID path works.

Accuracy = throw sites whose frame resolved to the expected file, line and function / sites
expected. An unresolved site carries its reason: ``no-event``, ``no-frame``, ``no-debug-id``,
``map-missing``, ``release-mismatch`` (the map is missing and the event's release has no uploaded
bundle either), ``wrong-position``.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from symbolic.sourcemap import SourceMapView
from symbolic.sourcemapcache import SourceMapCache

from harness.results import CheckResult, Verdict
from harness.webapi.bundle import ArtifactBundle, normalize_debug_id

ACCURACY_CHECK = "release.sourcemaps.accuracy"
ACCURACY_THRESHOLD = 0.95
"""Resolved throw sites over expected ones at or above which source maps pass."""


@dataclass(frozen=True)
class ThrowSite:
    """Where a deliberate error is thrown in the original sources (``throw-sites.json``)."""

    id: str
    file: str
    line: int
    function: str
    column: int | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ThrowSite:
        return cls(
            id=str(data["id"]),
            file=str(data["file"]),
            line=int(data["line"]),
            function=str(data["function"]),
            column=int(data["column"]) if data.get("column") is not None else None,
        )


def load_throw_sites(path: Path) -> list[ThrowSite]:
    data = orjson.loads(path.read_bytes())
    sites = data["sites"] if isinstance(data, dict) else data
    return [ThrowSite.from_json(s) for s in sites]


@dataclass(frozen=True)
class Resolved:
    file: str | None
    line: int | None
    column: int | None
    function: str | None


@dataclass(frozen=True)
class SiteOutcome:
    site: ThrowSite
    ok: bool
    reason: str | None
    frame: Mapping[str, Any] | None = None
    debug_id: str | None = None
    resolved: Resolved | None = None
    event_release: str | None = None

    def as_dict(self) -> dict[str, Any]:
        frame = self.frame or {}
        return {
            "site": self.site.id,
            "expected": f"{self.site.file}:{self.site.line} {self.site.function}",
            "ok": self.ok,
            "reason": self.reason,
            "minified": f"{frame.get('abs_path') or frame.get('filename')}:{frame.get('lineno')}:{frame.get('colno')}"
            if frame
            else None,
            "debug_id": self.debug_id,
            "resolved": (
                f"{self.resolved.file}:{self.resolved.line}:{self.resolved.column} {self.resolved.function}"
                if self.resolved
                else None
            ),
            "event_release": self.event_release,
        }


@dataclass
class BundleIndex:
    """Minified sources and maps of the uploaded bundles, by debug ID; caches are built once per ID."""

    sources: dict[str, bytes] = field(default_factory=dict)
    maps: dict[str, bytes] = field(default_factory=dict)
    releases: set[str] = field(default_factory=set)
    _caches: dict[str, SourceMapCache | SourceMapView] = field(default_factory=dict)

    @classmethod
    def from_bundles(cls, bundles: Iterable[ArtifactBundle], releases: Iterable[str] = ()) -> BundleIndex:
        index = cls(releases=set(releases))
        for bundle in bundles:
            for f in bundle.files:
                if f.debug_id is None:
                    continue
                if f.type == "source_map":
                    index.maps[f.debug_id] = bundle.read(f.path)
                elif f.type == "minified_source":
                    index.sources[f.debug_id] = bundle.read(f.path)
        return index

    def lookup(self, debug_id: str, line: int, column: int) -> Resolved | None:
        """``line`` and ``column`` 1-based, as SDKs report them; the answer 1-based too."""
        cache = self._caches.get(debug_id)
        if cache is None:
            smap = self.maps[debug_id]
            source = self.sources.get(debug_id)
            cache = (
                SourceMapCache.from_bytes(source, smap) if source is not None else SourceMapView.from_json_bytes(smap)
            )
            self._caches[debug_id] = cache
        if isinstance(cache, SourceMapCache):
            token = cache.lookup(line, column, 0)
            if token is None:
                return None
            return Resolved(token.src, token.line, token.col, token.function_name or token.name)
        match = cache.lookup(line - 1, column - 1)
        if match is None:
            return None
        return Resolved(match.src, match.src_line + 1, match.src_col + 1, match.function_name or match.name)


def same_source(resolved: str | None, expected: str) -> bool:
    """Whether a map's source path (``../src/a.js``, ``webpack://app/./src/a.js``, an absolute path)
    names the expected file (``src/a.js``): compared by trailing path components."""
    if not resolved:
        return False
    path = resolved.split("://", 1)[-1].split("?", 1)[0]
    got = [p for p in posixpath.normpath(path).split("/") if p not in ("", ".", "..")]
    want = [p for p in posixpath.normpath(expected).split("/") if p not in ("", ".")]
    return len(got) >= len(want) and got[-len(want) :] == want


def throw_frame(event: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The innermost frame of the event's main exception with a URL (Sentry lists frames oldest first)."""
    values = (event.get("exception") or {}).get("values") or []
    if not values:
        return None
    frames = ((values[-1].get("stacktrace") or {}).get("frames")) or []
    for frame in reversed(frames):
        path = str(frame.get("abs_path") or frame.get("filename") or "")
        if "://" in path and frame.get("lineno") is not None:
            return dict(frame)
    return None


def _images(event: Mapping[str, Any]) -> dict[str, str]:
    images = (event.get("debug_meta") or {}).get("images") or []
    out: dict[str, str] = {}
    for image in images:
        if image.get("type") == "sourcemap" and image.get("code_file"):
            debug_id = normalize_debug_id(image.get("debug_id"))
            if debug_id:
                out[str(image["code_file"])] = debug_id
    return out


def resolve_site(site: ThrowSite, event: Mapping[str, Any] | None, index: BundleIndex) -> SiteOutcome:
    if event is None:
        return SiteOutcome(site, False, "no-event")
    release = event.get("release")
    frame = throw_frame(event)
    if frame is None:
        return SiteOutcome(site, False, "no-frame", event_release=release)
    debug_id = _images(event).get(str(frame.get("abs_path") or frame.get("filename")))
    if debug_id is None:
        return SiteOutcome(site, False, "no-debug-id", frame, event_release=release)
    if debug_id not in index.maps:
        reason = "release-mismatch" if release not in index.releases else "map-missing"
        return SiteOutcome(site, False, reason, frame, debug_id, event_release=release)
    resolved = index.lookup(debug_id, int(frame["lineno"]), int(frame.get("colno") or 1))
    ok = (
        resolved is not None
        and same_source(resolved.file, site.file)
        and resolved.line == site.line
        and resolved.function == site.function
    )
    return SiteOutcome(site, ok, None if ok else "wrong-position", frame, debug_id, resolved, release)


@dataclass(frozen=True)
class AccuracyReport:
    outcomes: tuple[SiteOutcome, ...]

    @property
    def expected(self) -> int:
        return len(self.outcomes)

    @property
    def resolved(self) -> int:
        return sum(o.ok for o in self.outcomes)

    @property
    def accuracy(self) -> float:
        return self.resolved / self.expected if self.expected else 0.0

    def reasons(self) -> dict[str, int]:
        return dict(Counter(o.reason for o in self.outcomes if o.reason))

    def check(self, threshold: float = ACCURACY_THRESHOLD) -> CheckResult:
        ok = self.expected > 0 and self.accuracy >= threshold
        reasons = self.reasons()
        detail = "; unresolved: " + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())) if reasons else ""
        return CheckResult(
            ACCURACY_CHECK,
            Verdict.PASS if ok else Verdict.FAIL,
            f"source-map accuracy {self.accuracy:.1%} ({self.resolved}/{self.expected} frames;"
            f" threshold {threshold:.0%}){detail}",
            {
                "accuracy": round(self.accuracy, 4),
                "resolved": self.resolved,
                "expected": self.expected,
                "threshold": threshold,
                "reasons": reasons,
                "frames": [o.as_dict() for o in self.outcomes],
            },
        )


def measure_accuracy(
    sites: Sequence[ThrowSite], events_by_site: Mapping[str, Mapping[str, Any] | None], index: BundleIndex
) -> AccuracyReport:
    return AccuracyReport(tuple(resolve_site(site, events_by_site.get(site.id), index) for site in sites))


_MARK = re.compile(r"gate:throw-site\s+([a-z0-9-]+)\s+([A-Za-z_$][\w$]*)")


def collect_throw_sites(root: Path, src: str = "src") -> list[ThrowSite]:
    """Throw sites marked in sources with ``// gate:throw-site <id> <function>`` on the ``new Error`` line
    (the convention of the bundled target's ``scripts/throw-sites.mjs``); paths relative to ``root``."""
    sites: list[ThrowSite] = []
    for path in sorted((root / src).rglob("*")):
        if path.suffix not in (".js", ".mjs", ".ts", ".vue") or not path.is_file():
            continue
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = _MARK.search(text)
            if match is None:
                continue
            column = text.find("new Error")
            sites.append(
                ThrowSite(
                    id=match.group(1),
                    file=path.relative_to(root).as_posix(),
                    line=number,
                    function=match.group(2),
                    column=column + 5 if column >= 0 else None,
                )
            )
    return sites

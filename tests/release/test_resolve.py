"""Frame resolution rules without a browser: paths, frame choice, reasons, throw-site markers."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.release.dist import scan_dist
from harness.release.resolve import (
    BundleIndex,
    Resolved,
    ThrowSite,
    collect_throw_sites,
    measure_accuracy,
    resolve_site,
    same_source,
    throw_frame,
)
from harness.results import Verdict

SITE = ThrowSite(id="s", file="src/lib/faults.js", line=6, function="throwFromClick")
DEBUG_ID = "2b11dbb5-deaf-5152-8fd2-95d3dca28199"
URL = "http://127.0.0.1:1/assets/main.js"


def _event(*, debug_id: str | None = DEBUG_ID, release: str | None = "r1") -> dict[str, object]:
    frames = [
        {"filename": URL, "function": "outer", "lineno": 1, "colno": 1},
        {"filename": URL, "function": "cs", "lineno": 17, "colno": 31113},
        {"filename": "<anonymous>", "function": "?", "lineno": 1},
    ]
    event: dict[str, object] = {"release": release, "exception": {"values": [{"stacktrace": {"frames": frames}}]}}
    if debug_id:
        event["debug_meta"] = {"images": [{"type": "sourcemap", "code_file": URL, "debug_id": debug_id.upper()}]}
    return event


class _Index(BundleIndex):
    def __init__(self, answer: Resolved | None, *, has_map: bool = True) -> None:
        super().__init__(maps={DEBUG_ID: b"{}"} if has_map else {}, releases={"r1"})
        self.answer = answer

    def lookup(self, debug_id: str, line: int, column: int) -> Resolved | None:
        assert (debug_id, line, column) == (DEBUG_ID, 17, 31113)
        return self.answer


@pytest.mark.parametrize(
    ("resolved", "expected", "same"),
    [
        ("../src/lib/faults.js", "src/lib/faults.js", True),
        ("webpack://app/./src/lib/faults.js", "src/lib/faults.js", True),
        ("/work/app/src/lib/faults.js", "src/lib/faults.js", True),
        ("../src/lib/other.js", "src/lib/faults.js", False),
        ("faults.js", "src/lib/faults.js", False),
        (None, "src/a.js", False),
    ],
)
def test_same_source(resolved: str | None, expected: str, same: bool) -> None:
    assert same_source(resolved, expected) is same


def test_the_throw_frame_is_the_innermost_with_a_url() -> None:
    frame = throw_frame(_event())
    assert frame is not None
    assert frame["function"] == "cs"
    assert throw_frame({"exception": {"values": []}}) is None


def test_reasons() -> None:
    good = Resolved("../src/lib/faults.js", 6, 9, "throwFromClick")
    assert resolve_site(SITE, _event(), _Index(good)).ok
    assert resolve_site(SITE, None, _Index(good)).reason == "no-event"
    assert resolve_site(SITE, {"exception": {}}, _Index(good)).reason == "no-frame"
    assert resolve_site(SITE, _event(debug_id=None), _Index(good)).reason == "no-debug-id"
    assert resolve_site(SITE, _event(), _Index(good, has_map=False)).reason == "map-missing"
    assert resolve_site(SITE, _event(release="r2"), _Index(good, has_map=False)).reason == "release-mismatch"
    wrong_line = Resolved("../src/lib/faults.js", 7, 9, "throwFromClick")
    assert resolve_site(SITE, _event(), _Index(wrong_line)).reason == "wrong-position"
    wrong_name = Resolved("../src/lib/faults.js", 6, 9, "<anonymous>")
    assert resolve_site(SITE, _event(), _Index(wrong_name)).reason == "wrong-position"


def test_accuracy_threshold_and_summary() -> None:
    good = Resolved("src/lib/faults.js", 6, 9, "throwFromClick")
    sites = [ThrowSite(f"s{i}", SITE.file, SITE.line, SITE.function) for i in range(20)]
    events = {s.id: _event() for s in sites}
    assert measure_accuracy(sites, events, _Index(good)).check().passed
    events["s0"] = _event(debug_id=None)
    report = measure_accuracy(sites, events, _Index(good))
    assert report.accuracy == 0.95
    assert report.check().passed  # 95% is enough
    events["s1"] = None
    failing = measure_accuracy(sites, events, _Index(good)).check()
    assert failing.verdict is Verdict.FAIL
    assert failing.summary == (
        "source-map accuracy 90.0% (18/20 frames; threshold 95%); unresolved: no-debug-id 1, no-event 1"
    )
    assert measure_accuracy([], {}, _Index(good)).check().verdict is Verdict.FAIL


def test_throw_site_markers(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.js").write_text(
        "function f() {\n  throw new Error('x'); // gate:throw-site one f\n}\n"
        "// gate:throw-site two g (no error here)\n"
    )
    sites = collect_throw_sites(tmp_path)
    assert sites[0] == ThrowSite("one", "src/a.js", 2, "f", 13)
    assert sites[1].column is None


def test_scan_dist_reads_debug_ids_and_map_references(tmp_path: Path) -> None:
    (tmp_path / "a.js").write_text("x();\n//# debugId=2B11DBB5DEAF51528FD295D3DCA28199\n")
    (tmp_path / "a.js.map").write_text('{"version":3,"debug_id":"2b11dbb5-deaf-5152-8fd2-95d3dca28199"}')
    (tmp_path / "b.mjs").write_text("y();\n//# sourceMappingURL=maps/b.map\n")
    (tmp_path / "maps").mkdir()
    (tmp_path / "maps" / "b.map").write_text("{}")
    a, b = scan_dist(tmp_path)
    assert (a.relative, a.debug_id, a.map_debug_id, a.sourcemap_url) == ("a.js", DEBUG_ID, DEBUG_ID, None)
    assert a.url() == "~/a.js"
    assert (b.debug_id, b.sourcemap_url, b.map_path) == (None, "maps/b.map", (tmp_path / "maps" / "b.map").resolve())

"""The client's builds: the build cache, the throw-site list, hidden source maps with debug IDs, the
build-time variants (the stale maps resolve the served throw site elsewhere), the release script's pipeline
mutants, and a server that serves a build-time mutant's bundle."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable

import pytest

from harness.release.resolve import same_source
from harness.targets.target import Target

from .express import CLIENT, EXPRESS, build, bundle, click_throw_site, resolve, script_path

pytestmark = [pytest.mark.node, pytest.mark.xdist_group("express_vue")]

BUILD_TIME = ("maps-referenced", "no-debug-ids")


def test_build_is_cached_and_lists_throw_sites(node: str) -> None:
    build()  # a no-op after `make`; builds when the sources changed since
    out = build()
    assert "up to date client/dist" in out, out  # the second call rebuilt nothing
    check = subprocess.run(
        [node, "scripts/throw-sites.mjs", "--check"], cwd=CLIENT, capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stderr
    sites = {s["id"]: s for s in json.loads((CLIENT / "throw-sites.json").read_text())["sites"]}
    assert set(sites) == {"click-throw", "click-reject", "failing-api"}
    for site in sites.values():
        line = (CLIENT / site["file"]).read_text().splitlines()[site["line"] - 1]
        assert line[site["column"] - 1 :].startswith("Error("), site


def test_default_build_has_hidden_maps_with_debug_ids(node: str) -> None:
    code, source_map = bundle(CLIENT / "dist")
    assert "sourceMappingURL" not in code
    debug_id = re.search(r"//# debugId=([0-9a-f-]{36})\s*$", code)
    assert debug_id, "no debugId comment"
    assert source_map["debugId"] == debug_id.group(1)
    assert "<!--gate:config-->" in (CLIENT / "dist" / "index.html").read_text()


def test_build_time_variants(node: str) -> None:
    build("maps-referenced", "no-debug-ids", "stale-maps", "no-sentry")
    # the browser-overhead baseline: the same app with not one byte of the SDK (the default build has it)
    without, without_map = bundle(CLIENT / "dist-no-sentry")
    with_sdk, _ = bundle(CLIENT / "dist")
    assert "sentry.javascript" in with_sdk
    assert "sentry.javascript" not in without
    assert not [s for s in without_map["sources"] if "@sentry" in s]
    assert len(without) < len(with_sdk) / 2
    assert "<!--gate:config-->" in (CLIENT / "dist-no-sentry" / "index.html").read_text()
    code, _ = bundle(CLIENT / "dist-maps-referenced")
    assert re.search(r"//# sourceMappingURL=index-[\w-]+\.js\.map", code)
    code, source_map = bundle(CLIENT / "dist-no-debug-ids")
    assert "//# debugId=" not in code
    assert "debugId" not in source_map
    served, served_map = bundle(CLIENT / "dist")
    _stale, stale_map = bundle(CLIENT / "dist-stale-maps")
    assert stale_map["debugId"] != served_map["debugId"]
    # The served bundle's throw site, looked up in the stale maps, lands on the wrong line (or nowhere).
    site = click_throw_site()
    text = "gate client throw "
    served_lines = served.splitlines()
    line_no = next(i for i, line in enumerate(served_lines, 1) if text in line)
    col = served_lines[line_no - 1].index(text)
    col = served_lines[line_no - 1].rindex("Error(", 0, col) + 1
    good = resolve(served_map, line_no, col)
    assert good is not None
    assert (same_source(good.file, site["file"]), good.line) == (True, site["line"]), good
    bad = resolve(stale_map, line_no, col)
    assert bad is None or (bad.file, bad.line) != (good.file, good.line), bad


def test_release_script_pipeline_mutants() -> None:
    def commands(mutant: str | None) -> list[str]:
        env = {**os.environ, "SENTRY_RELEASE": "r9", "GATE_RELEASE_DRY_RUN": "1", "SENTRY_ENVIRONMENT": "staging"}
        env.pop("GATE_MUTANT", None)
        if mutant:
            env["GATE_MUTANT"] = mutant
        done = subprocess.run(
            ["bash", str(EXPRESS / "release.sh")], env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        return [" ".join(line.split()[1:3]) + " " + line.split()[-1] for line in done.stdout.splitlines()]

    if not (CLIENT / "dist-stale-maps" / "index.html").exists():
        pytest.skip("client/dist-stale-maps not built (test_build_time_variants builds it)")
    assert commands(None) == [
        "releases new r9",
        f"sourcemaps upload {CLIENT / 'dist'}",
        "releases finalize r9",
        "deploys new staging",
    ]
    assert "sourcemaps upload" not in " ".join(commands("maps-not-uploaded"))
    assert commands("stale-maps")[1] == f"sourcemaps upload {CLIENT / 'dist-stale-maps'}"
    assert commands("release-not-finalized") == ["releases new r9", f"sourcemaps upload {CLIENT / 'dist'}"]


@pytest.mark.parametrize("mutant", BUILD_TIME)
def test_build_time_mutant_is_served(factory: Callable[..., Target], mutant: str) -> None:
    build(mutant)
    target = factory(mutant=mutant)
    page = target.http.get("/").text
    code = target.http.get(script_path(page)).text
    if mutant == "maps-referenced":
        assert "//# sourceMappingURL=" in code
    else:
        assert "//# debugId=" not in code

"""The deploy workflow: clean under actionlint and ``zizmor --offline`` (both shown able to fail), secrets
only from ``secrets.*``, and its release steps replayed locally against the fake Sentry."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.common.prerequisites import unavailable
from harness.release import checks
from harness.release.dist import map_files, scan_dist
from harness.release.fixtures import SentryOrg
from harness.release.flow import STEPS, ReleaseFlow
from harness.release.workflow import load_job, release_steps, replay, substitute

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"
DEPLOY = WORKFLOWS / "deploy.yml"
BIN = Path(sys.executable).parent

BAD_WORKFLOW = """\
name: bad
on: [pull_request_target]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.pull_request.title }}"
      - run: echo ${{ secrets.SENTRY_AUTH_TOKEN }}
        env:
          BAD: ${{ toJSON(secrets) }}
"""


def _tool(name: str) -> Path:
    path = BIN / name
    if not path.exists():
        unavailable(f"no {name} in the virtualenv (dev dependency)")
    return path


def _run(*argv: str | Path, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in argv], cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def test_every_workflow_is_clean_under_actionlint() -> None:
    workflows = sorted(WORKFLOWS.glob("*.y*ml"))
    assert DEPLOY in workflows
    done = _run(_tool("actionlint"), "-no-color", *workflows)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_workflow_is_clean_under_zizmor_offline() -> None:
    done = _run(_tool("zizmor"), "--offline", "--no-progress", WORKFLOWS)
    assert done.returncode == 0, done.stdout + done.stderr


def test_both_linters_fail_on_a_bad_workflow(tmp_path: Path) -> None:
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(BAD_WORKFLOW + "      - run: echo ${{ github.nope( }}\n")
    lint = _run(_tool("actionlint"), "-no-color", bad, cwd=tmp_path)
    assert lint.returncode != 0
    assert "bad.yml" in lint.stdout
    bad.write_text(BAD_WORKFLOW)
    audit = _run(_tool("zizmor"), "--offline", "--no-progress", bad.parent, cwd=tmp_path)
    assert audit.returncode != 0
    for finding in ("template-injection", "unpinned-uses", "dangerous-triggers", "overprovisioned-secrets"):
        assert finding in audit.stdout, audit.stdout


def test_secrets_come_only_from_secrets() -> None:
    job = load_job(DEPLOY, "release")
    text = DEPLOY.read_text()
    assert "secrets." in text
    for step in job["steps"]:
        for name, value in (step.get("env") or {}).items():
            if "TOKEN" in name:
                assert value == f"${{{{ secrets.{name} }}}}", (step.get("id"), name)
        assert "secrets." not in str(step.get("run", "")), step.get("id")
    assert "sntry" not in text


def test_the_workflow_runs_the_flow_steps_in_the_flow_order() -> None:
    job = load_job(DEPLOY, "release")
    names = [s.id for s in release_steps(job)]
    assert names == [
        "release-new",
        "release-inject",
        "release-upload",
        "release-finalize",
        "release-deploy",
        "strip-maps",
    ]
    as_flow = {
        "release-new": "releases-new",
        "release-inject": "sourcemaps-inject",
        "release-upload": "sourcemaps-upload",
        "release-finalize": "releases-finalize",
        "release-deploy": "deploys-new",
    }
    assert tuple(as_flow[n] for n in names[:-1]) == STEPS
    # The same sentry-cli sub-commands as the flow runner's.
    flow = ReleaseFlow(Path("sentry-cli"), None, "R", Path("D")).commands()  # type: ignore[arg-type]
    for step, (_, argv) in zip(release_steps(job), flow, strict=False):
        assert step.run.startswith("sentry-cli " + " ".join(argv[1:3])), (step.id, argv)
    steps = [s.get("name") for s in job["steps"]]
    assert steps.index("Run the gate (pre-release profile)") < steps.index("Create the release")


def test_unknown_expressions_are_refused() -> None:
    with pytest.raises(KeyError, match=r"vars\.NOPE"):
        substitute("${{ vars.NOPE }}", {})
    assert substitute("a@${{ github.sha }}", {"github.sha": "abc"}) == "a@abc"


@pytest.mark.node
def test_the_release_steps_replay_locally_against_the_fake_sentry(
    sentry_cli: Path, sentry_org: SentryOrg, fresh_copy: Callable[[str], Path], tmp_path: Path
) -> None:
    workspace = tmp_path / "checkout"
    client = workspace / "targets" / "express_vue" / "client"
    client.mkdir(parents=True)
    shutil.copytree(fresh_copy("hardened"), client / "dist")
    sha = "0123456789abcdef0123456789abcdef01234567"
    table = {
        "github.sha": sha,
        "vars.SENTRY_URL": sentry_org.api.url,
        "vars.SENTRY_ORG": sentry_org.slug,
        "vars.SENTRY_PROJECT": "web",
        "secrets.SENTRY_AUTH_TOKEN": sentry_org.token,
    }
    base_env = {
        "PATH": f"{sentry_cli.parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "SENTRY_LOAD_DOTENV": "0",
        "SENTRY_HTTP_MAX_RETRIES": "0",
    }
    outcomes = replay(load_job(DEPLOY, "release"), workspace, table, base_env)
    failed = [o for o in outcomes if o.returncode != 0]
    assert not failed, failed[0].stderr if failed else ""
    assert len(outcomes) == 6
    release = f"sentry-gate-target@{sha}"
    api = sentry_org.api
    dist = client / "dist"
    bundles = api.bundles(sentry_org.slug, release=release)
    results = [
        checks.release_exists(api.release(sentry_org.slug, release), release),
        checks.release_finalized(api.release(sentry_org.slug, release), release),
        checks.release_deployed(api.deploys(sentry_org.slug, release), release, "production"),
        checks.maps_match_served(scan_dist(dist), bundles),
    ]
    assert [r.summary for r in results if not r.passed] == []
    assert map_files(dist) == []  # stripped before the deploy
    print({o.step.id: round(o.seconds, 3) for o in outcomes})

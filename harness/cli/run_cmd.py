"""``sentry-gate run``: start what a profile needs, run its suites, write the report.

The suites are pytest modules under ``harness/suites/<name>/`` (in the package); each check hands its
`CheckResult` to the ``gate_check`` fixture, which records it (``--gate-results``). The run starts one ingest for the
whole profile, points the suites at it (``--gate-ingest-url``) and keeps its store beside the
report, so what the SDKs sent during the run can be audited afterwards. Suites the profile names
but this build lacks are listed as missing, never silently passed.

For an external target (a URL) the run creates a server and a browser project, prints what to set in
the deployment, and waits (``--handshake-timeout``) until the deployment really sends to the gate;
nothing arriving is a set-up error (exit 2), not a verdict.

What the suites are told: one `harness.settings.Settings` (target, environment, release, target file,
and for an external target its ingest projects), handed to the pytest subprocess in its one serialised
form and read back by the ``gate_settings`` fixture.
"""

from __future__ import annotations

import argparse
import dataclasses
import ipaddress
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.cli.console import Console, make_console, progress
from harness.cli.handshake import external_handshake
from harness.cli.preflight import preflight
from harness.cli.target_arg import resolve_target, waivers
from harness.common.reaper import Reaper
from harness.errors import UsageError
from harness.ingest import IngestClient, IngestProcess, start_ingest
from harness.ingest.guard import is_loopback
from harness.recorder import read_results
from harness.report import RunInfo, write_report
from harness.report.criteria import CRITERION_KEYS, judge_coverage, judged_nothing
from harness.report.skips import SkippedTest, skipped_tests
from harness.results import CheckResult, Verdict, overall_verdict
from harness.settings import Settings, check_environment_name
from harness.targetfile import Described

PROFILES: dict[str, list[str]] = {
    "pre-release": ["production", "privacy", "release"],
    "privacy-audit": ["privacy"],
    "chaos": ["chaos"],
    "load": ["performance"],
    "sampling": ["sampling"],
    "all": ["production", "privacy", "release", "chaos", "performance", "sampling"],
}
BUDGET_S: dict[str, float] = {
    "pre-release": 600.0,
    "privacy-audit": 600.0,
    "chaos": 480.0,
    "load": 600.0,
    "sampling": 1800.0,
    "all": 4200.0,
}
"""docs/design.md's time budget per profile: exceeding it is reported; three times it stops the suites."""
EXIT_CODES = {Verdict.PASS: 0, Verdict.SKIPPED: 0, Verdict.FAIL: 1, Verdict.INCONCLUSIVE: 3}
EXIT_SETUP = 2
PYTEST_STOP_S = 4.0
"""After an interrupt, how long pytest gets to run its teardowns (targets stopped in order) before it is
killed; the reaper then has ``GRACE_S`` for anything left, so nothing outlives the run by 10 s."""
PYTEST_OK = (0, 1, 5)
"""pytest's own exit codes that mean the suites ran (5: nothing collected)."""
SUITES_DIR = Path(__file__).resolve().parents[1] / "suites"
"""The suites shipped in the package (``harness/suites``): found the same way in a checkout and in a wheel."""


def register(sub: Any) -> None:
    run = sub.add_parser("run", help="run a gate profile against a target and write the report")
    run.add_argument("--profile", choices=sorted(PROFILES), default="pre-release")
    run.add_argument(
        "--target",
        default=None,
        help="a target file (default: ./sentry-gate.toml), bundled:express-vue, bundled:python-api, or the"
        " http(s) URL of a deployment",
    )
    run.add_argument(
        "--environment",
        default=None,
        help="the environment to check, any name Sentry accepts (default: every environment the expectation"
        " file names; production for an external target)",
    )
    run.add_argument("--release", default=None, help="the release the deployment should report")
    run.add_argument(
        "--handshake-timeout",
        type=float,
        default=120.0,
        help="seconds to wait for an external deployment's first envelope (default 120)",
    )
    run.add_argument("--ingest-port", type=int, default=0, help="port of the run's ingest (default: a free one)")
    run.add_argument(
        "--ingest-host",
        default="127.0.0.1",
        help="the interface address the run's ingest binds, which the app's DSNs then name (default loopback);"
        " for an app in a container or on another host",
    )
    run.add_argument(
        "--dsn-key",
        default=None,
        help="public key for the external deployment's DSNs, so they stay the same across runs (32 hex digits)",
    )
    run.add_argument(
        "--waive",
        action="append",
        default=[],
        metavar="CRITERION=REASON",
        help=f"accept that no check covers a criterion, with the reason the report prints: {', '.join(CRITERION_KEYS)}",
    )
    run.add_argument("--reports", type=Path, default=Path("reports"), help="where reports/<run id>/ goes")
    run.add_argument(
        "--suites", type=Path, default=SUITES_DIR, help="the suites folder (default: the installed harness/suites)"
    )
    run.set_defaults(handler=_run)


@dataclass
class RunPlan:
    """A run's validated arguments: everything that can be wrong is found before anything starts."""

    profile: str
    environment: str | None
    """The environment ``--environment`` asked for (None: every one the target file declares)."""
    suites: list[Path]
    missing: list[str]
    settings: Settings = field(default_factory=Settings)
    waivers: dict[str, str] = field(default_factory=dict)
    """Criteria no check needs to cover, with the reason the report prints (the file's, then --waive)."""
    described: Described | None = None
    """The target file, read and validated once (None for a bare URL)."""

    @property
    def target(self) -> str:
        return self.settings.target or ""

    @property
    def external(self) -> bool:
        return self.settings.external

    @property
    def release(self) -> str | None:
        return self.settings.release


def plan_run(args: argparse.Namespace) -> RunPlan:
    """Validate the arguments and the target file (`UsageError` → exit 2) and find the profile's suites."""
    resolved = resolve_target(args.target)
    if args.handshake_timeout <= 0:
        raise UsageError("--handshake-timeout must be positive")
    if _unspecified(getattr(args, "ingest_host", "127.0.0.1")):
        raise UsageError("--ingest-host: name the address the app reaches (the DSNs carry it), not a wildcard")
    if args.environment is not None:
        try:
            check_environment_name(args.environment)
        except UsageError as exc:
            raise UsageError(f"--environment: {exc}") from exc
        declared = resolved.described.model.environments if resolved.described else {}
        if declared and args.environment not in declared:
            raise UsageError(
                f"--environment {args.environment!r} is not declared in {resolved.label}"
                f" (it declares {', '.join(declared)})"
            )
    wanted = PROFILES[args.profile]
    found = [s for s in wanted if any((args.suites / s).glob("test_*.py"))]
    settings = Settings.from_environ().replace(
        target=resolved.url or resolved.label,
        target_file=resolved.described.path if resolved.described else None,
        target_name=resolved.name,
        environment=args.environment,
        release=args.release or None,
    )
    if args.environment:  # the production suite's own narrowing; its other settings stay as they were
        production = dataclasses.replace(settings.production, environments=(args.environment,))
        settings = settings.replace(production=production)
    return RunPlan(
        profile=args.profile,
        environment=args.environment,
        suites=[args.suites / s for s in found],
        missing=[s for s in wanted if s not in found],
        settings=settings,
        waivers=waivers(resolved, args.waive),
        described=resolved.described,
    )


def suite_config(paths: list[Path]) -> list[str]:
    """The suites' own pytest configuration: the packaged ini, the suites folder as root and conftest cut,
    so no configuration of the repository the user runs the gate in applies to them."""
    root = Path(os.path.commonpath([p.resolve() for p in paths])) if paths else SUITES_DIR
    root = root if root.is_dir() else root.parent
    if len(paths) == 1:
        root = root.parent  # the suites folder itself, whose conftest every suite shares
    return ["-c", str(SUITES_DIR / "suites.ini"), "--rootdir", str(root), "--confcutdir", str(root)]


def pytest_command(paths: list[Path], out: Path, ingest_url: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pytest",
        *map(str, paths),
        *suite_config(paths),
        "--gate-results",
        str(out / "results.jsonl"),
        "--gate-ingest-url",
        ingest_url,
        "--junitxml",
        str(out / "junit.xml"),
        "--alluredir",
        str(out / "allure-results"),
        "-p",
        "no:cacheprovider",
        "-q",
        "-rfEs",
    ]


def _run_suites(plan: RunPlan, out: Path, ingest_url: str, console: Console) -> tuple[list[CheckResult], int, float]:
    results_path = out / "results.jsonl"
    budget = BUDGET_S[plan.profile]
    env = {**os.environ, **plan.settings.to_environ()}
    started = time.monotonic()
    with (
        (out / "pytest.log").open("w", encoding="utf-8") as log,
        progress(console, f"running suites: {', '.join(p.name for p in plan.suites)}") as status,
    ):
        proc = subprocess.Popen(
            pytest_command(plan.suites, out, ingest_url), stdout=log, stderr=subprocess.STDOUT, env=env
        )
        try:
            while True:
                try:
                    code = proc.wait(timeout=1.0)  # a heartbeat for the progress line, bounded by the budget below
                    break
                except subprocess.TimeoutExpired:
                    elapsed = time.monotonic() - started
                    if elapsed > 3 * budget:
                        proc.kill()
                        proc.wait(10)
                        code = -9
                        break
                    done = len(read_results(results_path))
                    status.update(f"running suites: {done} check(s) recorded, {elapsed:.0f} s (budget {budget:.0f} s)")
        except BaseException:  # interrupted: pytest tears its fixtures down (targets stop in order), briefly
            _stop_pytest(proc)
            raise
    return read_results(results_path), code, time.monotonic() - started


def _stop_pytest(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(PYTEST_STOP_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def _unspecified(host: str) -> bool:
    try:
        return not host or ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False  # a host name: it binds what it resolves to


def _start_ingest(out: Path, port: int, host: str) -> IngestProcess:
    try:
        return start_ingest(out / "ingest", extra_args=["--port", str(port)] if port else None, host=host)
    except RuntimeError as exc:
        raise UsageError(f"the run's ingest did not start: {exc}") from exc


class Interrupted(Exception):
    """SIGTERM reached the run: stop in order, write what was recorded, exit 128 + the signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _interrupt(signum: int, _frame: object) -> None:
    raise Interrupted(signum)


def _run(args: argparse.Namespace) -> int:
    """The run, with a reaper: whatever ends it, no process it started outlives it."""
    plan = plan_run(args)
    reaper = Reaper.start()
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return _run_marked(args, plan)
    finally:
        signal.signal(signal.SIGTERM, previous)
        reaper.close()


def _run_marked(args: argparse.Namespace, plan: RunPlan) -> int:
    console = make_console()
    started = time.time()
    run_id = time.strftime("%Y%m%d-%H%M%S", time.gmtime(started)) + f"-{plan.profile}"
    out = args.reports / run_id
    out.mkdir(parents=True, exist_ok=True)
    results: list[CheckResult] = []
    notes: list[str] = []
    setup_failed = False
    interrupted: int | None = None
    ingest = _start_ingest(out, args.ingest_port, args.ingest_host)
    if not is_loopback(args.ingest_host):
        notes.append(
            f"the ingest listened on {args.ingest_host} (its control API behind a token) for an app in a container or"
            " on another host: what only a process on this machine shows (its CPU and memory) is not measured"
        )
    console.print(f"sentry-gate: profile {plan.profile} on {plan.target}; ingest {ingest.url}; report {out}")
    try:
        with IngestClient(ingest.url, token=ingest.control_token) as client:
            results, setup_failed = _judge(plan, args, client, out=out, console=console, notes=notes)
            client.flush()
            stats = client.stats()
        notes.append(
            f"the run's ingest accepted {stats['accepted']} and refused {stats['rejected']} requests;"
            " its store is kept in ingest/"
        )
    except (KeyboardInterrupt, Interrupted) as exc:
        interrupted = exc.signum if isinstance(exc, Interrupted) else int(signal.SIGINT)
        results = read_results(out / "results.jsonl")
        notes.insert(
            0,
            f"interrupted by {signal.Signals(interrupted).name} after {time.time() - started:.0f} s: the report"
            f" holds the {len(results)} check(s) recorded before it; every process the run started was stopped",
        )
    finally:
        ingest.stop(timeout=2.0 if interrupted else 15.0)
    if not setup_failed and not interrupted:
        if all(r.verdict is Verdict.SKIPPED for r in results):
            results.append(judged_nothing(plan.profile, plan.target, results, external=plan.external))
        results += judge_coverage(plan.profile, results, plan.waivers)
    info = RunInfo(
        run_id=run_id,
        profile=plan.profile,
        target=plan.target,
        started_at=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(started)),
        duration_s=time.time() - started,
        ingest_url=ingest.url,
        suites_found=[p.name for p in plan.suites],
        suites_missing=plan.missing,
        notes=notes,
        environment=plan.environment,
        release=plan.release,
        setup_error=notes[0] if setup_failed else None,
        skipped=_skips(out / "junit.xml"),
    )
    path = write_report(args.reports, info, results)
    if interrupted:
        console.print(f"sentry-gate: {notes[0]}", style="bold yellow", markup=False)
        console.print(f"report: {path}")
        return 128 + interrupted
    if setup_failed:
        console.print(f"sentry-gate: set-up error: {notes[0]}", style="bold red", markup=False)  # [a.b] is no markup
        console.print(f"report: {path}")
        return EXIT_SETUP
    verdict = overall_verdict(results)
    counts = {v: sum(r.verdict is v for r in results) for v in Verdict}
    style = {Verdict.FAIL: "bold red", Verdict.INCONCLUSIVE: "bold yellow"}.get(verdict, "bold green")
    console.print(
        f"sentry-gate: profile {plan.profile}: {len(results)} check(s) ({counts[Verdict.PASS]} pass,"
        f" {counts[Verdict.FAIL]} fail, {counts[Verdict.INCONCLUSIVE]} inconclusive), verdict {verdict.value};"
        f" {len(plan.missing)} suite(s) not available yet ({', '.join(plan.missing) or 'none'})",
        style=style,
    )
    console.print(f"report: {path}")
    return EXIT_CODES[verdict]


def _judge(
    plan: RunPlan,
    args: argparse.Namespace,
    client: IngestClient,
    *,
    out: Path,
    console: Console,
    notes: list[str],
) -> tuple[list[CheckResult], bool]:
    """The handshake (external target) and the suites; the results and whether set-up failed."""
    results: list[CheckResult] = []
    if not plan.external and plan.described is not None and plan.suites:
        try:
            note, plan.settings = preflight(plan.described, out / "target", client, plan.settings)
            notes.append(note)
        except UsageError as exc:
            notes.insert(0, str(exc))
            return results, True
    if plan.external:
        ok, said, plan.settings = external_handshake(
            plan.settings, client, dsn_key=args.dsn_key, timeout=args.handshake_timeout, console=console
        )
        notes += said
        if not ok:
            return results, True
    if not plan.suites:
        return results, False
    results, code, took = _run_suites(plan, out, client.url, console)
    failed_without_result = code == 1 and not any(r.verdict is Verdict.FAIL for r in results)
    if code not in PYTEST_OK or failed_without_result:
        results.append(
            CheckResult(
                "gate.suites.run",
                Verdict.FAIL,
                f"the suites did not run cleanly (pytest exit {code}); see pytest.log",
                {"pytest_exit": code},
            )
        )
    if plan.external:
        notes.append(
            f"external deployment: {len(results)} check(s) ran on {plan.target}; the suites' other"
            " checks restart a bundled target with other settings and were skipped (see junit.xml)"
        )
    names = ", ".join(p.name for p in plan.suites)
    notes.append(f"suites ran: {names} (pytest exit {code}, {took:.0f} s; log: pytest.log, junit.xml)")
    if took > BUDGET_S[plan.profile]:
        notes.append(f"the suites took {took:.0f} s, over the profile's budget of {BUDGET_S[plan.profile]:.0f} s")
    return results, False


def _skips(junit: Path) -> list[SkippedTest]:
    """The tests pytest skipped, for the report (none when the suites did not get to write junit.xml)."""
    try:
        return skipped_tests(junit.read_text(encoding="utf-8"))
    except OSError:
        return []

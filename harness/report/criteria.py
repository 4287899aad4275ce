"""The seed plan's success criteria and the checks that prove each (docs/design.md, "What the plan asked for").

Criteria name check-id *patterns*, not lists of ids, so a check added later under a family (say a new
``production.sampling.*`` or ``performance.*`` id) counts towards its criterion without an edit here.
A criterion with no check in a run is "not checked", never a pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Final

from harness.results import CheckResult, Verdict, overall_verdict

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "CRITERIA",
    "CRITERION_KEYS",
    "PROFILE_CRITERIA",
    "Criterion",
    "CriterionStatus",
    "criteria_status",
    "judge_coverage",
    "judged_nothing",
]


@dataclass(frozen=True, slots=True)
class Criterion:
    key: str
    """Its short name, as a waiver names it (``[waive] overhead = "…"``, ``--waive overhead=…``)."""
    seed: str
    """The criterion as the plan states it."""
    proof: str
    """What the gate does to prove it."""
    patterns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CriterionStatus:
    criterion: Criterion
    verdict: Verdict | None
    """None: no check of this criterion ran."""
    checks: tuple[CheckResult, ...]


CRITERIA: Final = (
    Criterion(
        "rates",
        "environment-specific configuration (trace, replay and profile rates per environment)",
        "sampling ratios per environment with intervals, and the declared sample_rate in trace headers",
        ("production.sampling.*", "production.config.*", "production.profiling.*"),
    ),
    Criterion(
        "filters",
        "beforeSend / beforeSendTransaction filtering (health, <10 ms, extension frames, dev noise)",
        "each filter exercised and its drop seen in client reports",
        ("production.filters.*",),
    ),
    Criterion(
        "scrubbing",
        "sensitive data filtering (authorization, cookie, x-api-key, x-forwarded-for, query strings)",
        "canaries in every request part, scanned across every payload; Relay's rules as a second net",
        ("privacy.server.*", "privacy.query-strings", "privacy.browser.*", "privacy.audit.*", "privacy.exposure.*"),
    ),
    Criterion(
        "replay-masking",
        "session replay privacy masking",
        "Playwright types canaries, the replay is decoded and scanned; masking, blocking, network allowlists",
        ("privacy.replay.*",),
    ),
    Criterion(
        "source-maps",
        "source map access controls, accuracy > 95%",
        "maps not served publicly; captured frames resolved through the uploaded bundle with symbolic",
        ("release.sourcemaps.*",),
    ),
    Criterion(
        "releases",
        "release tracking, CI creates releases",
        "real sentry-cli against the fake web API: release, artifact bundle, finalize, deploy; events carry it",
        ("release.pipeline.*", "release.events.*", "release.cli.*", "release.api.*", "production.release.*"),
    ),
    Criterion(
        "delivery",
        "99.9% data delivery reliability",
        "injected vs received, the rest accounted by client reports with reasons",
        ("production.delivery.*",),
    ),
    Criterion(
        "overhead",
        "< 2% performance impact",
        "interleaved Locust A/B with a confidence bound; browser overhead with and without Replay",
        ("performance.*",),
    ),
    Criterion(
        "monitoring",
        "health and monitoring endpoints",
        "their contract, and that their noise is filtered",
        ("production.monitoring.*", "production.filters.*health*"),
    ),
    Criterion(
        "rollback",
        "rollback: sampling to 0 by environment",
        "kill switch verified: nothing sent when rates are 0",
        ("production.rollback.*",),
    ),
    Criterion(
        "resilience",
        "resilience",
        "the app keeps serving when Sentry is down, slow or rate-limiting, and when Spotify fails",
        ("chaos.*",),
    ),
)


def criteria_status(results: list[CheckResult]) -> list[CriterionStatus]:
    """Each criterion with the checks of this run that prove it, combined as the run's verdict is."""
    out = []
    for criterion in CRITERIA:
        matched = tuple(r for r in results if any(fnmatchcase(r.check_id, p) for p in criterion.patterns))
        out.append(CriterionStatus(criterion, overall_verdict(list(matched)) if matched else None, matched))
    return out


PROFILE_CRITERIA: Final[dict[str, tuple[str, ...]]] = {
    "pre-release": (
        "rates",
        "filters",
        "scrubbing",
        "replay-masking",
        "source-maps",
        "releases",
        "delivery",
        "monitoring",
        "rollback",
    ),
    "privacy-audit": ("scrubbing", "replay-masking"),
    "chaos": ("resilience",),
    "load": ("overhead",),
    "sampling": ("rates",),
    "all": tuple(c.key for c in CRITERIA),
}
"""What each profile promises to judge, in general terms. A criterion of the run's profile that no check
judged (every matching check skipped, or none ran) makes the run INCONCLUSIVE unless it is waived."""
CRITERION_KEYS: Final = tuple(c.key for c in CRITERIA)


def judge_coverage(profile: str, results: list[CheckResult], waivers: Mapping[str, str]) -> list[CheckResult]:
    """One ``gate.criteria.<key>`` result per criterion of ``profile`` that no check judged: INCONCLUSIVE,
    or SKIPPED with the waiver's reason. Criteria that some check judged add nothing (their checks speak)."""
    by_key = {c.key: c for c in CRITERIA}
    added: list[CheckResult] = []
    for key in PROFILE_CRITERIA.get(profile, ()):
        criterion = by_key[key]
        matched = [r for r in results if any(fnmatchcase(r.check_id, p) for p in criterion.patterns)]
        judged = [r for r in matched if r.verdict is not Verdict.SKIPPED]
        if judged:
            continue
        why = f"{len(matched)} matching check(s), all skipped" if matched else "no matching check ran"
        if key in waivers:
            added.append(
                CheckResult(
                    f"gate.criteria.{key}",
                    Verdict.SKIPPED,
                    f"waived: {waivers[key]} ({criterion.seed}: {why})",
                    {"criterion": key, "waiver": waivers[key], "matched": len(matched)},
                )
            )
            continue
        added.append(
            CheckResult(
                f"gate.criteria.{key}",
                Verdict.INCONCLUSIVE,
                f"the {profile} profile checks {criterion.seed}, and no check judged it on this target ({why});"
                f' see the skipped tests for what is missing, or waive it with a reason ([waive] {key} = "…"'
                f" in the target file, or --waive {key}=REASON)",
                {"criterion": key, "matched": len(matched), "patterns": list(criterion.patterns)},
            )
        )
    return added


def judged_nothing(profile: str, target: str, results: list[CheckResult], *, external: bool) -> CheckResult:
    """A run whose every check was skipped (or that recorded none) judged nothing: INCONCLUSIVE, never a pass."""
    why = (
        "the suites' checks need a target the gate starts (they restart it with other settings)"
        if external
        else "see the skipped tests and their reasons in summary.md"
    )
    return CheckResult(
        "gate.run.judged-nothing",
        Verdict.INCONCLUSIVE,
        f"the {profile} profile judged nothing on {target}: {len(results)} check(s) recorded, all skipped; {why}",
        {"recorded": len(results)},
    )

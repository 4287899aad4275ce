"""The seed plan's success criteria and the checks that prove each (docs/design.md, "What the plan asked for").

Criteria name check-id *patterns*, not lists of ids, so a check added later under a family (say a new
``production.sampling.*`` or ``performance.*`` id) counts towards its criterion without an edit here.
A criterion with no check in a run is "not checked", never a pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Final

from harness.results import CheckResult, Verdict, overall_verdict

__all__ = ["CRITERIA", "Criterion", "CriterionStatus", "criteria_status"]


@dataclass(frozen=True, slots=True)
class Criterion:
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
        "environment-specific configuration (trace, replay and profile rates per environment)",
        "sampling ratios per environment with intervals, and the declared sample_rate in trace headers",
        ("production.sampling.*", "production.config.*", "production.profiling.*"),
    ),
    Criterion(
        "beforeSend / beforeSendTransaction filtering (health, <10 ms, extension frames, dev noise)",
        "each filter exercised and its drop seen in client reports",
        ("production.filters.*",),
    ),
    Criterion(
        "sensitive data filtering (authorization, cookie, x-api-key, x-forwarded-for, query strings)",
        "canaries in every request part, scanned across every payload; Relay's rules as a second net",
        ("privacy.server.*", "privacy.query-strings", "privacy.browser.*", "privacy.audit.*", "privacy.exposure.*"),
    ),
    Criterion(
        "session replay privacy masking",
        "Playwright types canaries, the replay is decoded and scanned; masking, blocking, network allowlists",
        ("privacy.replay.*",),
    ),
    Criterion(
        "source map access controls, accuracy > 95%",
        "maps not served publicly; captured frames resolved through the uploaded bundle with symbolic",
        ("release.sourcemaps.*",),
    ),
    Criterion(
        "release tracking, CI creates releases",
        "real sentry-cli against the fake web API: release, artifact bundle, finalize, deploy; events carry it",
        ("release.pipeline.*", "release.events.*", "release.cli.*", "release.api.*", "production.release.*"),
    ),
    Criterion(
        "99.9% data delivery reliability",
        "injected vs received, the rest accounted by client reports with reasons",
        ("production.delivery.*",),
    ),
    Criterion(
        "< 2% performance impact",
        "interleaved Locust A/B with a confidence bound; browser overhead with and without Replay",
        ("performance.*",),
    ),
    Criterion(
        "health and monitoring endpoints",
        "their contract, and that their noise is filtered",
        ("production.monitoring.*", "production.filters.*health*"),
    ),
    Criterion(
        "rollback: sampling to 0 by environment",
        "kill switch verified: nothing sent when rates are 0",
        ("production.rollback.*",),
    ),
    Criterion(
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

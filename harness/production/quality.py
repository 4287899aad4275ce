"""Event quality as pure checks: is one captured error useful to whoever is paged for it?

An injected error must carry in-app frames, a request context with its sensitive headers scrubbed
(`harness.redact.SENSITIVE_HEADERS`, the list the replay checks use too), the breadcrumbs that led to
it and its route, and pass Relay's own normalization with no ``_meta`` errors; the same error twice
must group the same. Kept apart from `harness.production.checks` (rates, releases, filters, delivery)
because these read one event's payload, not counts of what arrived.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.redact import SENSITIVE_HEADERS
from harness.results import CheckResult, Verdict

__all__ = ["event_quality_checks", "grouping_inputs", "grouping_stable", "normalization_errors"]


def _frames(event: Mapping[str, Any]) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    for value in (event.get("exception") or {}).get("values") or []:
        frames += [f for f in ((value.get("stacktrace") or {}).get("frames") or []) if isinstance(f, dict)]
    return frames


def grouping_inputs(event: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """Exception types and in-app frames (module or file, function): what groups an error."""
    types = tuple(str(v.get("type")) for v in (event.get("exception") or {}).get("values") or [])
    frames = tuple(
        (str(f.get("module") or f.get("filename") or ""), str(f.get("function") or ""))
        for f in _frames(event)
        if f.get("in_app")
    )
    return types, frames


def _meta_errors(meta: Any, path: str = "$") -> list[str]:
    found: list[str] = []
    if isinstance(meta, dict):
        for key, value in meta.items():
            if key == "" and isinstance(value, dict) and value.get("err"):
                found.append(f"{path}: {value['err']}")
            else:
                found += _meta_errors(value, f"{path}.{key}" if key else path)
    elif isinstance(meta, list):
        for i, value in enumerate(meta):
            found += _meta_errors(value, f"{path}[{i}]")
    return found


def normalization_errors(event: Mapping[str, Any]) -> list[str]:
    """Errors Relay's own normalization records in ``_meta`` (`sentry_relay.StoreNormalizer`)."""
    from sentry_relay.processing import StoreNormalizer  # loaded on use: Relay's library is large

    normalized = StoreNormalizer().normalize_event(dict(event))
    return _meta_errors(normalized.get("_meta") or {}) + [str(e) for e in normalized.get("errors") or []]


def _request_problems(event: Mapping[str, Any]) -> list[str]:
    request = event.get("request") or {}
    headers = request.get("headers") or {}
    names = [str(h[0] if isinstance(h, list | tuple) else h).lower() for h in headers]
    leaked = [n for n in names if n in SENSITIVE_HEADERS]
    problems = []
    if not request.get("url"):
        problems.append("no request.url")
    if not request.get("method"):
        problems.append("no request.method")
    if leaked:
        problems.append(f"unscrubbed headers {leaked}")
    if request.get("cookies"):
        problems.append("request.cookies present")
    return problems


def event_quality_checks(event: Mapping[str, Any], *, crumb_category: str | None = "gate") -> list[CheckResult]:
    """In-app frames, scrubbed request context, breadcrumbs leading to the error, the route, Relay normalization.

    ``crumb_category``: the category the breadcrumbs leading to the error must have (the bundled apps' fault
    route records ``gate`` ones); None for an app the gate never saw, whose own categories it cannot know:
    any breadcrumb then counts."""
    out = []
    in_app = [f for f in _frames(event) if f.get("in_app")]
    out.append(
        CheckResult(
            "production.quality.in-app-frames",
            Verdict.PASS if in_app else Verdict.FAIL,
            f"{len(in_app)} in-app frames of {len(_frames(event))}",
            {"in_app": len(in_app)},
        )
    )
    request = event.get("request") or {}
    problems = _request_problems(event)
    out.append(
        CheckResult(
            "production.quality.request-context",
            Verdict.FAIL if problems else Verdict.PASS,
            "; ".join(problems) or f"request {request.get('method')} {request.get('url')} with scrubbed headers",
            {"problems": problems},
        )
    )
    crumbs = event.get("breadcrumbs") or []
    values = crumbs.get("values", []) if isinstance(crumbs, dict) else crumbs
    ours = [c for c in values if isinstance(c, dict) and crumb_category in (None, c.get("category"))]
    kind = "breadcrumbs" if crumb_category is None else f"breadcrumbs of category {crumb_category!r} of {len(values)}"
    out.append(
        CheckResult(
            "production.quality.breadcrumbs",
            Verdict.PASS if ours else Verdict.FAIL,
            f"{len(ours)} {kind} lead to the error",
            {"breadcrumbs": len(values), "ours": len(ours)},
        )
    )
    tags = event.get("tags")
    route = event.get("transaction") or (tags.get("transaction") if isinstance(tags, dict) else None)
    out.append(
        CheckResult(
            "production.quality.transaction",
            Verdict.PASS if route else Verdict.FAIL,
            f"transaction/route {route!r}",
            {"transaction": route},
        )
    )
    errors = normalization_errors(event)
    out.append(
        CheckResult(
            "production.quality.relay-normalization",
            Verdict.FAIL if errors else Verdict.PASS,
            f"{len(errors)} normalization errors in _meta" + (f": {errors[:5]}" if errors else ""),
            {"errors": errors[:20]},
        )
    )
    return out


def grouping_stable(check_id: str, first: Mapping[str, Any], second: Mapping[str, Any]) -> CheckResult:
    """Equal exception types and in-app frames, and equal custom ``fingerprint`` where an event sets one (it
    replaces or extends the default grouping, so a value that differs per occurrence splits the issue)."""
    a, b = grouping_inputs(first), grouping_inputs(second)
    evidence = {"first": [list(a[0]), [list(f) for f in a[1]]], "second": [list(b[0]), [list(f) for f in b[1]]]}
    prints = (first.get("fingerprint"), second.get("fingerprint"))
    if prints != (None, None):
        evidence["fingerprints"] = list(prints)
    if prints[0] != prints[1]:
        return CheckResult(check_id, Verdict.FAIL, f"custom fingerprints differ: {prints[0]} vs {prints[1]}", evidence)
    if a != b:
        return CheckResult(check_id, Verdict.FAIL, f"grouping inputs differ: {a} vs {b}", evidence)
    if not a[1]:
        return CheckResult(check_id, Verdict.FAIL, f"no in-app frames to group on (types {a[0]})", evidence)
    return CheckResult(
        check_id, Verdict.PASS, f"same exception types {a[0]} and {len(a[1])} in-app frames twice", evidence
    )

"""Scrubbers of the hardened variant: pure functions over event dicts, no SDK imports.

The Python twin of ``express_vue/server/src/config/scrub.mjs``, rule for rule: query values become
``[Filtered]`` (keys stay) wherever a URL or query travels, and named request headers are removed.
They never raise on odd shapes; what they do not know stays as it is.
"""

from __future__ import annotations

import re
from typing import Any, Final

__all__ = [
    "FILTERED",
    "SCRUBBED_HEADERS",
    "filter_breadcrumb",
    "filter_event_queries",
    "filter_query_string",
    "filter_url",
    "filter_urls_in_text",
    "remove_headers",
]

FILTERED: Final = "[Filtered]"
# Headers the plan removes in production; the hardened variant removes them in every mode.
SCRUBBED_HEADERS: Final = ("authorization", "cookie", "x-api-key", "x-forwarded-for")

_URL_KEYS: Final = ("url", "http.url", "url.full", "from", "to", "http.target", "url.path")
_QUERY_KEYS: Final = ("http.query", "url.query", "query")
_URL_IN_TEXT: Final = re.compile(r"((?:https?://[^\s?#\"']+)?/[^\s?#\"']*)\?([^\s#\"']*)")


def filter_query_string(query: object) -> object:
    """``a=1&b=2`` -> ``a=[Filtered]&b=[Filtered]``: keep the keys, drop every value."""
    if not isinstance(query, str) or not query:
        return query
    return "&".join(pair if not pair else f"{pair.partition('=')[0]}={FILTERED}" for pair in query.split("&"))


def filter_url(url: object) -> object:
    """Filter the query values of a URL or path; a fragment is dropped (it can carry tokens too)."""
    if not isinstance(url, str) or "?" not in url:
        return url
    head, _, rest = url.partition("?")
    query = rest.partition("#")[0]
    return f"{head}?{filter_query_string(query)}"


def filter_urls_in_text(text: object) -> object:
    """Replace the query values of every URL-looking token (``/p?x=y``, ``http://h/p?x=y``) in text."""
    if not isinstance(text, str) or "?" not in text:
        return text
    return _URL_IN_TEXT.sub(lambda m: f"{m.group(1)}?{filter_query_string(m.group(2))}", text)


def _filter_data(data: object) -> None:
    if not isinstance(data, dict):
        return
    for key in _URL_KEYS:
        if isinstance(data.get(key), str):
            data[key] = filter_url(data[key])
    for key in _QUERY_KEYS:
        value = data.get(key)
        if isinstance(value, str):
            mark = "?" if value.startswith("?") else ""
            data[key] = f"{mark}{filter_query_string(value.removeprefix('?'))}"


def filter_breadcrumb(crumb: Any) -> Any:
    if isinstance(crumb, dict):
        _filter_data(crumb.get("data"))
        if isinstance(crumb.get("message"), str):
            crumb["message"] = filter_urls_in_text(crumb["message"])
    return crumb


def _filter_request(request: object) -> None:
    if not isinstance(request, dict):
        return
    if isinstance(request.get("url"), str):
        request["url"] = filter_url(request["url"])
    qs = request.get("query_string")
    if isinstance(qs, str):
        request["query_string"] = filter_query_string(qs)
    elif isinstance(qs, list):
        request["query_string"] = [[p[0], FILTERED] if isinstance(p, list | tuple) and p else p for p in qs]
    elif isinstance(qs, dict):
        request["query_string"] = dict.fromkeys(qs, FILTERED)


def filter_event_queries(event: dict[str, Any]) -> dict[str, Any]:
    """Everything with a URL in an event (error or transaction): request, breadcrumbs, spans, trace."""
    _filter_request(event.get("request"))
    crumbs = event.get("breadcrumbs")
    values = crumbs.get("values") if isinstance(crumbs, dict) else crumbs  # Python SDK: {"values": [...]}
    for crumb in values if isinstance(values, list) else []:
        filter_breadcrumb(crumb)
    for span in event.get("spans") or []:
        if isinstance(span, dict):
            _filter_data(span.get("data"))
            if isinstance(span.get("description"), str):
                span["description"] = filter_urls_in_text(span["description"])
    contexts = event.get("contexts")
    if isinstance(contexts, dict) and isinstance(contexts.get("trace"), dict):
        _filter_data(contexts["trace"].get("data"))
    if isinstance(event.get("transaction"), str):
        event["transaction"] = filter_urls_in_text(event["transaction"])
    return event


SENSITIVE_NAME_PARTS: Final = ("auth", "cookie", "key", "token", "secret", "session", "password", "csrf", "sid")
"""Header names containing any of these are masked: the Node SDK masks such names by default, sentry-sdk
only exact names, so without this a custom ``X-Session-Token`` header reached Sentry in clear."""


def mask_sensitive_headers(event: dict[str, Any]) -> None:
    """Replace the value of every header whose name looks secret with ``[Filtered]``; in place."""
    request = event.get("request")
    headers = request.get("headers") if isinstance(request, dict) else None
    if isinstance(headers, dict):
        for key in headers:
            if isinstance(key, str) and any(part in key.lower() for part in SENSITIVE_NAME_PARTS):
                headers[key] = FILTERED


def remove_headers(event: dict[str, Any], names: tuple[str, ...]) -> None:
    """Delete the named headers (case-insensitively) from an event's request; in place."""
    request = event.get("request")
    headers = request.get("headers") if isinstance(request, dict) else None
    if isinstance(headers, dict):
        for key in [k for k in headers if isinstance(k, str) and k.lower() in names]:
            del headers[key]

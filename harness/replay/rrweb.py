"""Decode rrweb events (what Sentry's replay SDK records) into the places a secret can sit.

rrweb event types: 2 full snapshot (a serialized DOM tree), 3 incremental snapshot (``source`` 0
mutations, 5 input), 5 custom (Sentry's ``breadcrumb`` with console and UI crumbs, and
``performanceSpan`` with ``resource.fetch``/``resource.xhr`` network details). Node types: 0 document,
1 doctype, 2 element, 3 text, 4 CDATA, 5 comment.

Pure functions over the decoded event list (``harness.envelope.ReplayRecording.events``); a location is
an rrweb node path such as ``event 3 (full snapshot) / html > body > div#app > input#email @value``, so a
finding says where without quoting the page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from harness.envelope.jsontree import walk_json

FULL_SNAPSHOT, INCREMENTAL, META, CUSTOM = 2, 3, 4, 5
MUTATION, INPUT = 0, 5
ELEMENT, TEXT = 2, 3


@dataclass(frozen=True, slots=True)
class ReplayString:
    """One string of a recording: ``category`` is text, attribute, input, network, console, breadcrumb or other."""

    where: str
    category: str
    text: str


@dataclass(frozen=True, slots=True)
class NetworkDetail:
    """A ``resource.fetch``/``resource.xhr`` span with what the SDK captured of request and response."""

    where: str
    url: str
    request_headers: dict[str, str] = field(default_factory=dict)
    response_headers: dict[str, str] = field(default_factory=dict)
    request_body: Any = None
    response_body: Any = None

    @property
    def has_body(self) -> bool:
        return self.request_body is not None or self.response_body is not None


def _label(node: dict[str, Any]) -> str:
    tag = str(node.get("tagName") or "?")
    attrs = _dict(node.get("attributes"))
    ident = f"#{attrs['id']}" if isinstance(attrs.get("id"), str) and attrs["id"] else ""
    return tag + ident


def _classes(node: dict[str, Any]) -> set[str]:
    attrs = node.get("attributes")
    value = attrs.get("class") if isinstance(attrs, dict) else None
    return set(value.split()) if isinstance(value, str) else set()


@dataclass(frozen=True, slots=True)
class _Node:
    node: dict[str, Any]
    path: str
    ancestors_classes: frozenset[str]
    ancestor_ids: tuple[int, ...] = ()


@dataclass
class _Dom:
    """Every node ever recorded, by id, with its parent: mutations add subtrees under a ``parentId``."""

    nodes: dict[int, dict[str, Any]] = field(default_factory=dict)
    parents: dict[int, int] = field(default_factory=dict)

    def add(self, node: dict[str, Any], parent: int | None) -> None:
        node_id = node.get("id")
        if isinstance(node_id, int):
            self.nodes[node_id] = node
            if parent is not None:
                self.parents[node_id] = parent
        for child in node.get("childNodes") or []:
            if isinstance(child, dict):
                self.add(child, node_id if isinstance(node_id, int) else None)

    def ancestors(self, node: dict[str, Any]) -> list[dict[str, Any]]:
        """Outermost first; bounded, so a malformed recording with a parent cycle cannot loop."""
        chain: list[dict[str, Any]] = []
        current = node.get("id")
        for _ in range(512):
            parent = self.parents.get(current) if isinstance(current, int) else None
            if parent is None or parent not in self.nodes:
                break
            chain.append(self.nodes[parent])
            current = parent
        return list(reversed(chain))


def _walk_nodes(node: dict[str, Any], path: str, inherited: frozenset[str], ids: tuple[int, ...]) -> Iterator[_Node]:
    yield _Node(node, path, inherited, ids)
    classes = inherited | frozenset(_classes(node))
    node_id = node.get("id")
    child_ids = (*ids, node_id) if isinstance(node_id, int) else ids
    for child in node.get("childNodes") or []:
        if isinstance(child, dict):
            child_path = f"{path} > {_label(child)}" if child.get("type") == ELEMENT else path
            yield from _walk_nodes(child, child_path, classes, child_ids)


def _trees(events: list[dict[str, Any]], dom: _Dom) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every serialized node tree: full snapshots, and nodes added by mutations (indexed into ``dom``)."""
    for i, event in enumerate(events):
        data = event.get("data")
        if not isinstance(data, dict):
            continue
        if event.get("type") == FULL_SNAPSHOT and isinstance(data.get("node"), dict):
            dom.add(data["node"], None)
            yield f"event {i} (full snapshot)", data["node"]
        elif event.get("type") == INCREMENTAL and data.get("source") == MUTATION:
            for j, added in enumerate(data.get("adds") or []):
                if isinstance(added, dict) and isinstance(added.get("node"), dict):
                    parent = added.get("parentId")
                    dom.add(added["node"], parent if isinstance(parent, int) else None)
                    yield f"event {i} (mutation add {j})", added["node"]


def _nodes(events: list[dict[str, Any]]) -> Iterator[tuple[str, _Node]]:
    dom = _Dom()
    for where, root in _trees(events, dom):
        above = dom.ancestors(root)
        elements = [a for a in above if a.get("type") == ELEMENT]
        prefix = " > ".join(_label(a) for a in elements) if elements else "document"
        path = f"{prefix} > {_label(root)}" if root.get("type") == ELEMENT else prefix
        inherited = frozenset(c for a in above for c in _classes(a))
        ids = tuple(a["id"] for a in above if isinstance(a.get("id"), int))
        yield from ((where, found) for found in _walk_nodes(root, path, inherited, ids))


def input_values(events: list[dict[str, Any]]) -> list[ReplayString]:
    """What inputs showed: ``value`` attributes of input/textarea/select nodes, and input events' text."""
    out = []
    for where, found in _nodes(events):
        node = found.node
        attrs = node.get("attributes")
        is_input = node.get("type") == ELEMENT and str(node.get("tagName")) in {"input", "textarea", "select"}
        if is_input and isinstance(attrs, dict) and isinstance(attrs.get("value"), str):
            out.append(ReplayString(f"{where} / {found.path} @value", "input", attrs["value"]))
    for i, event in enumerate(events):
        data = event.get("data")
        is_input_event = event.get("type") == INCREMENTAL and isinstance(data, dict) and data.get("source") == INPUT
        if is_input_event and isinstance(data, dict) and isinstance(data.get("text"), str):
            out.append(ReplayString(f"event {i} (input, node {data.get('id')})", "input", data["text"]))
    return out


def masked_texts(events: list[dict[str, Any]], cls: str = "sentry-mask") -> list[ReplayString]:
    """Text nodes inside an element carrying ``cls``: a masked element's text is all ``*`` (and spaces)."""
    out = []
    for where, found in _nodes(events):
        if found.node.get("type") == TEXT and cls in found.ancestors_classes:
            text = found.node.get("textContent")
            if isinstance(text, str) and text.strip():
                out.append(ReplayString(f"{where} / {found.path} #text", "text", text))
    return out


def blocked_elements(events: list[dict[str, Any]], cls: str = "sentry-block") -> list[tuple[str, int]]:
    """Elements carrying ``cls`` with how many descendant nodes were recorded, in the snapshot or added
    later by mutations (blocked: 0)."""
    found = list(_nodes(events))
    blocked = {
        found_node.node["id"]: f"{where} / {found_node.path}"
        for where, found_node in found
        if found_node.node.get("type") == ELEMENT
        and cls in _classes(found_node.node)
        and isinstance(found_node.node.get("id"), int)
    }
    counts = dict.fromkeys(blocked, 0)
    for _, found_node in found:
        for ancestor in found_node.ancestor_ids:
            if ancestor in counts:
                counts[ancestor] += 1
    return [(where, counts[node_id]) for node_id, where in blocked.items()]


def _custom(events: list[dict[str, Any]], tag: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for i, event in enumerate(events):
        data = event.get("data")
        if event.get("type") == CUSTOM and isinstance(data, dict) and data.get("tag") == tag:
            payload = data.get("payload")
            if isinstance(payload, dict):
                yield i, payload


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def network_details(events: list[dict[str, Any]]) -> list[NetworkDetail]:
    out = []
    for i, payload in _custom(events, "performanceSpan"):
        if payload.get("op") not in {"resource.fetch", "resource.xhr"}:
            continue
        data = _dict(payload.get("data"))
        request, response = _dict(data.get("request")), _dict(data.get("response"))
        out.append(
            NetworkDetail(
                where=f"event {i} ({payload.get('op')})",
                url=str(payload.get("description") or ""),
                request_headers={str(k).lower(): str(v) for k, v in _dict(request.get("headers")).items()},
                response_headers={str(k).lower(): str(v) for k, v in _dict(response.get("headers")).items()},
                request_body=request.get("body"),
                response_body=response.get("body"),
            )
        )
    return out


def console_messages(events: list[dict[str, Any]]) -> list[ReplayString]:
    out = []
    for i, payload in _custom(events, "breadcrumb"):
        if payload.get("category") == "console":
            for path, text in walk_json(payload, f"event {i} (console)"):
                out.append(ReplayString(path, "console", text))
    return out


def replay_strings(events: list[dict[str, Any]]) -> Iterator[ReplayString]:
    """Every string of a recording, located by rrweb node path where it belongs to a node, else by JSON path."""
    for where, found in _nodes(events):
        node = found.node
        if node.get("type") == TEXT and isinstance(node.get("textContent"), str):
            yield ReplayString(f"{where} / {found.path} #text", "text", node["textContent"])
        attrs = node.get("attributes")
        if isinstance(attrs, dict):
            for name, value in attrs.items():
                if isinstance(value, str):
                    category = "input" if name == "value" else "attribute"
                    yield ReplayString(f"{where} / {found.path} @{name}", category, value)
    for i, event in enumerate(events):
        kind = event.get("type")
        data = event.get("data")
        if kind == FULL_SNAPSHOT:
            continue  # every string of a full snapshot is a node's text or attribute, yielded above
        if kind == INCREMENTAL and isinstance(data, dict) and data.get("source") == MUTATION:
            rest = {k: v for k, v in data.items() if k != "adds"}
            yield from _json_strings(rest, f"event {i} (mutation)", "text")
            continue
        if kind == INCREMENTAL and isinstance(data, dict) and data.get("source") == INPUT:
            yield from _json_strings(data, f"event {i} (input)", "input")
            continue
        category = "other"
        if kind == CUSTOM and isinstance(data, dict):
            tag = data.get("tag")
            payload = data.get("payload")
            if (
                tag == "performanceSpan"
                and isinstance(payload, dict)
                and str(payload.get("op", "")).startswith("resource.")
            ):
                category = "network"
            elif tag == "breadcrumb" and isinstance(payload, dict):
                category = "console" if payload.get("category") == "console" else "breadcrumb"
        yield from _json_strings(event, f"event {i}", category)


def _json_strings(value: Any, where: str, category: str) -> Iterator[ReplayString]:
    for path, text in walk_json(value, "$"):
        if not path.endswith("<key>"):
            yield ReplayString(f"{where} {path}", category, text)

"""Every string of a decoded JSON tree with its path: how a finding says where a string sits.

The privacy scan locates canaries in item payloads by these paths, the rrweb decoder (`harness.replay`)
names the strings of Sentry's custom replay events by them, and Relay's rules are matched against them.
It lives below all three so none of them imports another for it. Pure; keys are yielded too, as
``path.<key>``, since a secret can travel as a key.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def walk_json(value: Any, path: str = "$") -> Iterator[tuple[str, str]]:
    """Every string in a JSON tree with its path (keys too, as ``path.<key>``)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, child in value.items():
            key_text = str(key)
            child_path = f"{path}.{key_text}" if key_text.isidentifier() else f"{path}[{key_text!r}]"
            yield f"{child_path}<key>", key_text
            yield from walk_json(child, child_path)
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from walk_json(child, f"{path}[{i}]")

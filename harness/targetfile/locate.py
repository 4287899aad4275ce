"""Which line of a TOML text sets a given key: so an error says ``sentry-gate.toml:14: app.ready.http``.

``tomllib`` keeps no positions, so this reads the text once more, line by line, tracking the table
headers (``[a.b]``, ``[[a.b]]``), dotted keys (``port.variable = …``) and the keys of one-line inline
tables (``ready = { http = "/" }``). Pure: text in, line number out. It finds the line of the deepest
part of the key path the text spells out, so a missing key points at its table's header.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["key_line", "key_paths"]

_HEADER: Final = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY: Final = re.compile(
    r'^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|\'[^\']*\')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|\'[^\']*\'))*)\s*='
)
_INLINE_KEY: Final = re.compile(r'[{,]\s*([A-Za-z0-9_-]+|"[^"]*")\s*=')


def _parts(dotted: str) -> tuple[str, ...]:
    """``a."b.c".d`` → ``("a", "b.c", "d")``."""
    parts = re.findall(r'"([^"]*)"|\'([^\']*)\'|([^.\s]+)', dotted)
    return tuple(next(p for p in group if p) if any(group) else "" for group in parts)


def key_paths(text: str) -> list[tuple[tuple[str, ...], int]]:
    """Every key path the text spells out, with its 1-based line."""
    table: tuple[str, ...] = ()
    found: list[tuple[tuple[str, ...], int]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if (header := _HEADER.match(line)) is not None:
            table = _parts(header.group(1))
            found.append((table, number))
            continue
        if (key := _KEY.match(line)) is None:
            continue
        path = table + _parts(key.group(1))
        found.append((path, number))
        rest = line[key.end() :]
        if "{" in rest:
            found += [(path + _parts(inner), number) for inner in _INLINE_KEY.findall(rest[rest.index("{") :])]
    return found


def key_line(text: str, path: tuple[str | int, ...]) -> int | None:
    """The line that sets ``path`` (list indices ignored), or of its deepest spelled-out parent, or (a
    table only spelled through its keys, ``[environments.x]`` for ``environments``) of the first key inside
    it; None if not even its first part appears."""
    wanted = tuple(str(p) for p in path if not isinstance(p, int))
    best: tuple[int, bool, int] | None = None  # (matched depth, spelled exactly to that depth, line)
    for spelled, number in key_paths(text):
        depth = 0
        for a, b in zip(spelled, wanted, strict=False):
            if a != b:
                break
            depth += 1
        exact = depth == len(spelled)
        if depth > 0 and (exact or depth == len(wanted)) and (best is None or (depth, exact) > best[:2]):
            best = (depth, exact, number)
    return None if best is None else best[2]

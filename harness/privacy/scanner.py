"""Find every canary, in every encoding, in captured bytes: the privacy audit's matching stage.

One Aho-Corasick automaton holds every form of every canary, so a pass over a payload costs the
same with 1 or 1,000 canaries. Bytes are read as latin-1 (one character per byte, so offsets are
byte offsets and UTF-8 forms still match as their byte sequences). Locating a hit in a JSON tree
or an rrweb recording is done only for payloads that had a hit, so clean traffic stays fast.

A `Hit` names the canary by its label and kind, never its value.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import ahocorasick

from harness.privacy.canaries import Canary
from harness.privacy.encodings import forms


@dataclass(frozen=True, slots=True)
class Hit:
    canary: Canary
    encoding: str
    start: int
    end: int

    @property
    def label(self) -> str:
        return self.canary.label


class Scanner:
    def __init__(self, canaries: Iterable[Canary]) -> None:
        self.canaries = list(canaries)
        self._automaton: Any = ahocorasick.Automaton()
        for canary in self.canaries:
            for form, encoding in forms(canary.value).items():
                text = form.encode("utf-8").decode("latin-1")
                existing = self._automaton.get(text, None)
                if existing is None:
                    self._automaton.add_word(text, (canary, encoding, len(text)))
        self._empty = not self.canaries
        if not self._empty:
            self._automaton.make_automaton()

    def scan_text(self, text: str) -> list[Hit]:
        if self._empty:
            return []
        hits = []
        for end, (canary, encoding, length) in self._automaton.iter(text):
            hits.append(Hit(canary, encoding, end - length + 1, end + 1))
        return hits

    def scan_bytes(self, data: bytes) -> list[Hit]:
        return self.scan_text(data.decode("latin-1"))

    def contains_any(self, data: bytes | str) -> bool:
        text = data.decode("latin-1") if isinstance(data, bytes) else data
        return not self._empty and next(iter(self._automaton.iter(text)), None) is not None


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


def locate_in_json(scanner: Scanner, value: Any) -> list[tuple[str, Hit]]:
    """Hits inside a decoded JSON value, each with the JSON path of the string that holds it."""
    found = []
    for path, text in walk_json(value):
        for hit in scanner.scan_text(text.encode("utf-8").decode("latin-1")):
            found.append((path, hit))
    return found

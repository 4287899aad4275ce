"""Find every canary, in every encoding, in captured bytes: the privacy audit's matching stage.

One Aho-Corasick automaton holds every form of every canary, so a pass over a payload costs the
same with 1 or 1,000 canaries. With ``ahocorasick_rs`` installed, matching runs on its DFA over the
bytes (about 10x pyahocorasick's rate on letter-heavy payloads; see benchmarks/privacy_scan.py);
without it, on pyahocorasick. Both report every (overlapping) occurrence of every form. Bytes are
read as latin-1 (one character per byte, so offsets are byte offsets and UTF-8 forms still match as
their byte sequences). The store scan locates hits in JSON trees and rrweb recordings by scanning all
of an item's strings in one pass (``harness.privacy.store_scan.locate_in_strings``).

A `Hit` names the canary by its label and kind, never its value.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import ahocorasick

from harness.envelope.jsontree import walk_json
from harness.privacy.canaries import Canary
from harness.privacy.encodings import forms

_fast_backend: Any
try:  # the fast path: a Rust DFA over bytes (optional; imported by name so type checks need no stubs)
    _fast_backend = importlib.import_module("ahocorasick_rs")
except ImportError:  # pragma: no cover - exercised where the optional package is absent
    _fast_backend = None


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
    def __init__(self, canaries: Iterable[Canary], *, fast: bool = True) -> None:
        self.canaries = list(canaries)
        self._automaton: Any = ahocorasick.Automaton()
        self._words: list[tuple[Canary, str, int]] = []
        patterns: list[bytes] = []
        for canary in self.canaries:
            for form, encoding in forms(canary.value).items():
                text = form.encode("utf-8").decode("latin-1")
                existing = self._automaton.get(text, None)
                if existing is None:
                    self._automaton.add_word(text, (canary, encoding, len(text)))
                    self._words.append((canary, encoding, len(text)))
                    patterns.append(text.encode("latin-1"))
        self._empty = not self.canaries
        self._fast: Any = None
        if not self._empty:
            self._automaton.make_automaton()
            if fast and _fast_backend is not None:
                dfa = _fast_backend.Implementation.DFA
                self._fast = _fast_backend.BytesAhoCorasick(patterns, implementation=dfa)

    @property
    def pattern_count(self) -> int:
        """How many distinct encoded forms of the canaries the scanner looks for."""
        return len(self._words)

    @property
    def backend(self) -> str:
        return "ahocorasick_rs (DFA)" if self._fast is not None else "pyahocorasick"

    def _scan_fast(self, data: bytes) -> list[Hit]:
        hits = []
        for index, start, end in self._fast.find_matches_as_indexes(data, overlapping=True):
            canary, encoding, _ = self._words[index]
            hits.append(Hit(canary, encoding, start, end))
        hits.sort(key=lambda h: (h.end, h.start))
        return hits

    def scan_text(self, text: str) -> list[Hit]:
        if self._empty:
            return []
        if self._fast is not None:
            try:
                return self._scan_fast(text.encode("latin-1"))
            except UnicodeEncodeError:
                pass  # text beyond latin-1 (not from bytes): the character-level automaton below
        hits = []
        for end, (canary, encoding, length) in self._automaton.iter(text):
            hits.append(Hit(canary, encoding, end - length + 1, end + 1))
        return hits

    def scan_bytes(self, data: bytes) -> list[Hit]:
        if self._fast is not None and not self._empty:
            return self._scan_fast(data)
        return self.scan_text(data.decode("latin-1"))

    def contains_any(self, data: bytes | str) -> bool:
        if self._empty:
            return False
        if self._fast is not None and isinstance(data, bytes):
            return bool(self._fast.find_matches_as_indexes(data))
        text = data.decode("latin-1") if isinstance(data, bytes) else data
        return next(iter(self._automaton.iter(text)), None) is not None


def locate_in_json(scanner: Scanner, value: Any) -> list[tuple[str, Hit]]:
    """Hits inside a decoded JSON value, each with the JSON path of the string that holds it."""
    found = []
    for path, text in walk_json(value):
        for hit in scanner.scan_text(text.encode("utf-8").decode("latin-1")):
            found.append((path, hit))
    return found

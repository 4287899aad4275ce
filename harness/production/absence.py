"""Absence without hooks: "nothing was sent" proved by a sentinel, not by waiting a while (issue 15).

A check that says an app sent *nothing* of some kind (no transaction with the kill switch at 0, no event
for a filtered error) cannot wait for that nothing: waiting "long enough" is a sleep that passes whenever
the SDK is slower than the wait. With a flush route (``POST /__gate/flush``) or a page hook
(``window.__gate.flush``) the gate asks the SDK to send what it holds; an app with neither needs another
handshake. This module is that handshake:

1. after the traffic under test, the gate makes the app report one more error, the *sentinel*, through
   a request the app already has (the target file's ``kind = "error"`` request) or, in the browser, an
   error the journey raises before the tab closes; it carries `sentinel_marker` (sent as the trace id of
   an incoming ``sentry-trace`` header and in the ``User-Agent``, or typed into the page), so no gate
   route or tag is needed to recognise it;
2. `await_sentinel` waits at the ingest (a long-poll with a deadline) for an event carrying the marker;
3. `absence_proof` judges what arrived: an unwanted item anywhere is a presence; none, with the
   sentinel in, is a proof of absence; none without the sentinel proves nothing.

Why it is a proof: an SDK that hands envelopes to its transport in the order it captured them, and a
transport that sends them one at a time (sentry-sdk's transport worker: one thread draining one FIFO
queue, each request answered before the next is sent), delivers everything captured before the sentinel
before the sentinel itself. So once the sentinel is stored, whatever the earlier traffic made the SDK
capture is stored too, and "nothing unwanted arrived" means nothing unwanted was captured.

Where that order does not hold, `await_quiet` adds a quiescence window measured at the ingest: no new
item on the project for ``settle`` seconds after the sentinel (`await_absence` does both). Measured with
``benchmarks/absence_handshake.py`` (docs/design.md, "Absence without hooks", has the figures):

- sentry-sdk 2.76: no item of the traffic was ever stored after the sentinel (0 of 2,880 items in 60
  trials): window 0;
- @sentry/node 11.1: errors overtake transactions. ``@sentry/core`` defers turning an ended root span into
  a transaction (``deferSegmentSpanCapture``: a 1 ms debounce, at most 100 ms) while an error is captured
  at once, so the sentinel error was stored before transactions of requests answered before it was sent
  in 9 of 60 trials (up to 9 at a time, at most 268 ms later under load); none was on the wire beside the
  sentinel (the transport reordered nothing), and a 1 s window missed none: window 2 s, for the margin;
- @sentry/browser 11.11 (through ``@sentry/vue``): errors raised together race on concurrent ``fetch``
  requests (11 of 30 trials had one stored up to 39 ms after the sentinel), and the idle navigation span
  open when the sentinel is raised is sent about 1 s after the page's last activity (0.34-1.02 s after the
  sentinel, in every trial): window 2 s, which missed none.

Limits, each making the proof weaker or making it UNPROVEN, never a false pass by itself:

- **Only what is captured before the sentinel.** Items the SDK produces later are not covered: a
  transaction still open when the sentinel is raised (the browser's idle navigation span ends about 1 s
  after the last activity), session aggregates (flushed on the SDK's own timer or at shutdown), client
  reports, Replay segments (buffered, never younger than 5 s), continuous-profiling chunks, and batched
  logs and metrics (their own timers). The journey must end what it wants judged before the sentinel,
  and absence of those categories needs the app's stop signal (the SDK flushes on shutdown) instead.
- **One queue, fed at capture.** The argument needs every category handed to one transport queue when
  it is captured: sentry-sdk does; @sentry/node holds transactions back first (above), so its order holds
  only up to the window; an SDK with a queue per category (or a separate batcher) orders nothing between
  them.
- **Rate limits.** After a 429 or an ``X-Sentry-Rate-Limits`` answer an SDK drops a category locally
  and never sends it: a transaction would be absent because of the ingest, not the app. The proof is
  UNPROVEN when the ingest refused any item in the window (``accepted`` false).
- **The sentinel's own sampling and filters.** Errors are sampled by ``sample_rate`` (normally 1.0) and
  pass ``beforeSend``: a sentinel dropped there never arrives, and the proof is UNPROVEN (after the
  timeout), never a pass. The sentinel's own transaction (its request is traced) is not an unwanted
  item: the ``sentry-trace`` header asks the SDK not to sample it (flag ``-0``), and should it be kept
  anyway, its trace id (the marker) leaves it out of the judgement.
"""

from __future__ import annotations

import dataclasses
import enum
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from harness.ingest import ProjectHandle, StoredItem
from harness.ingest.wait import wait_until

__all__ = [
    "DEFAULT_SETTLE_S",
    "SETTLE_S",
    "Absence",
    "AbsenceProof",
    "absence_proof",
    "await_absence",
    "await_quiet",
    "await_sentinel",
    "carries",
    "in_sentinel_trace",
    "is_sentinel",
    "sentinel_headers",
    "sentinel_marker",
    "up_to_sentinel",
]

SENTINEL_TYPES: Final = ("event",)
"""The item types a sentinel arrives as: an error event (a message event is also type ``event``)."""

SETTLE_S: Final[dict[str, float]] = {"sentry-sdk": 0.0, "@sentry/node": 2.0, "@sentry/browser": 2.0}
"""The quiescence window after the sentinel per SDK: 0 where the order was measured to hold, else at least
twice the longest delay the SDK's own mechanism allows (Node's 100 ms deferral, the browser's 1 s idle
timeout) and the largest lag measured under load (268 ms, 1.02 s)."""

DEFAULT_SETTLE_S: Final = 2.0
"""The window for an app whose SDK the gate does not know: the largest of `SETTLE_S`."""

_MAX_QUIET_ROUNDS: Final = 1000
"""A bound on `await_quiet`'s loop besides its deadline (one round per item that arrives)."""


def sentinel_marker() -> str:
    """A fresh marker: 32 lowercase hex digits, so it is also a valid trace id for a ``sentry-trace``
    header, and unguessable, so it never matches anything but the sentinel."""
    return secrets.token_hex(16)


def sentinel_headers(marker: str) -> dict[str, str]:
    """Headers that put ``marker`` into the event a plain error request makes, with no gate route: the
    trace id of an incoming ``sentry-trace`` (which the SDK continues into the error's trace context,
    sampled ``-0`` so the request's own transaction is not kept) and the ``User-Agent`` (which the SDKs
    copy into the event's request headers)."""
    return {"sentry-trace": f"{marker}-{marker[:16]}-0", "User-Agent": f"sentry-gate-sentinel/{marker}"}


def carries(item: StoredItem, marker: str) -> bool:
    """The item's payload contains ``marker`` anywhere (tag, message, trace id, a request header)."""
    return marker.encode() in item.payload


def in_sentinel_trace(item: StoredItem, marker: str) -> bool:
    """The item belongs to the sentinel request's own trace (its transaction, should the SDK keep it):
    the envelope's trace header names the marker as its trace id."""
    trace = item.envelope_headers.get("trace")
    return isinstance(trace, dict) and trace.get("trace_id") == marker


def is_sentinel(item: StoredItem, marker: str) -> bool:
    """An event (not the sentinel request's transaction) carrying ``marker``."""
    return item.type in SENTINEL_TYPES and carries(item, marker)


def up_to_sentinel(items: Sequence[StoredItem], marker: str) -> list[StoredItem]:
    """The items stored up to and including the first sentinel (by the ingest's request order: an item's
    ``request_id`` is given when its request's body has been read, so a lower one arrived earlier), or
    all of ``items`` when none is the sentinel."""
    sentinels = [i for i in items if is_sentinel(i, marker)]
    if not sentinels:
        return list(items)
    cut = min(i.request_id for i in sentinels)
    return [i for i in items if i.request_id <= cut]


def await_sentinel(project: ProjectHandle, marker: str, *, timeout: float) -> list[StoredItem]:
    """Long-poll ``project`` until an event carrying ``marker`` is stored or ``timeout`` seconds pass.

    Returns everything the project received up to and including the sentinel; when the sentinel never
    came, everything the project holds at the deadline (`absence_proof` then finds no sentinel: the
    absence is unproven, and what did arrive is still evidence of presence). Items the ingest refused are
    included (``accepted`` false): they were sent, and they tell `absence_proof` the SDK may be backing off."""
    wait_until(project, lambda now: any(is_sentinel(i, marker) for i in now), timeout=timeout)
    return up_to_sentinel(project.items(include_refused=True), marker)


def await_quiet(project: ProjectHandle, *, quiet: float, timeout: float) -> tuple[list[StoredItem], bool]:
    """The project's items (refused ones too) once no new item has been stored for ``quiet`` seconds,
    and whether that quiet was reached before ``timeout`` (False: items kept coming, or the window did not
    fit; the caller says UNPROVEN).

    The wait is the ingest's long-poll for one more item, with ``quiet`` as its deadline: it returns at
    once when an item arrives (and the window starts again), so a quiet project costs ``quiet`` seconds
    and a busy one at most ``timeout``. ``quiet`` 0 returns what is stored now."""
    deadline = time.monotonic() + timeout
    seen = len(project.items())
    settled = quiet <= 0
    for _ in range(0 if settled else _MAX_QUIET_ROUNDS):
        if deadline - time.monotonic() < quiet:
            break
        try:
            project.wait_for_items(None, count=seen + 1, timeout=quiet)
        except TimeoutError:
            settled = True
            break
        seen = len(project.items())
    return project.items(include_refused=True), settled


class Absence(enum.StrEnum):
    """What `absence_proof` concludes. Only ABSENT may become a PASS; UNPROVEN is INCONCLUSIVE."""

    ABSENT = "absent"
    PRESENT = "present"
    UNPROVEN = "unproven"


@dataclass(frozen=True, slots=True)
class AbsenceProof:
    """The verdict on "nothing unwanted was sent", with its evidence.

    ``unwanted_before``: unwanted items stored before the sentinel (the proof's own domain);
    ``unwanted_after``: unwanted items stored after it (or with no sentinel at all) — seen, so present;
    ``refused``: items the ingest did not accept in what was judged (the SDK may back off a category);
    ``unreadable``: items ``unwanted`` could not judge (it raised): they might have been unwanted."""

    marker: str
    sentinel: StoredItem | None
    unwanted_before: tuple[StoredItem, ...]
    unwanted_after: tuple[StoredItem, ...]
    refused: int
    judged: int
    unreadable: int = 0
    settled: bool = True
    """False when a quiescence window was asked for and the project never went quiet."""

    @property
    def outcome(self) -> Absence:
        if self.unwanted_before or self.unwanted_after:
            return Absence.PRESENT
        if self.sentinel is None or self.refused or self.unreadable or not self.settled:
            return Absence.UNPROVEN
        return Absence.ABSENT

    @property
    def sentinel_arrived(self) -> bool:
        return self.sentinel is not None

    @property
    def unwanted(self) -> tuple[StoredItem, ...]:
        return self.unwanted_before + self.unwanted_after

    def summary(self) -> str:
        outcome = self.outcome
        if outcome is Absence.PRESENT:
            return (
                f"{len(self.unwanted)} unwanted item(s) arrived ({len(self.unwanted_before)} before the sentinel,"
                f" {len(self.unwanted_after)} after it or without one): {list(self.unwanted)[:5]}"
            )
        if self.sentinel is None:
            return f"the sentinel {self.marker} never arrived: absence not proven ({self.judged} item(s) seen)"
        if self.refused:
            return (
                f"the ingest refused {self.refused} item(s): the SDK may be backing off a category, absence not proven"
            )
        if self.unreadable:
            return f"{self.unreadable} item(s) could not be judged: absence not proven"
        if not self.settled:
            return "items kept arriving after the sentinel (no quiet window): absence not proven"
        return f"nothing unwanted among {self.judged} item(s) judged with the sentinel {self.sentinel!r} in"


def absence_proof(
    items: Iterable[StoredItem], sentinel_marker: str, unwanted: Callable[[StoredItem], bool]
) -> AbsenceProof:
    """Judge ``items`` (what `await_sentinel` returned, optionally with what `await_quiet` added).

    The sentinel (the first event carrying the marker) and its request's own trace are never unwanted;
    any other item is judged, even one that mentions the marker (a later event's breadcrumbs may). An
    unwanted item is a presence wherever it sits; absence needs the sentinel stored, nothing refused by
    the ingest, and every item judged."""
    ordered = sorted(items, key=lambda i: (i.request_id, i.id))
    sentinel = next((i for i in ordered if is_sentinel(i, sentinel_marker)), None)
    before: list[StoredItem] = []
    after: list[StoredItem] = []
    refused = judged = unreadable = 0
    for item in ordered:
        if item is sentinel or in_sentinel_trace(item, sentinel_marker):
            continue
        judged += 1
        refused += int(not item.accepted)
        try:
            hit = unwanted(item)
        except Exception:  # an undecodable payload: it might have been unwanted, so nothing is proven
            unreadable += 1
            continue
        if hit:
            in_domain = sentinel is not None and item.request_id <= sentinel.request_id
            (before if in_domain else after).append(item)
    return AbsenceProof(
        marker=sentinel_marker,
        sentinel=sentinel,
        unwanted_before=tuple(before),
        unwanted_after=tuple(after),
        refused=refused,
        judged=judged,
        unreadable=unreadable,
    )


def await_absence(
    project: ProjectHandle,
    marker: str,
    unwanted: Callable[[StoredItem], bool],
    *,
    timeout: float,
    settle: float = DEFAULT_SETTLE_S,
) -> AbsenceProof:
    """The whole handshake, once the sentinel has been sent: wait for it (`await_sentinel`, up to
    ``timeout``), then for ``settle`` quiet seconds (`await_quiet`, up to ``timeout`` more), and judge
    everything the project holds then (`absence_proof`). Without the sentinel no window is waited for."""
    items = await_sentinel(project, marker, timeout=timeout)
    settled = True
    if settle > 0 and any(is_sentinel(i, marker) for i in items):
        items, settled = await_quiet(project, quiet=settle, timeout=max(timeout, 2 * settle))
    proof = absence_proof(items, marker, unwanted)
    return proof if settled else dataclasses.replace(proof, settled=False)

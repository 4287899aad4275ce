"""Unit tests of harness.production.absence: the sentinel handshake's judgement over synthetic stored items.

The waits are driven by a scripted stand-in for the ingest (each long-poll returns the next arrival or
times out at once), so nothing here depends on time."""

from __future__ import annotations

import json
import re
from typing import Any, cast

import pytest

from harness.ingest import ProjectHandle, StoredItem
from harness.production.absence import (
    Absence,
    absence_proof,
    await_absence,
    await_quiet,
    await_sentinel,
    is_sentinel,
    sentinel_headers,
    sentinel_marker,
    up_to_sentinel,
)

MARKER = "0123456789abcdef0123456789abcdef"


def item(
    n: int,
    type: str = "event",
    payload: dict[str, Any] | None = None,
    *,
    request: int | None = None,
    trace_id: str | None = None,
    accepted: bool = True,
) -> StoredItem:
    return StoredItem(
        id=n,
        request_id=n if request is None else request,
        project=1,
        type=type,
        headers={"type": type},
        payload=json.dumps(payload or {"message": f"item {n}"}).encode(),
        event_id=None,
        release=None,
        environment=None,
        received_at=float(n),
        accepted=accepted,
        envelope_headers={"trace": {"trace_id": trace_id}} if trace_id else {},
    )


def sentinel(n: int, marker: str = MARKER) -> StoredItem:
    return item(n, "event", {"exception": {"values": [{"value": "boom"}]}, "contexts": {"trace": {"trace_id": marker}}})


def transaction(n: int, name: str = "/login", **kw: Any) -> StoredItem:
    return item(n, "transaction", {"transaction": name}, **kw)


def is_transaction(i: StoredItem) -> bool:
    return i.type == "transaction"


# ---- markers and headers ------------------------------------------------------------------------
def test_a_marker_is_a_fresh_trace_id() -> None:
    markers = {sentinel_marker() for _ in range(50)}
    assert len(markers) == 50
    assert all(re.fullmatch(r"[0-9a-f]{32}", m) for m in markers)


def test_the_headers_carry_the_marker_as_an_unsampled_trace_and_in_the_user_agent() -> None:
    headers = sentinel_headers(MARKER)
    trace_id, span_id, sampled = headers["sentry-trace"].split("-")
    assert (trace_id, sampled) == (MARKER, "0")
    assert re.fullmatch(r"[0-9a-f]{16}", span_id)
    assert MARKER in headers["User-Agent"]


def test_only_an_event_carrying_the_marker_is_the_sentinel() -> None:
    assert is_sentinel(sentinel(1), MARKER)
    assert not is_sentinel(transaction(2, trace_id=MARKER, name=MARKER), MARKER)
    assert not is_sentinel(item(3), MARKER)


# ---- the judgement ------------------------------------------------------------------------------
def test_nothing_unwanted_up_to_the_sentinel_is_absent() -> None:
    proof = absence_proof([item(1), item(2), sentinel(3)], MARKER, is_transaction)
    assert proof.outcome is Absence.ABSENT
    assert proof.sentinel_arrived
    assert proof.judged == 2
    assert "nothing unwanted among 2 item(s)" in proof.summary()


@pytest.mark.parametrize(
    "items",
    [[], [item(1)], [item(1), item(2, "sessions")], [transaction(1, trace_id=MARKER)]],
    ids=["nothing", "an-event", "event-and-sessions", "only-the-sentinel-trace"],
)
def test_a_missing_sentinel_is_never_absent(items: list[StoredItem]) -> None:
    proof = absence_proof(items, MARKER, is_transaction)
    assert proof.outcome is Absence.UNPROVEN
    assert not proof.sentinel_arrived
    assert "never arrived" in proof.summary()


def test_an_unwanted_item_before_the_sentinel_is_found() -> None:
    """The positive control: the handshake's own domain."""
    unwanted = transaction(2)
    proof = absence_proof([item(1), unwanted, sentinel(3)], MARKER, is_transaction)
    assert proof.outcome is Absence.PRESENT
    assert proof.unwanted_before == (unwanted,)
    assert proof.unwanted_after == ()
    assert "1 before the sentinel" in proof.summary()


def test_an_unwanted_item_after_the_sentinel_or_without_one_is_present_too() -> None:
    after = absence_proof([sentinel(1), transaction(2)], MARKER, is_transaction)
    assert after.outcome is Absence.PRESENT
    assert len(after.unwanted_after) == 1
    alone = absence_proof([transaction(1)], MARKER, is_transaction)
    assert alone.outcome is Absence.PRESENT
    assert alone.sentinel is None


def test_items_are_ordered_by_the_ingests_request_order_not_by_the_list() -> None:
    proof = absence_proof([sentinel(5), transaction(3)], MARKER, is_transaction)
    assert len(proof.unwanted_before) == 1
    proof = absence_proof([transaction(7), sentinel(5)], MARKER, is_transaction)
    assert len(proof.unwanted_after) == 1


def test_an_item_in_the_sentinels_envelope_is_before_it() -> None:
    proof = absence_proof([sentinel(1), transaction(2, request=1)], MARKER, is_transaction)
    assert len(proof.unwanted_before) == 1


def test_the_sentinel_requests_own_transaction_is_not_unwanted() -> None:
    own = transaction(2, trace_id=MARKER)
    proof = absence_proof([sentinel(1), own], MARKER, is_transaction)
    assert proof.outcome is Absence.ABSENT
    assert proof.judged == 0


def test_a_later_item_mentioning_the_marker_is_still_judged() -> None:
    """A later event's breadcrumbs may quote the sentinel; it is judged like any other item."""
    later = item(2, "event", {"message": "later", "breadcrumbs": [{"message": MARKER}]})
    proof = absence_proof([sentinel(1), later], MARKER, lambda i: b"later" in i.payload)
    assert proof.outcome is Absence.PRESENT
    assert proof.unwanted_after == (later,)


def test_a_refused_item_leaves_the_absence_unproven() -> None:
    """The ingest answered with an error: the SDK may now drop a category on its own."""
    proof = absence_proof([item(1, accepted=False), sentinel(2)], MARKER, is_transaction)
    assert proof.outcome is Absence.UNPROVEN
    assert proof.refused == 1
    assert "refused 1" in proof.summary()


def test_an_item_the_predicate_cannot_read_leaves_the_absence_unproven() -> None:
    def picky(i: StoredItem) -> bool:
        if i.type == "attachment":
            raise ValueError("not JSON")
        return is_transaction(i)

    proof = absence_proof([item(1, "attachment"), sentinel(2)], MARKER, picky)
    assert proof.outcome is Absence.UNPROVEN
    assert proof.unreadable == 1
    assert "could not be judged" in proof.summary()
    present = absence_proof([item(1, "attachment"), transaction(2), sentinel(3)], MARKER, picky)
    assert present.outcome is Absence.PRESENT


def test_up_to_the_sentinel_cuts_at_its_request() -> None:
    items = [item(1), sentinel(2), transaction(3, request=2), item(4)]
    assert [i.id for i in up_to_sentinel(items, MARKER)] == [1, 2, 3]
    assert [i.id for i in up_to_sentinel([item(1), item(2)], MARKER)] == [1, 2]


# ---- the waits, against a scripted ingest ---------------------------------------------------------
class ScriptedProject:
    """A stand-in for `ProjectHandle`: each long-poll stores the next scripted arrival, or times out at
    once when the script is done."""

    def __init__(self, stored: list[StoredItem], arrivals: list[list[StoredItem]]) -> None:
        self.stored = list(stored)
        self.arrivals = list(arrivals)
        self.refused: list[StoredItem] = []  # listed only with include_refused, as the ingest does
        self.polls: list[float] = []

    def items(self, type: str | None = None, *, include_refused: bool = False, **_: Any) -> list[StoredItem]:
        every = sorted([*self.stored, *(self.refused if include_refused else [])], key=lambda i: i.id)
        return [i for i in every if type is None or i.type == type]

    def wait_for_items(self, type: str | None = None, count: int = 1, timeout: float = 10.0) -> list[StoredItem]:
        self.polls.append(timeout)
        if not self.arrivals:
            raise TimeoutError("nothing more")
        self.stored += self.arrivals.pop(0)
        return self.items(type)


def as_project(p: ScriptedProject) -> ProjectHandle:
    return cast(ProjectHandle, p)


def test_await_sentinel_returns_what_came_up_to_the_sentinel() -> None:
    project = ScriptedProject([item(1)], [[transaction(2)], [sentinel(3), item(4)], [item(5)]])
    got = await_sentinel(as_project(project), MARKER, timeout=60)
    assert [i.id for i in got] == [1, 2, 3]
    assert project.arrivals == [[item(5)]]  # it stopped looking once the sentinel was in


def test_await_sentinel_without_a_sentinel_returns_everything_at_the_deadline() -> None:
    project = ScriptedProject([item(1), transaction(2)], [])
    got = await_sentinel(as_project(project), MARKER, timeout=0)
    assert [i.id for i in got] == [1, 2]
    assert absence_proof(got, MARKER, is_transaction).outcome is Absence.PRESENT
    assert absence_proof(got[:1], MARKER, is_transaction).outcome is Absence.UNPROVEN


def test_await_quiet_restarts_its_window_on_each_arrival() -> None:
    project = ScriptedProject([sentinel(1)], [[transaction(2)], [item(3)]])
    got, quiet = await_quiet(as_project(project), quiet=1.0, timeout=60)
    assert quiet
    assert [i.id for i in got] == [1, 2, 3]
    assert project.polls == [1.0, 1.0, 1.0]


def test_await_quiet_says_so_when_the_window_no_longer_fits() -> None:
    project = ScriptedProject([sentinel(1)], [[transaction(2)]])
    got, quiet = await_quiet(as_project(project), quiet=5.0, timeout=1.0)
    assert not quiet
    assert [i.id for i in got] == [1]
    assert project.polls == []


def test_await_quiet_of_zero_reads_once() -> None:
    project = ScriptedProject([sentinel(1)], [[transaction(2)]])
    got, quiet = await_quiet(as_project(project), quiet=0.0, timeout=1.0)
    assert quiet
    assert [i.id for i in got] == [1]
    assert project.polls == []


def test_await_absence_catches_what_overtook_the_sentinel_within_the_window() -> None:
    """@sentry/node's case: a transaction of the earlier traffic stored just after the error sentinel."""
    project = ScriptedProject([item(1)], [[sentinel(2)], [transaction(3)]])
    proof = await_absence(as_project(project), MARKER, is_transaction, timeout=60, settle=1.0)
    assert proof.outcome is Absence.PRESENT
    assert [i.id for i in proof.unwanted_after] == [3]


def test_await_absence_with_a_quiet_window_and_nothing_unwanted_is_absent() -> None:
    project = ScriptedProject([item(1)], [[sentinel(2)], [item(3, "sessions")]])
    proof = await_absence(as_project(project), MARKER, is_transaction, timeout=60, settle=1.0)
    assert proof.outcome is Absence.ABSENT
    assert proof.judged == 2


class EndlessProject(ScriptedProject):
    """A project that is never quiet: every long-poll stores one more item."""

    def wait_for_items(self, type: str | None = None, count: int = 1, timeout: float = 10.0) -> list[StoredItem]:
        self.polls.append(timeout)
        n = len(self.stored) + 1
        self.stored.append(item(n, "sessions"))
        return self.items(type)


def test_await_absence_on_a_project_that_never_goes_quiet_is_unproven() -> None:
    project = EndlessProject([sentinel(1)], [])
    proof = await_absence(as_project(project), MARKER, is_transaction, timeout=60, settle=1.0)
    assert proof.outcome is Absence.UNPROVEN
    assert not proof.settled
    assert "no quiet window" in proof.summary()
    assert len(project.polls) == 1000  # bounded by its round count, not only by its deadline


def test_await_absence_waits_no_window_without_a_sentinel() -> None:
    project = ScriptedProject([item(1)], [[transaction(2)]])
    proof = await_absence(as_project(project), MARKER, is_transaction, timeout=0, settle=1.0)
    assert proof.outcome is Absence.UNPROVEN
    assert project.polls == []


def test_await_sentinel_keeps_refused_items_so_the_proof_can_see_them() -> None:
    refused = item(1, accepted=False)
    project = ScriptedProject([], [[sentinel(2)]])
    project.refused = [refused]
    got = await_sentinel(as_project(project), MARKER, timeout=60)
    assert [i.id for i in got] == [1, 2]
    assert absence_proof(got, MARKER, is_transaction).outcome is Absence.UNPROVEN

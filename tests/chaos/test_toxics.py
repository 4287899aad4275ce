"""Each toxic as a pure transform of a byte stream, in virtual time (no sockets, no sleeps)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.chaos.toxics import (
    TOXIC_TYPES,
    Bandwidth,
    Chunk,
    End,
    EndMode,
    Latency,
    LimitData,
    Noop,
    ResetPeer,
    Slicer,
    SlowClose,
    Timeout,
    make_toxic,
    toxic_attributes,
)
from harness.chaos.toxics.limit_data import LimitDataState
from harness.chaos.toxics.simulate import run_chain, simulate

EPS = 1e-9


def chunk_times(pipe_out: list) -> list[tuple[float, bytes]]:  # type: ignore[type-arg]
    return [(e.at, e.item.data) for e in pipe_out if isinstance(e.item, Chunk)]


def test_noop_passes_everything_at_once() -> None:
    pipe = simulate(Noop(), [(0.0, b"ab"), (0.5, b"cd")], end_at=0.7)
    assert chunk_times(pipe.out) == [(0.0, b"ab"), (0.5, b"cd")]
    assert pipe.end == End(EndMode.EOF)
    assert pipe.end_at == 0.7


class TestLatency:
    def test_each_chunk_is_held_for_the_latency_measured_from_its_arrival(self) -> None:
        pipe = simulate(Latency(latency=100), [(0.0, b"a"), (0.01, b"b"), (0.5, b"c")])
        assert [(round(t, 9), d) for t, d in chunk_times(pipe.out)] == [(0.1, b"a"), (0.11, b"b"), (0.6, b"c")]
        assert pipe.data == b"abc"

    def test_the_end_follows_the_last_chunk_without_its_own_delay(self) -> None:
        pipe = simulate(Latency(latency=100), [(0.0, b"a")], end_at=0.05)
        assert pipe.end_at == pytest.approx(0.1)

    @given(seed=st.integers(0, 2**32), latency=st.integers(0, 1000), jitter=st.integers(0, 500))
    @settings(max_examples=60, deadline=None)
    def test_jitter_stays_within_plus_minus_jitter_and_keeps_order(self, seed: int, latency: int, jitter: int) -> None:
        arrivals = [(i * 2.0, bytes([65 + i])) for i in range(5)]  # far apart: no queueing
        pipe = simulate(Latency(latency=latency, jitter=jitter), arrivals, seed=seed)
        assert pipe.data == b"ABCDE"
        for (sent_at, _), (left_at, _) in zip(arrivals, chunk_times(pipe.out), strict=True):
            delay = left_at - sent_at
            assert max(latency - jitter, 0) / 1000 - EPS <= delay < (latency + jitter) / 1000 + EPS

    def test_interrupted_while_holding_a_chunk_it_sends_it_at_once(self) -> None:
        pipe = simulate(Latency(latency=10_000), [(0.0, b"held"), (1.0, b"later")], interrupt_at=0.5, end=None)
        assert chunk_times(pipe.out) == [(0.5, b"held")]

    def test_two_latency_toxics_add_up(self) -> None:
        pipe = run_chain([Latency(latency=100), Latency(latency=50)], [(0.0, b"x")])
        assert chunk_times(pipe.out) == [(pytest.approx(0.15), b"x")]


class TestBandwidth:
    def test_rate_is_kilobytes_per_second_in_100ms_slices(self) -> None:
        pipe = simulate(Bandwidth(rate=10), [(0.0, b"x" * 25_000)])  # 10 KB/s → 2.5 s
        times = chunk_times(pipe.out)
        assert [len(d) for _, d in times] == [1000] * 24 + [1000]
        assert times[0][0] == pytest.approx(0.1)
        assert times[-1][0] == pytest.approx(2.5)
        assert pipe.data == b"x" * 25_000

    @given(
        rate=st.integers(1, 50),
        sizes=st.lists(st.integers(1, 20_000), min_size=1, max_size=8),
    )
    @settings(max_examples=60, deadline=None)
    def test_long_run_rate_is_exact_and_nothing_is_lost(self, rate: int, sizes: list[int]) -> None:
        arrivals = [(0.0, bytes([i % 251]) * n) for i, n in enumerate(sizes)]
        pipe = simulate(Bandwidth(rate=rate), arrivals)
        assert pipe.data == b"".join(d for _, d in arrivals)
        assert pipe.end_at is not None
        assert pipe.end_at >= sum(sizes) / (rate * 1000) - 1e-6

    def test_rate_zero_means_unlimited(self) -> None:
        pipe = simulate(Bandwidth(rate=0), [(0.0, b"x" * 1_000_000)])
        assert chunk_times(pipe.out) == [(0.0, b"x" * 1_000_000)]


def test_slow_close_holds_only_the_end() -> None:
    pipe = simulate(SlowClose(delay=300), [(0.0, b"data")], end_at=0.1)
    assert chunk_times(pipe.out) == [(0.0, b"data")]
    assert pipe.end == End(EndMode.EOF)
    assert pipe.end_at == pytest.approx(0.4)


def test_slow_close_also_holds_a_close_another_toxic_asked_for() -> None:
    pipe = run_chain([LimitData(bytes=2), SlowClose(delay=200)], [(0.0, b"abcdef")])
    assert pipe.data == b"ab"
    assert pipe.end == End(EndMode.CLOSE)
    assert pipe.end_at == pytest.approx(0.2)


class TestTimeout:
    def test_zero_is_a_black_hole_that_never_closes(self) -> None:
        pipe = simulate(Timeout(timeout=0), [(0.0, b"lost"), (5.0, b"lost too")], end=None, interrupt_at=3600.0)
        assert pipe.out == []

    def test_an_end_from_the_source_still_passes(self) -> None:
        pipe = simulate(Timeout(timeout=0), [(0.0, b"lost")], end_at=1.0)
        assert pipe.data == b""
        assert pipe.end == End(EndMode.EOF)

    def test_closes_after_timeout_of_silence_and_each_chunk_restarts_the_timer(self) -> None:
        pipe = simulate(Timeout(timeout=1000), [(0.0, b"a"), (0.5, b"b")], end=None)
        assert pipe.data == b""
        assert pipe.end == End(EndMode.CLOSE)
        assert pipe.end_at == pytest.approx(1.5)

    def test_removing_it_closes_the_connection(self) -> None:
        pipe = simulate(Timeout(timeout=0), [(0.0, b"lost")], end=None, interrupt_at=2.0)
        Timeout(timeout=0).cleanup(pipe)
        assert pipe.end == End(EndMode.CLOSE)


class TestResetPeer:
    def test_resets_on_first_data_after_timeout_dropping_it(self) -> None:
        pipe = simulate(ResetPeer(timeout=100), [(0.2, b"x"), (0.25, b"y")])
        assert pipe.data == b""
        assert pipe.end == End(EndMode.RESET)
        assert pipe.end_at == pytest.approx(0.3)

    def test_zero_resets_at_once(self) -> None:
        pipe = simulate(ResetPeer(timeout=0), [(0.2, b"x")])
        assert pipe.end_at == pytest.approx(0.2)
        assert pipe.end == End(EndMode.RESET)


class TestSlicer:
    @given(
        size=st.integers(1, 5000),
        average=st.integers(1, 300),
        variation_share=st.floats(0, 0.99),
        seed=st.integers(0, 2**32),
    )
    @settings(max_examples=100, deadline=None)
    def test_pieces_tile_the_chunk_and_none_exceeds_average_plus_variation(
        self, size: int, average: int, variation_share: float, seed: int
    ) -> None:
        variation = int(average * variation_share)
        slicer = Slicer(average_size=average, size_variation=variation)
        data = random.Random(seed).randbytes(size)
        pipe = simulate(slicer, [(0.0, data)], seed=seed)
        pieces = [d for _, d in chunk_times(pipe.out)]
        assert b"".join(pieces) == data
        assert all(0 < len(p) <= average + variation for p in pieces)
        assert len(pieces) >= -(-size // (average + variation))

    def test_pieces_are_delay_microseconds_apart(self) -> None:
        pipe = simulate(Slicer(average_size=10, delay=500), [(0.0, b"x" * 40)])
        times = [t for t, _ in chunk_times(pipe.out)]
        assert times == pytest.approx([0.0, 0.0005, 0.001, 0.0015])

    def test_interrupted_between_pieces_it_sends_the_rest_in_one(self) -> None:
        pipe = simulate(Slicer(average_size=10, delay=1000), [(0.0, b"x" * 40)], interrupt_at=0.0015, end=None)
        assert [len(d) for _, d in chunk_times(pipe.out)] == [10, 10, 20]

    def test_invalid_sizes_are_refused_instead_of_recursing_forever(self) -> None:
        with pytest.raises(ValueError, match="average_size"):
            Slicer(average_size=0)
        with pytest.raises(ValueError, match="smaller"):
            Slicer(average_size=10, size_variation=10)


class TestLimitData:
    def test_cuts_the_chunk_at_the_limit_then_closes(self) -> None:
        pipe = simulate(LimitData(bytes=5), [(0.0, b"abc"), (0.1, b"defgh"), (0.2, b"never")])
        assert pipe.data == b"abcde"
        assert pipe.end == End(EndMode.CLOSE)
        assert pipe.end_at == pytest.approx(0.1)

    def test_zero_closes_on_the_first_data(self) -> None:
        pipe = simulate(LimitData(bytes=0), [(0.3, b"abc")])
        assert pipe.data == b""
        assert (pipe.end, pipe.end_at) == (End(EndMode.CLOSE), pytest.approx(0.3))

    def test_the_count_survives_an_update(self) -> None:
        state = LimitDataState()
        first = simulate(LimitData(bytes=10), [(0.0, b"123456")], end=None, interrupt_at=1.0, state=state)
        second = simulate(LimitData(bytes=8), [(1.0, b"789")], state=state)
        assert (first.data, second.data) == (b"123456", b"78")
        assert second.end == End(EndMode.CLOSE)


class TestRegistry:
    def test_every_toxiproxy_toxic_is_there(self) -> None:
        assert set(TOXIC_TYPES) >= {
            "latency",
            "bandwidth",
            "slow_close",
            "timeout",
            "reset_peer",
            "slicer",
            "limit_data",
        }

    def test_attributes_use_toxiproxy_names(self) -> None:
        assert toxic_attributes(make_toxic("latency", {"latency": 200, "jitter": 50})) == {"latency": 200, "jitter": 50}
        assert toxic_attributes(make_toxic("slicer")) == {"average_size": 1, "size_variation": 0, "delay": 0}
        assert toxic_attributes(make_toxic("bandwidth", {"rate": "100"})) == {"rate": 100}

    @pytest.mark.parametrize(
        ("kind", "attrs", "message"),
        [
            ("latncy", {}, "unknown toxic type"),
            ("latency", {"delay": 1}, "has no attribute delay"),
            ("latency", {"latency": -1}, "must not be negative"),
            ("latency", {"latency": True}, "whole number"),
            ("latency", {"latency": 1.5}, "whole number"),
            ("bandwidth", {"rate": "fast"}, "whole number"),
        ],
    )
    def test_bad_specs_are_refused(self, kind: str, attrs: dict[str, object], message: str) -> None:
        with pytest.raises(ValueError, match=message):
            make_toxic(kind, attrs)

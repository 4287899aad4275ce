"""Parsing the locustfile's block files, merging workers, and the throw-out rules."""

import json

import pytest

from harness.load.plan import fixed_rate_blocks
from harness.load.records import (
    BlockRecord,
    ThrowOutRules,
    kept_pairs,
    merge_workers,
    parse_latency_csv,
    read_blocks,
    throw_out_reason,
)

CSV = (
    "journey,due_ms,lag_ms,latency_ms,ok,status\n"
    "search,0.000,0.100,21.500,1,200\ntrack,25.000,0.200,19.250,1,200\nlogin,50.000,0.300,3.000,0,500\n"
)


def _meta(**overrides) -> dict:
    meta = {
        "sent": 3,
        "completed": 3,
        "errors": 1,
        "in_flight_at_end": 0,
        "arrival_seconds": 0.05,
        "wall_seconds": 1.0,
        "loadgen_cpu_seconds": 0.2,
        "target_cpu_seconds": 0.006,
    }
    return {**meta, **overrides}


def _record(**overrides) -> BlockRecord:
    values = {
        "index": 0,
        "arm": "A",
        "warmup": False,
        "pair": 0,
        "seconds": 1.0,
        "offered_rate": 100.0,
        "latencies_ms": [20.0] * 100,
        "lags_ms": [0.1] * 100,
        "sent": 100,
        "completed": 100,
        "errors": 0,
        "in_flight_at_end": 0,
        "loadgen_cpu_share": 0.3,
        "target_cpu_seconds": 0.2,
    }
    return BlockRecord(**{**values, **overrides})


def test_parse_keeps_successful_latencies_unrounded() -> None:
    latencies, lags, failed = parse_latency_csv(CSV)
    assert latencies == [21.5, 19.25]
    assert lags == [0.1, 0.2, 0.3]
    assert failed == 1


def test_merge_two_workers_sums_counts_and_takes_the_busiest_generator() -> None:
    block = fixed_rate_blocks(pairs=1, seconds=1, rate=6, warmup_seconds=0)[0]
    record = merge_workers(
        block,
        [_meta(loadgen_cpu_seconds=0.2), _meta(loadgen_cpu_seconds=0.5, target_cpu_seconds=None)],
        [CSV, CSV],
    )
    assert record.latencies_ms == [21.5, 19.25, 21.5, 19.25]
    assert (record.sent, record.completed, record.errors) == (6, 6, 2)
    assert record.loadgen_cpu_share == 0.5
    assert record.target_cpu_seconds == 0.006
    assert record.cpu_us_per_request == 1000.0
    assert record.others_on_target_core is None  # no core given: nothing read


def test_others_share_of_the_target_core() -> None:
    block = fixed_rate_blocks(pairs=1, seconds=1, rate=3, warmup_seconds=0)[0]
    record = merge_workers(block, [_meta(target_core_busy_seconds=0.306, wall_seconds=1.0)], [CSV])
    assert record.others_on_target_core == pytest.approx(0.3)


def test_read_blocks_from_files(tmp_path) -> None:
    blocks = fixed_rate_blocks(pairs=1, seconds=1, rate=3, warmup_seconds=0)
    for b in blocks:
        (tmp_path / f"block-{b.index:03d}-w0.csv").write_text(CSV)
        (tmp_path / f"block-{b.index:03d}-w0.json").write_text(json.dumps(_meta()))
    records = read_blocks(tmp_path, blocks, 1)
    assert [r.arm for r in records] == ["A", "B"]
    assert records[0].late_workers == 0


def test_throw_out_rules_name_the_reason() -> None:
    rules = ThrowOutRules()
    assert throw_out_reason(_record(), rules) is None
    assert "failed requests" in throw_out_reason(_record(errors=2), rules)
    assert "load generator at 95%" in throw_out_reason(_record(loadgen_cpu_share=0.95), rules)
    assert "in flight" in throw_out_reason(_record(in_flight_at_end=3), rules)
    assert "sent 50 of 100" in throw_out_reason(_record(sent=50), rules)
    assert "dispatch lag" in throw_out_reason(_record(lags_ms=[0.1] * 90 + [150.0] * 10), rules)
    assert "started after" in throw_out_reason(_record(late_workers=1), rules)
    assert "took 40% of the target's core" in throw_out_reason(_record(others_on_target_core=0.4), rules)
    # a capacity block saturates the target on purpose: queueing and in-flight requests are expected
    assert throw_out_reason(_record(in_flight_at_end=30, sent=10), rules, capacity=True) is None


def test_a_thrown_out_block_takes_its_pair_with_it() -> None:
    records = [
        _record(index=0, arm="A", warmup=True, pair=-1),
        _record(index=1, arm="A", pair=0),
        _record(index=2, arm="B", pair=0),
        _record(index=3, arm="B", pair=1, thrown_out="x"),
        _record(index=4, arm="A", pair=1),
        _record(index=5, arm="B", pair=2),
        _record(index=6, arm="A", pair=2),
    ]
    a, b = kept_pairs(records)
    assert [r.index for r in a] == [1, 6]
    assert [r.index for r in b] == [2, 5]


def test_rotation_rounds_pair_each_arm_with_the_baseline_of_its_round() -> None:
    records = [
        _record(index=0, arm="A", pair=0),
        _record(index=1, arm="configured", pair=0),
        _record(index=2, arm="rollback", pair=0, thrown_out="x"),
        _record(index=3, arm="configured", pair=1),
        _record(index=4, arm="rollback", pair=1),
        _record(index=5, arm="A", pair=1),
    ]
    a, b = kept_pairs(records, "configured")
    assert [(x.index, y.index) for x, y in zip(a, b, strict=True)] == [(0, 1), (5, 3)]
    a, b = kept_pairs(records, "rollback")  # another arm's thrown-out block costs only its own round
    assert [(x.index, y.index) for x, y in zip(a, b, strict=True)] == [(5, 4)]

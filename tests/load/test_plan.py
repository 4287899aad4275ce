"""Block scheduling: ABBA interleaving, warm-up first, pairs and seeds, the plan file."""

import json

import pytest

from harness.load.locust_proc import locust_argv
from harness.load.plan import Arm, LoadPlan, abba_order, fixed_rate_blocks, rotation_blocks


def test_abba_balances_order_and_never_runs_an_arm_three_times() -> None:
    order = abba_order(8)
    assert order[:4] == [("A", "B"), ("B", "A"), ("B", "A"), ("A", "B")]
    assert sum(first == "A" for first, _ in order) == 4
    flat = [arm for pair in order for arm in pair]
    assert all(len(set(flat[i : i + 3])) == 2 for i in range(len(flat) - 2))


def test_blocks_start_with_discarded_warmup_and_pair_up() -> None:
    blocks = fixed_rate_blocks(pairs=3, seconds=5, rate=40, warmup_seconds=2, seed=7)
    assert [(b.arm, b.warmup) for b in blocks[:2]] == [("A", True), ("B", True)]
    measured = blocks[2:]
    assert [b.index for b in blocks] == list(range(8))
    assert [b.pair for b in measured] == [0, 0, 1, 1, 2, 2]
    for pair in range(3):
        a, b = (x for x in measured if x.pair == pair)
        assert {a.arm, b.arm} == {"A", "B"}
        assert a.seed == b.seed  # both sides of a pair send the same journeys


def test_no_warmup_and_bad_input() -> None:
    assert not any(b.warmup for b in fixed_rate_blocks(pairs=1, seconds=1, rate=1, warmup_seconds=0))
    with pytest.raises(ValueError, match="at least one pair"):
        abba_order(0)


def test_plan_round_trips_as_json(tmp_path) -> None:
    blocks = fixed_rate_blocks(pairs=2, seconds=3, rate=10, warmup_seconds=1)
    plan = LoadPlan({"A": Arm("http://127.0.0.1:1"), "B": Arm("http://127.0.0.1:2", 42)}, blocks, str(tmp_path))
    data = json.loads(plan.write(tmp_path / "plan.json").read_text())
    assert data["arms"]["B"] == {"host": "http://127.0.0.1:2", "pid": 42}
    assert len(data["blocks"]) == 6
    assert plan.timetable_seconds() == pytest.approx(2 * (1 + 1) + 4 * (3 + 1))
    with pytest.raises(ValueError, match="baseline arm A and at least one other"):
        LoadPlan({"A": Arm("x")}, blocks, str(tmp_path))
    with pytest.raises(ValueError, match=r"arms the plan does not have: \['B'\]"):
        LoadPlan({"A": Arm("x"), "C": Arm("y")}, blocks, str(tmp_path))


def test_rotation_rounds_give_every_arm_one_block_with_the_round_s_journeys() -> None:
    arms = ["A", "configured", "rollback", "no-tracing"]
    blocks = rotation_blocks(arms, rounds=4, seconds=2, rate=50, warmup_seconds=1, seed=3)
    assert [(b.arm, b.warmup) for b in blocks[:4]] == [(a, True) for a in arms]
    measured = blocks[4:]
    assert [b.index for b in blocks] == list(range(20))
    orders = [[b.arm for b in measured if b.pair == r] for r in range(4)]
    assert orders[0] == arms
    assert orders[1] == arms[1:] + arms[:1]
    for r, order in enumerate(orders):
        assert sorted(order) == sorted(arms)
        assert len({b.seed for b in measured if b.pair == r}) == 1  # one journey sequence per round
    assert len({b.seed for b in measured}) == 4
    for position in range(len(arms)):  # over a full rotation every arm runs once in every position
        assert sorted(o[position] for o in orders) == sorted(arms)
    with pytest.raises(ValueError, match="two or more distinct arms"):
        rotation_blocks(["A", "A"], rounds=1, seconds=1, rate=1, warmup_seconds=0)
    with pytest.raises(ValueError, match="at least one round"):
        rotation_blocks(arms, rounds=0, seconds=1, rate=1, warmup_seconds=0)


def test_locust_command_lines() -> None:
    local = locust_argv("local", run_seconds=30.2)
    assert "--headless" in local
    assert local[local.index("--run-time") + 1] == "31s"
    master = locust_argv("master", run_seconds=10, workers=2, master_port=5557)
    assert master[master.index("--expect-workers") + 1] == "2"
    assert master[master.index("-u") + 1] == "2"
    worker = locust_argv("worker", run_seconds=0, master_port=5557)
    assert "--worker" in worker
    assert "--headless" not in worker

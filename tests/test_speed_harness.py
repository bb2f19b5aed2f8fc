"""The benchmark harness's logic: who runs when, how figures are summarised, how
goals are reported. No timing is asserted: a fake process runner stands in for Python."""

from __future__ import annotations

import gc
import json
from typing import Any, ClassVar

import pytest

from benchmarks import fresh_process
from benchmarks.measure import alternating_order, paired_ratios, spread
from benchmarks.report import _fresh_lines, _goal_lines, fresh_process_goals, nn_loop_goal
from benchmarks.suite import (
    eager_in_fresh_processes,
    fresh_process_plan,
    nn_loop_in_fresh_processes,
)


def test_rounds_alternate_which_engine_goes_first() -> None:
    names = ["ours", "ours-fit", "micrograd"]
    assert alternating_order(names, 0) == names
    assert alternating_order(names, 1) == names[::-1]
    assert alternating_order(names, 2) == names


def test_spread_is_the_median_with_the_extremes() -> None:
    assert spread([5.0]) == {"median": 5.0, "min": 5.0, "max": 5.0}
    assert spread([4.0, 1.0, 3.0]) == {"median": 3.0, "min": 1.0, "max": 4.0}
    assert spread([1.0, 2.0, 3.0, 10.0])["median"] == 2.5
    with pytest.raises(ValueError, match="no values"):
        spread([])


def test_ratios_pair_the_times_of_one_round() -> None:
    # Paired by round: 10/2, 30/3, 20/4. Unpaired medians would give 20/3.
    assert paired_ratios([10.0, 30.0, 20.0], [2.0, 3.0, 4.0]) == {
        "median": 5.0,
        "min": 5.0,
        "max": 10.0,
    }
    with pytest.raises(ValueError, match="2 times to pair with 1"):
        paired_ratios([1.0, 2.0], [1.0])


class FakeRunner:
    """Stands in for a fresh Python: logs each call, returns made-up CPU seconds."""

    STEP: ClassVar[dict[str, float]] = {"ours": 0.1, "ours-fit": 0.08, "micrograd": 1.0}

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, int]] = []

    def __call__(self, engine: str, heap: str, steps: int) -> dict[str, Any]:
        self.calls.append((engine, heap, steps))
        round_number = sum(1 for e, h, _ in self.calls if (e, h) == (engine, heap))
        # The second process of each engine is slower (load), the steps themselves vary.
        step = self.STEP[engine] * round_number
        seconds = [step * 0.5, step * 2.5] + [step] * (steps - 2)
        return {"seconds": seconds, "collector_seconds": [s / 4 for s in seconds]}


def test_each_process_runs_one_engine_alternating_round_by_round() -> None:
    runner = FakeRunner()
    engines = ["ours", "ours-fit", "micrograd"]
    eager_in_fresh_processes(engines, ["plain", "torch"], 2, 4, lambda _: None, run=runner)
    assert runner.calls == [
        ("ours", "plain", 4),
        ("ours-fit", "plain", 4),
        ("micrograd", "plain", 4),
        ("micrograd", "plain", 4),
        ("ours-fit", "plain", 4),
        ("ours", "plain", 4),
        ("ours", "torch", 4),
        ("ours-fit", "torch", 4),
        ("micrograd", "torch", 4),
        ("micrograd", "torch", 4),
        ("ours-fit", "torch", 4),
        ("ours", "torch", 4),
    ]


def test_a_process_counts_as_the_mean_of_its_steps() -> None:
    results = eager_in_fresh_processes(
        ["ours", "micrograd"], ["plain"], 2, 4, lambda _: None, run=FakeRunner()
    )
    plain = results["heaps"]["plain"]
    # Steps 0.05, 0.25, 0.1, 0.1: mean 0.125, where the median, 0.1, would miss the slow
    # step (a collector's rescan every few steps). Round 2 is twice as slow.
    assert plain["process_means"]["ours"] == pytest.approx([0.125, 0.25])
    assert plain["seconds"]["ours"] == pytest.approx({"median": 0.1875, "min": 0.125, "max": 0.25})
    assert plain["collector_share"]["micrograd"]["median"] == pytest.approx(0.25)
    assert plain["ratio_vs_micrograd"]["ours"] == pytest.approx(
        {"median": 10.0, "min": 10.0, "max": 10.0}
    )
    assert "micrograd" not in plain["ratio_vs_micrograd"]


def test_without_micrograd_there_is_no_ratio_and_no_torch_heap_without_torch() -> None:
    engines, heaps = fresh_process_plan({"micrograd": "not installed", "PyTorch": "no"})
    assert (engines, heaps) == (["ours", "ours-fit"], ["plain", "objects", "collector-off"])
    results = eager_in_fresh_processes(engines, heaps, 1, 3, lambda _: None, run=FakeRunner())
    assert all("ratio_vs_micrograd" not in entry for entry in results["heaps"].values())
    assert fresh_process_plan({}) == (
        ["ours", "ours-fit", "micrograd"],
        ["plain", "torch", "objects", "collector-off"],
    )


def _fresh_results() -> dict[str, Any]:
    fresh = eager_in_fresh_processes(
        ["ours", "ours-fit", "micrograd"], ["plain", "torch"], 2, 4, lambda _: None, FakeRunner()
    )
    return {"fresh_processes": fresh, "demo_step": {"node_counts": {"autograd-engine": 1000}}}


def test_goals_are_met_or_not_against_their_own_targets() -> None:
    results = _fresh_results()
    goals = fresh_process_goals(results)
    assert [(g["target"], g["ratio"], g["met"]) for g in goals] == [
        (20.0, pytest.approx(10.0), False),
        (20.0, pytest.approx(12.5), False),
        (15.0, pytest.approx(10.0), False),
        (15.0, pytest.approx(12.5), False),
    ]
    FakeRunner.STEP["ours-fit"] = 0.05  # now 20x
    try:
        goals = fresh_process_goals(_fresh_results())
    finally:
        FakeRunner.STEP["ours-fit"] = 0.08
    assert [g["met"] for g in goals] == [False, True, False, True]
    assert goals[1]["goal"] == (
        "eager step >= 20x micrograd, a plain process: autograd-engine, nn.train_step (fit)"
    )


def test_the_collector_off_goal_is_for_raw_values_alone() -> None:
    fresh = eager_in_fresh_processes(
        ["ours", "ours-fit", "micrograd"], ["collector-off"], 2, 4, lambda _: None, FakeRunner()
    )
    goals = fresh_process_goals({"fresh_processes": fresh})
    assert [(g["target"], g["ratio"]) for g in goals] == [(3.0, pytest.approx(10.0))]
    assert goals[0]["goal"] == (
        "eager step >= 3x micrograd, the cycle collector off: autograd-engine, the demo's own loop"
    )


def test_goal_lines_print_the_range() -> None:
    lines = _goal_lines(fresh_process_goals(_fresh_results()))
    assert lines[0] == (
        "  [NOT MET] eager step >= 20x micrograd, a plain process: "
        "autograd-engine, the demo's own loop: 10.00x (rounds 10.00x to 10.00x)"
    )


def test_the_table_shows_each_heap_engine_share_and_ratio() -> None:
    text = "\n".join(_fresh_lines(_fresh_results()))
    assert "2 rounds taking turns" in text
    assert "torch imported" in text
    row = next(line for line in text.splitlines() if "the demo's own loop" in line)
    assert "187.500 ms" in row  # the median of the process means 0.125 and 0.25
    assert "[125.000 ms - 250.000 ms]" in row
    assert "25%" in row
    assert "10.0x [10.0 - 10.0]" in row
    # Where the time goes: 0.1875 s over 1000 nodes, 75% of it outside the collector.
    assert "187500 ns per node, 140625 ns of it outside the collector" in text


def test_a_fresh_process_prints_its_steps_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    """The real child, run in this process on the smallest heap: its output format."""
    was = gc.isenabled()
    assert fresh_process.main(["--engine", "ours", "--heap", "plain", "--steps", "2"]) == 0
    assert gc.isenabled() == was
    result = json.loads(capsys.readouterr().out)
    assert (result["engine"], result["heap"], result["anomaly_mode_entered"]) == (
        "ours",
        "plain",
        False,
    )
    assert len(result["seconds"]) == len(result["collector_seconds"]) == 2
    assert all(
        0 <= c <= s for c, s in zip(result["collector_seconds"], result["seconds"], strict=True)
    )


def test_heaps_are_made_as_named() -> None:
    assert fresh_process.make_heap("plain") is None
    objects = fresh_process.make_heap("objects")
    assert len(objects) == fresh_process.HEAP_OBJECTS
    assert gc.is_tracked(objects[0])
    with pytest.raises(ValueError, match="unknown heap 'big'"):
        fresh_process.make_heap("big")


def test_the_profile_line_names_each_phase_per_node() -> None:
    results = _fresh_results()
    per_node = {"forward": 500.4, "backward": 700, "walk": 450, "free": 110}
    results["eager_profile"] = {"nanoseconds_per_node": {**per_node, "update": 2}}
    text = "\n".join(_fresh_lines(results))
    assert (
        "forward 500 ns, backward 700 ns (of which the walk 450 ns), "
        "freeing the graph 110 ns, update 2 ns"
    ) in text
    assert "collector paused" not in "\n".join(_fresh_lines(_fresh_results()))


def test_the_profile_measures_each_phase_once_per_step() -> None:
    from benchmarks.suite import eager_profile
    from benchmarks.workload import make_problem

    profile = eager_profile(make_problem(n_points=2), 1)
    assert set(profile["seconds"]) == {"forward", "walk", "backward", "update", "free"}
    assert profile["nodes"] > 600  # two points through MLP(2, [16, 16, 1]), and the L2 term
    assert gc.isenabled()


def test_the_nn_loop_pairs_our_mlp_with_micrograds_by_round() -> None:
    runner = FakeRunner()
    runner.STEP = {"ours-nn": 0.1, "micrograd-nn": 2.0}
    loop = nn_loop_in_fresh_processes(3, 4, lambda _: None, run=runner)
    assert runner.calls == [
        ("ours-nn", "plain", 4),
        ("micrograd-nn", "plain", 4),
        ("micrograd-nn", "plain", 4),
        ("ours-nn", "plain", 4),
        ("ours-nn", "plain", 4),
        ("micrograd-nn", "plain", 4),
    ]
    assert loop["ratio_vs_micrograd"] == pytest.approx({"median": 20.0, "min": 20.0, "max": 20.0})
    (goal,) = nn_loop_goal({"nn_loop": loop})
    assert goal["met"]
    assert goal["target"] == 15.0
    assert nn_loop_goal({}) == []


def test_both_nn_loops_start_from_the_same_loss() -> None:
    pytest.importorskip("micrograd")
    from benchmarks.engines import NNLoopModel, ScalarModel, ours_engine
    from benchmarks.workload import make_problem

    problem = make_problem(n_points=10)
    ours = NNLoopModel(problem, "ours").step()
    assert NNLoopModel(problem, "micrograd").step() == pytest.approx(ours, rel=1e-12)
    assert ScalarModel(ours_engine(), problem).step() == pytest.approx(ours, rel=1e-12)
    with pytest.raises(ValueError, match="unknown library"):
        NNLoopModel(problem, "tinygrad")

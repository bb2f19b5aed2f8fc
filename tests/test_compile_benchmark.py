"""The benchmark's own correctness (never its timings): every engine computes the same step.

``python -m benchmarks`` compares engines on micrograd's demo step. These tests check that
the comparison is fair (the same graph, the same loss, the same update in every engine)
and that the report states the goals from the numbers it is given.
"""

from __future__ import annotations

from typing import Any

import pytest

from autograd_engine import FrozenGraphError
from benchmarks.engines import (
    BranchyReplays,
    CompiledModel,
    ScalarModel,
    micrograd_engine,
    ours_engine,
    torch_scalar_engine,
    torch_vector_model,
)
from benchmarks.fresh_process import time_eager_steps
from benchmarks.report import format_report, goals, overhead_goals
from benchmarks.workload import make_problem, two_moons


def test_two_moons_is_deterministic_and_balanced() -> None:
    xs, ys = two_moons(100, noise=0.1, seed=0)
    assert (xs, ys) == two_moons(100, noise=0.1, seed=0)
    assert sorted(set(ys)) == [-1, 1]
    assert ys.count(1) == 50


def test_the_compiled_step_trains_exactly_like_the_eager_step() -> None:
    problem = make_problem()
    eager = ScalarModel(ours_engine(), problem)
    compiled = CompiledModel(problem)
    for _ in range(3):
        assert compiled.step() == pytest.approx(eager.step(), rel=1e-12)
    assert [p.data for p in compiled.model.params] == pytest.approx(
        [p.data for p in eager.params], rel=1e-12
    )


def test_the_branchy_model_computes_the_demo_step_and_its_guards_are_checked() -> None:
    problem = make_problem()
    eager = ScalarModel(ours_engine(), problem)
    replays = BranchyReplays(problem)
    eager_loss = eager.loss()
    eager_loss.backward()
    # one guard per relu: 100 points x (16 + 16 hidden units + 1 hinge)
    assert (replays.guarded.num_guards, replays.unguarded.num_guards) == (3300, 0)
    assert replays.loss == pytest.approx(eager_loss.data, rel=1e-12)
    for step in (replays.guarded_step, replays.unguarded_step):
        assert step() == pytest.approx(eager_loss.data, rel=1e-12)
        assert [p.grad for p in replays.model.params] == pytest.approx(
            [p.grad for p in eager.params], rel=1e-12, abs=1e-15
        )
    # An SGD update flips some branches: the guarded replay says so, the unguarded does not.
    for p in replays.model.params:
        p.data -= p.grad
    replays.unguarded_step()
    with pytest.raises(FrozenGraphError, match=r"> 0 was (True|False) when the graph"):
        replays.guarded_step()


def test_a_process_that_left_anomaly_mode_runs_the_engine_s_own_node_function() -> None:
    result = time_eager_steps(1, enter_anomaly_mode=True)
    assert result["anomaly_mode_entered"] is True
    assert len(result["seconds"]) == 1


@pytest.mark.slow
def test_every_engine_builds_the_same_graph_and_takes_the_same_step() -> None:
    problem = make_problem()
    engines = [ours_engine(), micrograd_engine(), torch_scalar_engine()]
    models: list[Any] = [ScalarModel(engine, problem) for engine in engines if engine]
    if len(models) < 2:
        pytest.skip("needs micrograd or PyTorch")
    ours, *peers = models
    nodes = ours.engine.count_nodes(ours.loss())
    vector = torch_vector_model(problem)
    first_losses = [model.step() for model in models]
    if vector is not None:
        first_losses.append(vector.step())
    assert first_losses == pytest.approx([first_losses[0]] * len(first_losses), rel=1e-12)
    for peer in peers:
        assert [float(p.data) for p in peer.params] == pytest.approx(
            [p.data for p in ours.params], rel=1e-12
        )
        if peer.engine.name.startswith("micrograd"):
            assert peer.engine.count_nodes(peer.loss()) == nodes


def results(micrograd: float | None, vector: float | None) -> dict[str, Any]:
    times = {"autograd-engine": 0.1, "autograd-engine compiled": 0.001}
    memory: dict[str, Any] = {"autograd-engine": {"bytes_per_node": 200.0}}
    if micrograd is not None:
        times["micrograd 0.1.0"] = micrograd
        memory["micrograd 0.1.0"] = {"bytes_per_node": 500.0}
    if vector is not None:
        times["PyTorch vectorized"] = vector
    result: dict[str, Any] = {
        "command": "python -m benchmarks",
        "environment": "test",
        "demo_step": {
            "node_counts": {"autograd-engine": 10},
            "compile_seconds": 0.2,
            "max_relative_loss_difference": 0.0,
            "median_seconds": times,
            "median_collector_seconds": dict.fromkeys(times, 0.0),
        },
        "memory": memory,
        "chain": {
            "nodes": 11,
            "graph_bytes_per_node": 150.0,
            "backward_seconds": 1.0,
            "backward_peak_bytes": 2**20,
            "eager_build_and_backward_seconds": 2.0,
            "compiled_run_seconds": 1.0,
            "compile_seconds": 3.0,
        },
        "guards": {
            "guards": 3300,
            "compiled_graph": "CompiledGraph(10 nodes, 3300 guards)",
            "median_seconds": {"guarded": 0.0012, "unguarded": 0.001},
            "ratio": 1.2,
        },
        "anomaly_off": {
            "pairs": 4,
            "steps_per_process": 6,
            "median_seconds": {"never entered": 0.1, "entered and left": 0.101},
            "ratio": 1.01,
            "ratio_min": 0.97,
            "ratio_max": 1.04,
        },
        "skipped": {} if micrograd is not None else {"micrograd": "not installed"},
    }
    result["goals"] = goals(result)
    result["goals_overhead"] = overhead_goals(result)
    return result


def test_goals_are_ratios_of_the_measured_medians() -> None:
    met = {entry["goal"]: (entry["ratio"], entry["met"]) for entry in goals(results(1.5, 0.0004))}
    assert met["eager step >= 10x faster than micrograd"] == (pytest.approx(15.0), True)
    assert met[">= 3x fewer bytes per node than micrograd"] == (pytest.approx(2.5), False)
    assert met["compiled step >= 1000x faster than micrograd"] == (pytest.approx(1500.0), True)
    assert met["compiled step within 2x of PyTorch vectorized"] == (pytest.approx(2.5), False)
    chain = met["compiled deep chain no slower than eager (rebuild + backward)"]
    assert chain == (pytest.approx(0.5), True)


def test_the_report_says_which_peer_was_skipped() -> None:
    text = format_report(results(None, None))
    assert "Skipped micrograd: not installed" in text
    assert "[skipped] eager step >= 10x faster than micrograd" in text
    assert "[met] compiled deep chain" in text
    assert "vs micrograd" in text


def test_the_overhead_goals_compare_ratios_with_their_targets() -> None:
    guard_goal, anomaly_goal = overhead_goals(results(1.5, 0.0004))
    assert (guard_goal["ratio"], guard_goal["met"]) == (pytest.approx(1.2), False)
    assert (anomaly_goal["ratio"], anomaly_goal["met"]) == (pytest.approx(1.01), True)
    text = format_report(results(1.5, 0.0004))
    assert "Goals: what guards and anomaly mode cost" in text
    assert "[NOT MET] guards cost the compiled step < 10% (3,300 guards): 1.20x" in text
    assert "[met] anomaly mode off costs the eager step nothing measurable" in text
    assert "1.01x (pairs 0.97x to 1.04x)" in text

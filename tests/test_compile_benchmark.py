"""The benchmark's own correctness (never its timings): every engine computes the same step.

``python -m benchmarks`` compares engines on micrograd's demo step. These tests check that
the comparison is fair (the same graph, the same loss, the same update in every engine)
and that the report states the goals from the numbers it is given.
"""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.engines import (
    CompiledModel,
    ScalarModel,
    micrograd_engine,
    ours_engine,
    torch_scalar_engine,
    torch_vector_model,
)
from benchmarks.report import format_report, goals
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
        "skipped": {} if micrograd is not None else {"micrograd": "not installed"},
    }
    result["goals"] = goals(result)
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

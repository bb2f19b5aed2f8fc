"""The benchmarks themselves; each returns a plain dict (the JSON report is made of them).

* :func:`demo_step`: one training step of micrograd's demo in every engine, eager and
  compiled, with node counts and a check that every engine computed the same loss;
* :func:`graph_memory`: bytes per graph node while a loss graph is alive;
* :func:`chain`: backward over a deep chain, its time and peak memory, and the compiled
  replay of the same chain.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from autograd_engine import Value, compile_graph

from .engines import (
    CompiledModel,
    ScalarModel,
    micrograd_engine,
    ours_engine,
    torch_scalar_engine,
    torch_vector_model,
)
from .measure import Timing, frozen_imports, time_repeats, traced_bytes
from .workload import Problem

__all__ = ["chain", "demo_step", "graph_memory"]

#: Each engine's steps are timed in this many blocks, taking turns.
ROUNDS = 2
#: Steps under a millisecond are timed this many times more often than the slow ones.
FAST_REPEATS_PER_STEP = 50


def demo_step(problem: Problem, repeats: int, progress: Callable[[str], None]) -> dict[str, Any]:
    """Time one demo training step in every available engine.

    Every engine starts from the same weights; the loss of its first step must agree across
    engines. Then, in each of :data:`ROUNDS` rounds, each engine runs a block of steps (see
    :mod:`benchmarks.measure`), so a burst of load from elsewhere touches them all.
    """
    scalar_engines = [ours_engine(), micrograd_engine(), torch_scalar_engine()]
    models: dict[str, Any] = {
        engine.name: ScalarModel(engine, problem) for engine in scalar_engines if engine
    }
    ours = ours_engine().name
    node_counts = {name: model.engine.count_nodes(model.loss()) for name, model in models.items()}
    start = time.perf_counter()
    compiled = CompiledModel(problem)
    compile_seconds = time.perf_counter() - start
    fast_models: dict[str, Any] = {f"{ours} compiled": compiled}
    vector = torch_vector_model(problem)
    if vector is not None:
        fast_models["PyTorch vectorized"] = vector

    first_losses = {name: model.step() for name, model in {**models, **fast_models}.items()}
    timings = {name: Timing() for name in {**models, **fast_models}}
    per_block = -(-repeats // ROUNDS)
    with frozen_imports():
        for round_number in range(ROUNDS):
            for name, model in models.items():
                progress(f"demo step, round {round_number + 1} of {ROUNDS}: {name}")
                time_repeats(model.step, per_block, timings[name])
            for name, model in fast_models.items():
                time_repeats(model.step, FAST_REPEATS_PER_STEP * per_block, timings[name])
    reference = first_losses[ours]
    return {
        "node_counts": node_counts,
        "compiled_graph": repr(compiled.replay),
        "compile_seconds": compile_seconds,
        "first_step_loss": first_losses,
        "max_relative_loss_difference": max(
            abs(loss - reference) / abs(reference) for loss in first_losses.values()
        ),
        "median_seconds": {name: timing.median for name, timing in timings.items()},
        "median_collector_seconds": {
            name: timing.collector_median for name, timing in timings.items()
        },
        "samples": {name: len(timing.seconds) for name, timing in timings.items()},
    }


def graph_memory(problem: Problem) -> dict[str, Any]:
    """Bytes per node of the demo's loss graph, alive after ``backward()``, per engine.

    Measured with tracemalloc, which sees Python's allocations only, so PyTorch (whose
    nodes live in C++) is not measured.
    """
    results: dict[str, Any] = {}
    for engine in (ours_engine(), micrograd_engine()):
        if engine is None:
            continue
        model = ScalarModel(engine, problem)

        def build(model: ScalarModel = model) -> Any:
            loss = model.loss()
            model.engine.backward(loss)
            return loss

        loss, retained, _ = traced_bytes(build)
        nodes = engine.count_nodes(loss)
        results[engine.name] = {
            "nodes": nodes,
            "bytes": retained,
            "bytes_per_node": retained / nodes,
        }
        del loss
    return results


def _sine_chain(x: Value, length: int) -> Value:
    y = x
    for _ in range(length):
        y = y.sin()
    return y


def chain(length: int, repeats: int, progress: Callable[[str], None]) -> dict[str, Any]:
    """Backward over ``y = sin(sin(...sin(x)))``, ``length`` sines deep: time and memory.

    Also the compiled replay of the same chain (forward and backward), next to the eager
    engine rebuilding it and running backward, since a deep narrow graph is the worst case
    for replaying level by level.
    """
    x = Value(0.5)
    progress(f"chain of {length:,} nodes: build")
    y, graph_bytes, _ = traced_bytes(lambda: _sine_chain(x, length))
    progress("chain: backward")
    backward = time_repeats(y.backward, repeats, warmup=0)
    _, _, backward_peak = traced_bytes(y.backward)
    progress("chain: eager rebuild + backward")
    eager_step = time_repeats(lambda: _sine_chain(x, length).backward(), repeats, warmup=0)
    progress("chain: compile and replay")
    start = time.perf_counter()
    replay = compile_graph(y)
    compile_seconds = time.perf_counter() - start
    replayed = time_repeats(replay.run, repeats, warmup=0)
    return {
        "nodes": length + 1,
        "graph_bytes_per_node": graph_bytes / (length + 1),
        "backward_seconds": backward.median,
        "backward_peak_bytes": backward_peak,
        "eager_build_and_backward_seconds": eager_step.median,
        "compile_seconds": compile_seconds,
        "compiled_run_seconds": replayed.median,
    }

"""The benchmarks themselves; each returns a plain dict (the JSON report is made of them).

* :func:`demo_step`: one training step of micrograd's demo in every engine, eager and
  compiled, with node counts and a check that every engine computed the same loss;
* :func:`graph_memory`: bytes per graph node while a loss graph is alive;
* :func:`chain`: backward over a deep chain, its time and peak memory, and the compiled
  replay of the same chain;
* :func:`guard_cost`: the compiled step of a model that branches in Python, with its guards
  re-checked on every run vs the same graph replayed without them (issue 8);
* :func:`anomaly_off_cost`: the eager step in fresh processes that never entered
  ``detect_anomaly()`` vs processes that entered and left it once (issue 8).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autograd_engine import Value, compile_graph

from .engines import (
    BranchyReplays,
    CompiledModel,
    ScalarModel,
    micrograd_engine,
    ours_engine,
    torch_scalar_engine,
    torch_vector_model,
)
from .measure import Timing, frozen_imports, time_repeats, traced_bytes
from .workload import Problem

__all__ = ["anomaly_off_cost", "chain", "demo_step", "graph_memory", "guard_cost"]

#: Each engine's steps are timed in this many blocks, taking turns.
ROUNDS = 2
#: Steps under a millisecond are timed this many times more often than the slow ones.
FAST_REPEATS_PER_STEP = 50
#: The guarded and unguarded replays take turns this many times (a small difference).
GUARD_ROUNDS = 6


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


def guard_cost(problem: Problem, repeats: int, progress: Callable[[str], None]) -> dict[str, Any]:
    """What re-checking guards costs a compiled step, on a model with thousands of them.

    The demo's own model records no guard (relu is an op, not a Python branch), so this
    times :class:`~benchmarks.engines.BranchyReplays`: the demo's loss with ``h if h > 0
    else h * 0.0`` for every relu, one graph compiled with its guard log and without. The
    two replays take turns in :data:`GUARD_ROUNDS` rounds of equal blocks.
    """
    progress("guards: record and compile the branchy model")
    replays = BranchyReplays(problem)
    first = {"guarded": replays.guarded_step(), "unguarded": replays.unguarded_step()}
    steps = {"guarded": replays.guarded_step, "unguarded": replays.unguarded_step}
    timings = {name: Timing() for name in steps}
    per_block = FAST_REPEATS_PER_STEP * -(-repeats // ROUNDS)
    with frozen_imports():
        for round_number in range(GUARD_ROUNDS):
            progress(f"guards: round {round_number + 1} of {GUARD_ROUNDS}")
            order = list(steps) if round_number % 2 == 0 else list(reversed(steps))
            for name in order:
                time_repeats(steps[name], per_block, timings[name])
    return {
        "guards": replays.guarded.num_guards,
        "compiled_graph": repr(replays.guarded),
        "loss": first,
        "median_seconds": {name: timing.median for name, timing in timings.items()},
        "ratio": timings["guarded"].median / timings["unguarded"].median,
    }


def _fresh_process(steps: int, enter_anomaly_mode: bool) -> list[float]:
    """Seconds per eager step, timed by :mod:`benchmarks.fresh_process` in a new Python."""
    root = str(Path(__file__).resolve().parent.parent)  # this checkout, not an installed copy
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        path for path in (root, environment.get("PYTHONPATH", "")) if path
    )
    command = [sys.executable, "-m", "benchmarks.fresh_process", "--steps", str(steps)]
    if enter_anomaly_mode:
        command.append("--anomaly")
    finished = subprocess.run(
        command, capture_output=True, text=True, check=True, env=environment, cwd=root
    )
    seconds: list[float] = json.loads(finished.stdout)["seconds"]
    return seconds


def anomaly_off_cost(pairs: int, steps: int, progress: Callable[[str], None]) -> dict[str, Any]:
    """The eager step after anomaly mode was on and off again, vs never on.

    ``pairs`` times, one fresh process of each kind (taking turns on which goes first) times
    ``steps`` eager demo steps; a pair's ratio is the two processes' medians divided. The
    result is the median ratio over the pairs, with their lowest and highest, which show
    how much fresh processes differ on this machine anyway.
    """
    medians: dict[str, list[float]] = {"never entered": [], "entered and left": []}
    for pair in range(pairs):
        progress(f"anomaly mode off: fresh processes, pair {pair + 1} of {pairs}")
        order = [False, True] if pair % 2 == 0 else [True, False]
        for entered in order:
            seconds = _fresh_process(steps, entered)
            medians["entered and left" if entered else "never entered"].append(
                statistics.median(seconds)
            )
    ratios = [
        after / never
        for after, never in zip(medians["entered and left"], medians["never entered"], strict=True)
    ]
    return {
        "pairs": pairs,
        "steps_per_process": steps,
        "median_seconds": {name: statistics.median(values) for name, values in medians.items()},
        "process_medians": medians,
        "ratio": statistics.median(ratios),
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
    }

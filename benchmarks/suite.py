"""The benchmarks themselves; each returns a plain dict (the JSON report is made of them).

* :func:`demo_step`: one training step of micrograd's demo in every engine, eager and
  compiled, with node counts and a check that every engine computed the same loss;
* :func:`graph_memory`: bytes per graph node while a loss graph is alive;
* :func:`chain`: backward over a deep chain, its time and peak memory, and the compiled
  replay of the same chain;
* :func:`guard_cost`: the compiled step of a model that branches in Python, with its guards
  re-checked on every run vs the same graph replayed without them;
* :func:`anomaly_off_cost`: the eager step in fresh processes that never entered
  ``detect_anomaly()`` vs processes that entered and left it once;
* :func:`eager_in_fresh_processes`: the eager step of this engine and of micrograd, each in
  a fresh process of its own, with a plain heap and with a large one alive;
* :func:`nn_loop_in_fresh_processes`: the same step as a user writes it over each
  library's own ``nn.MLP``, this one's and micrograd's, in fresh processes.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from autograd_engine import Value, compile_graph, graph
from autograd_engine.gc_pause import collector_paused

from .engines import (
    BranchyReplays,
    CompiledModel,
    ScalarModel,
    micrograd_engine,
    ours_engine,
    torch_scalar_engine,
    torch_vector_model,
)
from .fresh_process import HEAPS
from .measure import (
    Timing,
    alternating_order,
    frozen_imports,
    paired_ratios,
    spread,
    time_repeats,
    traced_bytes,
)
from .workload import Problem

__all__ = [
    "anomaly_off_cost",
    "chain",
    "demo_step",
    "eager_in_fresh_processes",
    "eager_profile",
    "fresh_process_plan",
    "graph_memory",
    "guard_cost",
    "nn_loop_in_fresh_processes",
    "run_fresh_process",
]

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


def run_fresh_process(
    engine: str, heap: str, steps: int, enter_anomaly_mode: bool = False
) -> dict[str, Any]:
    """What :mod:`benchmarks.fresh_process` measures in a new Python: ``{"seconds": [...],
    "collector_seconds": [...], ...}``, CPU seconds per eager step of ``engine``."""
    root = str(Path(__file__).resolve().parent.parent)  # this checkout, not an installed copy
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        path for path in (root, environment.get("PYTHONPATH", "")) if path
    )
    command = [sys.executable, "-m", "benchmarks.fresh_process", "--steps", str(steps)]
    command += ["--engine", engine, "--heap", heap]
    if enter_anomaly_mode:
        command.append("--anomaly")
    finished = subprocess.run(
        command, capture_output=True, text=True, check=True, env=environment, cwd=root
    )
    result: dict[str, Any] = json.loads(finished.stdout)
    return result


def _fresh_process(steps: int, enter_anomaly_mode: bool) -> list[float]:
    """Seconds per eager step of this engine, timed in a new Python with a plain heap."""
    seconds: list[float] = run_fresh_process("ours", "plain", steps, enter_anomaly_mode)["seconds"]
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


#: Runs one fresh process: ``(engine, heap, steps) -> {"seconds": [...],
#: "collector_seconds": [...]}`` (see :func:`run_fresh_process`).
FreshRunner = Callable[[str, str, int], dict[str, Any]]


def eager_in_fresh_processes(
    engines: list[str],
    heaps: list[str],
    processes: int,
    steps: int,
    progress: Callable[[str], None],
    run: FreshRunner = run_fresh_process,
) -> dict[str, Any]:
    """The eager demo step of each engine, each timed in fresh processes of its own.

    For every heap (see :data:`benchmarks.fresh_process.HEAPS`), ``processes`` rounds; in
    each round every engine runs once in a new Python, in :func:`alternating_order`. A
    process times ``steps`` steps after a warm-up step; its figure is their *mean* (the
    collector's big rescans come every few steps, and a mean counts them at their rate,
    where a median could skip them). So one engine's garbage is never collected on another's
    clock, and the heap each step runs in is the one named.

    Returns:
        Per heap: each engine's seconds per step and share of them in the cycle collector
        (as :func:`~benchmarks.measure.spread` over the processes), and the ratio of
        micrograd's step to each other engine's, paired by round.
    """
    results: dict[str, Any] = {"processes": processes, "steps": steps, "heaps": {}}
    for heap in heaps:
        means: dict[str, list[float]] = {engine: [] for engine in engines}
        shares: dict[str, list[float]] = {engine: [] for engine in engines}
        for round_number in range(processes):
            for engine in alternating_order(engines, round_number):
                progress(
                    f"fresh processes, heap {heap}, round {round_number + 1} of {processes}: "
                    f"{engine}"
                )
                measured = run(engine, heap, steps)
                total = sum(measured["seconds"])
                means[engine].append(total / len(measured["seconds"]))
                shares[engine].append(sum(measured["collector_seconds"]) / total)
        entry: dict[str, Any] = {
            "process_means": means,
            "seconds": {engine: spread(values) for engine, values in means.items()},
            "collector_share": {engine: spread(values) for engine, values in shares.items()},
        }
        if "micrograd" in engines:
            entry["ratio_vs_micrograd"] = {
                engine: paired_ratios(means["micrograd"], means[engine])
                for engine in engines
                if engine != "micrograd"
            }
        results["heaps"][heap] = entry
    return results


def nn_loop_in_fresh_processes(
    processes: int,
    steps: int,
    progress: Callable[[str], None],
    run: FreshRunner = run_fresh_process,
) -> dict[str, Any]:
    """The user's loop over ``nn.MLP`` (:class:`~benchmarks.engines.NNLoopModel`), this
    library's and micrograd's, each in fresh processes with a plain heap, taking turns.

    Returns:
        Each library's seconds per step (a process's mean, as :func:`~benchmarks.measure.spread`
        over the processes), and micrograd's step divided by this one's, paired by round.
    """
    engines = ["ours-nn", "micrograd-nn"]
    means: dict[str, list[float]] = {engine: [] for engine in engines}
    for round_number in range(processes):
        for engine in alternating_order(engines, round_number):
            progress(f"nn.MLP loop, fresh processes, round {round_number + 1}: {engine}")
            measured = run(engine, "plain", steps)
            means[engine].append(sum(measured["seconds"]) / len(measured["seconds"]))
    return {
        "processes": processes,
        "steps": steps,
        "process_means": means,
        "seconds": {engine: spread(values) for engine, values in means.items()},
        "ratio_vs_micrograd": paired_ratios(means["micrograd-nn"], means["ours-nn"]),
    }


def fresh_process_plan(skipped: dict[str, str]) -> tuple[list[str], list[str]]:
    """The engines and heaps :func:`eager_in_fresh_processes` can run here: micrograd and
    the ``torch`` heap only where installed (``skipped`` names what is missing)."""
    engines = ["ours", "ours-fit"] + ([] if "micrograd" in skipped else ["micrograd"])
    heaps = [heap for heap in HEAPS if not (heap == "torch" and "PyTorch" in skipped)]
    return engines, heaps


def eager_profile(problem: Problem, repeats: int) -> dict[str, Any]:
    """Where this engine's eager demo step spends its time, per phase, the collector paused.

    Phases: ``forward`` (building the loss graph), ``walk`` (the walk ``backward()``
    starts with, :func:`autograd_engine.graph._walk`), ``backward`` (the whole pass, that
    walk included),
    ``update`` (the SGD update), and ``free`` (dropping the graph: reference counting
    frees every node). CPU seconds, the lowest of ``repeats`` steps, and per node.
    """
    model = ScalarModel(ours_engine(), problem)
    phases: dict[str, list[float]] = {}

    def timed(name: str, function: Callable[[], Any]) -> Any:
        start = time.process_time()
        result = function()
        phases.setdefault(name, []).append(time.process_time() - start)
        return result

    nodes = 0
    with collector_paused():
        for _ in range(repeats):
            loss = timed("forward", model.loss)
            order: list[Any] = []
            leaves: list[Any] = []
            constants: list[Any] = []
            timed("walk", partial(graph._walk, loss, order, leaves, constants))
            nodes = len(order) + len(leaves) + len(constants)
            del order, leaves, constants  # only the loss may keep the graph alive
            model.engine.zero_grad(model.params)
            timed("backward", loss.backward)
            timed("update", model.step_update)
            holder = [loss]
            del loss
            timed("free", holder.clear)
    seconds = {name: min(values) for name, values in phases.items()}
    return {
        "nodes": nodes,
        "seconds": seconds,
        "nanoseconds_per_node": {name: value / nodes * 1e9 for name, value in seconds.items()},
    }

"""How the demo step scales with width and batch: ``python -m benchmarks.scaling``.

micrograd's demo step (hinge loss + L2, SGD) on ``MLP(2, [w, w, 1])`` for hidden widths
16/32/64 and batches of 32 and 100 two-moons points, in three engines:

* *compiled*: this engine's graph recorded once (:class:`~benchmarks.engines.CompiledModel`),
  then replayed each step; its *compile time* (build the graph + ``compile_graph``) and
  the *memory* that takes (the peak resident set size above the process's size before it);
* *PyTorch vectorized* (float64, one thread): the practical floor on a CPU;
* *eager*: this engine building the graph every step.

Then the mini-batch goal: :func:`nn.train.fit` with batches of 32 for 20 epochs,
eager vs compiled (recording included).

Each configuration runs in a fresh process, so no configuration's garbage or heap is
collected on another's clock. Times are CPU times of that process (``time.process_time``:
a busy machine's other programs do not count); the table gives medians of several steps
(fewer for the slowest eager steps), and its ratios are
speed-ups (PyTorch / compiled above 1: the compiled replay is faster than PyTorch).
"""

from __future__ import annotations

import json
import math
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any

from .engines import CompiledModel, ScalarModel, ours_engine, torch_vector_model
from .workload import Problem, two_moons

__all__ = [
    "BATCHES",
    "WIDTHS",
    "fit_seconds",
    "format_fit",
    "format_table",
    "measure",
    "run",
    "run_fit",
]

WIDTHS = (16, 32, 64)
BATCHES = (32, 100)


def scaled_problem(width: int, batch: int, seed: int = 0) -> Problem:
    """The demo's data and micrograd's initialization for ``MLP(2, [width, width, 1])``."""
    xs, ys = two_moons(batch, noise=0.1, seed=seed)
    rng = random.Random(seed + 1)
    layers = [
        [([rng.uniform(-1.0, 1.0) for _ in range(n_in)], 0.0) for _ in range(n_out)]
        for n_in, n_out in pairwise((2, width, width, 1))
    ]
    return Problem(xs, ys, layers)


def _median_seconds(step: Callable[[], float], repeats: int, warm_up: bool = True) -> float:
    """The median CPU time of ``repeats`` steps: this process's own time (every engine here
    runs on one thread), so other programs on a busy machine do not count."""
    if warm_up:
        step()  # untimed: the first step pays for warming caches
    times = []
    for _ in range(repeats):
        start = time.process_time()
        step()
        times.append(time.process_time() - start)
    return statistics.median(times)


def _resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def _peak_resident_bytes() -> int:
    """This process's peak resident set size (``VmHWM``). Not ``ru_maxrss``: Linux carries
    that over from the parent through fork and exec, so a child would report its
    parent's peak."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def measure(width: int, batch: int, repeats: int) -> dict[str, Any]:
    """One configuration, in this process (meant to be a fresh one)."""
    problem = scaled_problem(width, batch)
    before = _resident_bytes()
    start = time.process_time()
    compiled = CompiledModel(problem)
    compile_seconds = time.process_time() - start
    peak = _peak_resident_bytes()  # the recording and compiling above
    result: dict[str, Any] = {
        "width": width,
        "batch": batch,
        "nodes": compiled.replay.num_nodes,
        "compile_seconds": compile_seconds,
        "compile_peak_bytes": max(0, peak - before),
        "compiled_seconds": _median_seconds(compiled.step, 20 * repeats),
    }
    vector = torch_vector_model(problem)
    if vector is not None:
        vector.torch.set_num_threads(1)
        result["torch_seconds"] = _median_seconds(vector.step, 20 * repeats)
    eager = ScalarModel(ours_engine(), problem)
    # An eager step of the largest network takes seconds: fewer of them, no warm-up.
    eager_repeats = max(1, min(repeats, round(repeats * 100_000 / result["nodes"])))
    result["eager_seconds"] = _median_seconds(eager.step, eager_repeats, warm_up=False)
    return result


def run(
    repeats: int = 3,
    progress: Callable[[str], None] = lambda _: None,
    widths: Sequence[int] = WIDTHS,
    batches: Sequence[int] = BATCHES,
) -> list[dict[str, Any]]:
    """Every configuration, each in a fresh ``python -m benchmarks.scaling --one`` process."""
    rows = []
    for batch in batches:
        for width in widths:
            progress(f"scaling: width {width}, batch {batch} (a fresh process)")
            command = [sys.executable, "-m", "benchmarks.scaling", "--one"]
            command += [str(width), str(batch), str(repeats)]
            output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            rows.append(json.loads(output.strip().splitlines()[-1]))
    return rows


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1e3:.2f}"


def format_table(rows: Sequence[dict[str, Any]]) -> str:
    """The scaling table, one line per configuration."""
    header = (
        "| width | batch | nodes | compiled ms | PyTorch ms | PyTorch / compiled | eager ms "
        "| eager / compiled | compile s | compile MB |"
    )
    lines = [
        "Scaling: MLP(2, [w, w, 1]), hinge + L2, one SGD step "
        "(median CPU time; a fresh process each)",
        header,
        "|---" * 10 + "|",
    ]
    for row in rows:
        torch_seconds = row.get("torch_seconds")
        versus = "-" if torch_seconds is None else f"{torch_seconds / row['compiled_seconds']:.2f}x"
        lines.append(
            f"| {row['width']} | {row['batch']} | {row['nodes']:,} "
            f"| {_ms(row['compiled_seconds'])} | {_ms(torch_seconds)} | {versus} "
            f"| {_ms(row['eager_seconds'])} "
            f"| {row['eager_seconds'] / row['compiled_seconds']:.1f}x "
            f"| {row['compile_seconds']:.2f} | {row['compile_peak_bytes'] / 2**20:.0f} |"
        )
    return "\n".join(lines)


def fit_seconds(compiled: bool, epochs: int = 20) -> dict[str, Any]:
    """The mini-batch goal, in this process: ``fit`` on 200 two-moons points
    (``MLP(2, [16, 16, 1])``, hinge loss, SGD), batches of 32 shuffled each epoch (six of
    32 and one of 8), compile time included; CPU seconds and the final loss."""
    from nn import MLP
    from nn.datasets import make_moons
    from nn.losses import hinge_loss
    from nn.optim import SGD
    from nn.train import fit

    points, labels = make_moons(200, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], seed=1)
    optimizer = SGD(model.parameters(), lr=0.05)
    start = time.process_time()
    history = fit(
        model,
        points,
        [2 * y - 1 for y in labels],
        hinge_loss,
        optimizer,
        epochs,
        batch_size=32,
        seed=0,
        progress=False,
        compiled=compiled,
    )
    seconds = time.process_time() - start
    return {"seconds": seconds, "loss": history["loss"][-1], "mode": history.mode}


def run_fit(epochs: int = 20, progress: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    """:func:`fit_seconds` eager and compiled, each in a fresh process."""
    result: dict[str, Any] = {"epochs": epochs}
    for mode in ("eager", "compiled"):
        progress(f"mini-batch fit, {epochs} epochs, {mode} (a fresh process)")
        command = [sys.executable, "-m", "benchmarks.scaling", "--fit", mode, str(epochs)]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        result[mode] = json.loads(output.strip().splitlines()[-1])
    return result


def format_fit(result: dict[str, Any]) -> str:
    eager, compiled = result["eager"], result["compiled"]
    ratio = eager["seconds"] / compiled["seconds"]
    same = math.isclose(eager["loss"], compiled["loss"], rel_tol=1e-9)
    return (
        f"Mini-batch fit: 200 moons points, MLP(2, [16, 16, 1]), batch 32, {result['epochs']} "
        f"epochs: eager {eager['seconds']:.2f} s, compiled {compiled['seconds']:.2f} s "
        f"(recording included): {ratio:.1f}x (goal >= 5x: {'met' if ratio >= 5 else 'NOT met'}); "
        f"final loss {'the same' if same else 'DIFFERENT'} ({compiled['loss']:.12g})"
    )


def main(argv: Sequence[str]) -> int:
    if argv[:1] == ["--one"]:
        width, batch, repeats = map(int, argv[1:4])
        print(json.dumps(measure(width, batch, repeats)))
        return 0
    if argv[:1] == ["--fit"]:
        print(json.dumps(fit_seconds(argv[1] == "compiled", int(argv[2]))))
        return 0

    def progress(message: str) -> None:
        print(f"... {message}", file=sys.stderr, flush=True)

    print(format_table(run(progress=progress)))
    print(format_fit(run_fit(progress=progress)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""How long a stepper page takes to export: ``python -m benchmarks.layout``.

Two graphs a lecturer would step through, exported with
:meth:`~autograd_engine.viz.BackwardStepper.to_html` (frames, the one Graphviz layout,
the page):

* *scalar*: one example through ``MLP(2, [8, 8, 1])`` with micrograd's demo loss, the hinge
  ``relu(1 - y * score)`` plus ``1e-4 * Σ p²`` over every parameter (a long chain of sums);
  about 500 nodes, every one drawn. Goal: under 2 s.
* *grouped*: seven examples through ``MLP(2, [16, 16, 1])``, the mean squared error, about
  5,000 nodes drawn one box per neuron call (``group="neuron"``). Goal: under 5 s.

Each export is timed twice: wall-clock, and CPU time (this process plus the ``dot`` it runs,
so a busy machine's other programs do not count). Medians of a few runs; the goals are read
against the CPU time, which is the wall-clock time of an idle machine.
"""

from __future__ import annotations

import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from autograd_engine import Value
from autograd_engine.graph import topological_order
from autograd_engine.viz import BackwardStepper
from nn import MLP

__all__ = ["GOALS", "export_seconds", "grouped_loss", "main", "scalar_loss"]

#: Seconds each export should stay under.
GOALS = {"scalar": 2.0, "grouped": 5.0}


def scalar_loss() -> Value:
    """micrograd's demo loss on one example: hinge plus an L2 term over the 105 parameters."""
    model = MLP(2, [8, 8, 1], seed=0)
    score = model([Value(0.5, label="x1"), Value(-1.0, label="x2")])
    assert isinstance(score, Value)
    data_loss = (1 - 1.0 * score).relu()
    penalty: Value = sum((p * p for p in model.parameters()), Value(0.0))
    return data_loss + 1e-4 * penalty


def grouped_loss(examples: int = 7) -> Value:
    """Mean squared error of ``MLP(2, [16, 16, 1])`` on ``examples`` random points."""
    model = MLP(2, [16, 16, 1], seed=0)
    rng = random.Random(0)
    total: Value | float = 0.0
    for _ in range(examples):
        out = model([rng.uniform(-1, 1), rng.uniform(-1, 1)])
        total = (out - rng.uniform(-1, 1)) ** 2 + total
    assert isinstance(total, Value)
    return total * (1.0 / examples)


def _cpu() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def export_seconds(loss: Value, group: str | None = None) -> tuple[float, float]:
    """Seconds to build a stepper on ``loss`` and write its page: (wall-clock, CPU)."""
    with tempfile.TemporaryDirectory() as folder:
        start, cpu = time.perf_counter(), _cpu()
        stepper = BackwardStepper(loss, group=group, max_nodes=100_000)
        stepper.to_html(Path(folder) / "page.html")
        return time.perf_counter() - start, _cpu() - cpu


def main(argv: Sequence[str] = ()) -> int:
    """Print each graph's size, its median export time over ``--repeats N`` runs and its goal."""
    repeats = int(argv[argv.index("--repeats") + 1]) if "--repeats" in argv else 3
    print("Stepper page export (BackwardStepper(...).to_html), seconds")
    for name, loss, group in (
        ("scalar", scalar_loss(), None),
        ("grouped", grouped_loss(), "neuron"),
    ):
        nodes = len(topological_order(loss))
        runs = [export_seconds(loss, group) for _ in range(repeats)]
        wall = statistics.median(run[0] for run in runs)
        cpu = statistics.median(run[1] for run in runs)
        verdict = "met" if cpu < GOALS[name] else "MISSED"
        grouped = f" (group={group!r})" if group else ""
        print(
            f"  {name:8} {nodes:5} nodes{grouped:18} CPU {cpu:5.2f} s, wall {wall:5.2f} s"
            f" (median of {repeats})  goal < {GOALS[name]:.0f} s: {verdict}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""The eager demo step timed in a fresh Python process: one engine, one kind of heap.

One process per measurement, so one engine's garbage is never collected on another's
clock, and the heap the step runs in is chosen on purpose::

    python -m benchmarks.fresh_process --engine ours --heap plain --steps 5
    python -m benchmarks.fresh_process --engine micrograd --heap torch --steps 5
    python -m benchmarks.fresh_process --engine ours --heap objects --steps 5
    python -m benchmarks.fresh_process --engine ours --heap collector-off --steps 5
    python -m benchmarks.fresh_process --engine ours --steps 6 --anomaly

Heaps (:data:`HEAPS`): ``plain`` (nothing but the engine), ``torch`` (``import torch``
first: ~150,000 objects, a typical notebook's heap), ``objects`` (a list of 200,000 small
lists kept alive), and ``collector-off`` (a plain heap with the cycle collector switched
off, ``gc.disable()``: the engine's own work alone, since an engine that makes more objects,
or reference cycles, pays for them mostly in the collector). Nothing is frozen out of the
cycle collector (unlike the one-process suite): its rescans of the user's heap are exactly
what is measured here.

Each prints one JSON object: the CPU seconds of every timed step and, per step, the CPU
seconds the cycle collector ran (timed through ``gc.callbacks``), after one untimed warm-up
step (and one ``gc.collect()``, as every timing in :mod:`benchmarks.measure` starts). CPU
time (:func:`time.process_time`), because on a shared machine the wall clock also counts
the time the process waited for a core.
``--anomaly`` enters and leaves ``detect_anomaly()`` once first (that must cost
the step nothing afterwards).
"""

from __future__ import annotations

import argparse
import gc
import json
import time
from collections.abc import Callable
from typing import Any

from .measure import time_repeats

__all__ = ["ENGINES", "HEAPS", "main", "make_heap", "make_step", "time_eager_steps", "time_steps"]

#: The steps a fresh process can time (``--engine``): this engine driven by the benchmark's
#: own loop (the graph built by user code, as in micrograd's demo), this engine through
#: ``nn.train.train_step`` (what ``fit`` runs), and micrograd; and the user's own loop over
#: each library's ``nn.MLP`` (``ours-nn``, ``micrograd-nn``: see
#: :class:`~benchmarks.engines.NNLoopModel`).
ENGINES = ("ours", "ours-fit", "micrograd", "ours-nn", "micrograd-nn")
#: The heaps a step can run in (``--heap``): what is alive besides the engine.
HEAPS = ("plain", "torch", "objects", "collector-off")
#: How many small lists the ``objects`` heap keeps alive.
HEAP_OBJECTS = 200_000

# CPU seconds of this process, not wall-clock seconds: on a machine shared with other work,
# time spent waiting for a core is not the step's cost (a step is single-threaded Python).
_clock = time.process_time


def make_heap(kind: str) -> Any:
    """Make the heap ``kind`` (see :data:`HEAPS`); return what must be kept alive.

    Raises:
        ValueError: for an unknown kind.
        ImportError: for ``torch`` when PyTorch is not installed.
    """
    if kind == "plain":
        return None
    if kind == "torch":
        import torch

        return torch
    if kind == "objects":
        return [[i] for i in range(HEAP_OBJECTS)]  # lists are always tracked by the collector
    if kind == "collector-off":
        gc.disable()  # for the rest of this process, which times one engine and exits
        return None
    raise ValueError(f"unknown heap {kind!r}; expected one of {', '.join(HEAPS)}")


def time_steps(step: Callable[[], Any], steps: int) -> dict[str, list[float]]:
    """Time ``steps`` consecutive calls of ``step`` after an untimed one, in CPU seconds.

    Returns:
        ``{"seconds": [...], "collector_seconds": [...]}``, one entry per timed step.
    """
    timing = time_repeats(step, steps, clock=_clock)
    return {"seconds": timing.seconds, "collector_seconds": timing.collector_seconds}


def make_step(engine: str) -> Callable[[], float]:
    """The demo step of ``engine`` (see :data:`ENGINES`), ready to call; it returns the loss.

    Raises:
        ValueError: for an engine not in :data:`ENGINES`.
        ImportError: for a micrograd engine when micrograd is not installed.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")
    from .engines import FitStepModel, NNLoopModel, ScalarModel, micrograd_engine, ours_engine
    from .workload import make_problem

    if engine == "ours-fit":
        return FitStepModel(make_problem()).step
    if engine in ("ours-nn", "micrograd-nn"):
        return NNLoopModel(make_problem(), engine.removesuffix("-nn")).step
    scalar_engine = ours_engine() if engine == "ours" else micrograd_engine()
    if scalar_engine is None:
        raise ImportError("micrograd is not installed (pip install 'autograd-engine[bench]')")
    return ScalarModel(scalar_engine, make_problem()).step


def time_eager_steps(
    steps: int, enter_anomaly_mode: bool, engine: str = "ours", heap: str = "plain"
) -> dict[str, Any]:
    """Time ``steps`` eager demo steps of ``engine`` with ``heap`` alive.

    With ``enter_anomaly_mode``, ``detect_anomaly()`` is entered and left once first.

    Raises:
        RuntimeError: if leaving the mode did not restore the engine's own ``_node``.
    """
    kept = make_heap(heap)
    if enter_anomaly_mode:
        from autograd_engine import Value, detect_anomaly, value

        plain_node = value._node
        with detect_anomaly():
            _ = Value(1.0) * 2.0  # the mode does its work once: a checked, recorded node
        if value._node is not plain_node:
            raise RuntimeError("detect_anomaly() did not restore value._node on exit")
    timing = time_steps(make_step(engine), steps)
    del kept
    return {
        "engine": engine,
        "heap": heap,
        "anomaly_mode_entered": enter_anomaly_mode,
        **timing,
    }


def main(argv: list[str] | None = None) -> int:
    """Run :func:`time_eager_steps` and print its result as JSON."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fresh_process")
    parser.add_argument("--steps", type=int, default=6, help="timed steps (default 6)")
    parser.add_argument("--engine", choices=ENGINES, default="ours", help="default: ours")
    parser.add_argument("--heap", choices=HEAPS, default="plain", help="default: plain")
    parser.add_argument(
        "--anomaly", action="store_true", help="enter and leave detect_anomaly() first"
    )
    options = parser.parse_args(argv)
    result = time_eager_steps(options.steps, options.anomaly, options.engine, options.heap)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

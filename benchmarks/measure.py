"""Measuring: medians of timed repeats, and memory with :mod:`tracemalloc`.

Timings on a shared machine are noisy, so every number is the median of several repeats
and the report leans on *ratios* measured in the same process.

Python's cycle collector is a large part of what a scalar engine costs: every few hundred
new nodes it runs, and now and then it rescans every object alive. So the timings are made
with care for it:

* each engine runs a block of consecutive steps after one untimed step, so a step pays for
  collecting what the step before it left behind, as in a training loop (micrograd's graphs
  are reference cycles: only the collector frees them);
* before each block the collector runs once, untimed, so no engine pays for another's
  garbage;
* the objects alive before the benchmarks start (the modules imported, PyTorch's ~150,000
  among them) are frozen out of the collector's scans (:func:`gc.freeze`): otherwise every
  engine's numbers would depend on which peers happen to be installed.
"""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CollectorClock",
    "Timing",
    "alternating_order",
    "frozen_imports",
    "paired_ratios",
    "spread",
    "time_repeats",
    "traced_bytes",
]


@dataclass
class Timing:
    """Seconds per repeat, and how many of them the cycle collector took."""

    seconds: list[float] = field(default_factory=list)
    collector_seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def collector_median(self) -> float:
        return statistics.median(self.collector_seconds)


class CollectorClock:
    """Adds up the time the cycle collector runs (through ``gc.callbacks``)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.total = 0.0
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._start = self.clock()
        else:
            self.total += self.clock() - self._start


def time_repeats(
    function: Callable[[], Any],
    repeats: int,
    timing: Timing | None = None,
    warmup: int = 1,
    clock: Callable[[], float] = time.perf_counter,
) -> Timing:
    """Time ``repeats`` consecutive calls of ``function``, by ``clock`` (wall seconds by
    default; :func:`time.process_time` for the CPU seconds of this process).

    First, untimed: one ``gc.collect()`` and ``warmup`` calls (so every timed call finds
    what the call before it left, as in a loop).
    """
    timing = Timing() if timing is None else timing
    gc.collect()
    for _ in range(warmup):
        function()
    collector = CollectorClock(clock)
    gc.callbacks.append(collector)
    try:
        for _ in range(repeats):
            collector.total = 0.0
            start = clock()
            function()
            timing.seconds.append(clock() - start)
            timing.collector_seconds.append(collector.total)
    finally:
        gc.callbacks.remove(collector)
    return timing


@contextmanager
def frozen_imports() -> Iterator[None]:
    """Freeze every object alive now out of the cycle collector's scans, for the block."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def traced_bytes(build: Callable[[], Any]) -> tuple[Any, int, int]:
    """Run ``build()`` under tracemalloc.

    Returns:
        ``(result, retained, peak)``: what ``build`` returned, the bytes it allocated that
        are still alive afterwards (the result's own memory), and the highest extra
        allocation at any point while it ran.
    """
    gc.collect()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        result = build()
        after, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, after - before, peak - before


def alternating_order(names: Sequence[str], round_number: int) -> list[str]:
    """The order in which ``names`` take their turn in round ``round_number`` (from 0).

    Even rounds go forwards, odd rounds backwards, so no one always goes first (a machine
    warming up or cooling down during a round favours neither side on balance)::

        >>> [alternating_order(["a", "b", "c"], k) for k in range(2)]
        [['a', 'b', 'c'], ['c', 'b', 'a']]
    """
    return list(names) if round_number % 2 == 0 else list(reversed(names))


def spread(values: Sequence[float]) -> dict[str, float]:
    """The median of ``values`` with their lowest and highest, which show the noise.

    >>> spread([3.0, 1.0, 2.0, 10.0])
    {'median': 2.5, 'min': 1.0, 'max': 10.0}
    """
    if not values:
        raise ValueError("spread of no values")
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def paired_ratios(slower: Sequence[float], faster: Sequence[float]) -> dict[str, float]:
    """How many times faster, round by round: ``slower[k] / faster[k]``, as a :func:`spread`.

    Each ratio divides two times measured in the same round (one after the other), so a
    burst of load from elsewhere affects both of its terms rather than one.

        >>> paired_ratios([10.0, 12.0, 9.0], [1.0, 2.0, 1.0])
        {'median': 9.0, 'min': 6.0, 'max': 10.0}
    """
    if len(slower) != len(faster):
        raise ValueError(f"{len(slower)} times to pair with {len(faster)}")
    return spread([slow / fast for slow, fast in zip(slower, faster, strict=True)])

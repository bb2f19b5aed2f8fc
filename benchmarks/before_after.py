"""This engine against itself before the eager-speed work, side by side on this machine.

Some speed goals are "no worse than before": ``backward()`` over the 1,000,001-node chain no
slower, a node of the demo's graph no larger. A figure from another day on another machine
says little, so this module measures both engines now: it takes the package as it was at
:data:`BEFORE` (``git archive`` of that commit's ``autograd_engine/`` into a temporary
folder) and runs the same measurements in fresh processes, taking turns, with either
engine first on the import path::

    python -m benchmarks.before_after --rounds 3

It needs this checkout's git history (a clone has it); without it the comparison is
skipped with the reason. Each process measures, CPU time (:func:`time.process_time`):

* ``chain_backward_seconds``: ``y.backward()`` on ``sin(sin(...sin(x)))``, 1,000,000 sines
  deep (the median of three passes over one graph);
* ``bytes_per_node``: the demo's loss graph after ``backward()``, by tracemalloc (the same
  measurement as :func:`benchmarks.suite.graph_memory`);
* ``demo_step_seconds`` and ``demo_step_seconds_collector_off``: the mean of a few demo
  steps after a warm-up, with the cycle collector on, then switched off.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

__all__ = ["BEFORE", "CHAIN_LENGTH", "compare", "goals", "main", "measure_engine"]

#: The commit whose engine is "before": the last one before the eager-speed work began.
BEFORE = "3ee83aa"
#: Sines in the chain (the chain has one node more: its input).
CHAIN_LENGTH = 1_000_000
ROOT = Path(__file__).resolve().parent.parent
_clock = time.process_time


def measure_engine(chain_length: int = CHAIN_LENGTH, steps: int = 3) -> dict[str, float]:
    """The measurements, with whichever ``autograd_engine`` this process imports."""
    from autograd_engine import Value

    from .engines import ScalarModel, ours_engine
    from .measure import traced_bytes
    from .workload import make_problem

    x = Value(0.5)
    y = x
    for _ in range(chain_length):
        y = y.sin()
    passes = []
    for _ in range(3):
        start = _clock()
        y.backward()
        passes.append(_clock() - start)
    del y

    model = ScalarModel(ours_engine(), make_problem())

    def build() -> Any:
        loss = model.loss()
        loss.backward()
        return loss

    loss, retained, _ = traced_bytes(build)
    nodes = model.engine.count_nodes(loss)
    del loss
    result = {
        "chain_backward_seconds": statistics.median(passes),
        "bytes_per_node": retained / nodes,
    }
    for key, collector_on in (
        ("demo_step_seconds", True),
        ("demo_step_seconds_collector_off", False),
    ):
        model.step()  # warm-up
        gc.collect()
        if not collector_on:
            gc.disable()
        start = _clock()
        for _ in range(steps):
            model.step()
        result[key] = (_clock() - start) / steps
        gc.enable()
    return result


def _extract(commit: str, into: Path) -> None:
    """``autograd_engine/`` as it was at ``commit``, written under ``into``.

    Raises:
        RuntimeError: when git, this checkout's history or the commit is missing.
    """
    try:
        archive = subprocess.run(
            ["git", "archive", "--format=tar", commit, "autograd_engine"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        stderr = getattr(error, "stderr", b"") or b""
        raise RuntimeError(
            f"cannot take autograd_engine/ at commit {commit} from git: "
            f"{stderr.decode(errors='replace').strip() or error}"
        ) from None
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")


def _run(engine_dir: Path, chain_length: int, steps: int) -> dict[str, float]:
    """One fresh process measuring the engine found first in ``engine_dir``."""
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join([str(engine_dir), str(ROOT)])
    command = [sys.executable, "-m", "benchmarks.before_after", "--worker"]
    command += ["--chain-length", str(chain_length), "--steps", str(steps)]
    # The working folder is the engine's: python -m puts it first on the import path.
    try:
        finished = subprocess.run(
            command, capture_output=True, text=True, check=True, env=environment, cwd=engine_dir
        )
    except subprocess.CalledProcessError as error:
        tail = "\n".join(error.stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"measuring the engine in {engine_dir} failed:\n{tail}") from None
    result: dict[str, Any] = json.loads(finished.stdout)
    imported = Path(result.pop("engine"))
    if imported != engine_dir.resolve():  # the import path was not as meant
        raise RuntimeError(f"the process meant to measure {engine_dir} imported {imported}")
    return result


def compare(
    rounds: int,
    progress: Callable[[str], None],
    chain_length: int = CHAIN_LENGTH,
    steps: int = 3,
) -> dict[str, Any]:
    """Both engines in ``rounds`` rounds of fresh processes, taking turns on which goes first.

    Returns:
        ``{"before": commit, "rounds": n, "before_engine": {...}, "this_engine": {...}}``,
        each a measurement's median over the rounds; or ``{"skipped": reason}``.
    """
    with tempfile.TemporaryDirectory(prefix="engine-before-") as folder:
        before_dir = Path(folder)
        try:
            _extract(BEFORE, before_dir)
        except RuntimeError as error:
            return {"skipped": str(error)}
        runs: dict[str, list[dict[str, float]]] = {"before_engine": [], "this_engine": []}
        for round_number in range(rounds):
            order = ["before_engine", "this_engine"]
            if round_number % 2:
                order.reverse()
            for name in order:
                progress(f"before/after, round {round_number + 1} of {rounds}: {name}")
                engine_dir = before_dir if name == "before_engine" else ROOT
                try:
                    runs[name].append(_run(engine_dir, chain_length, steps))
                except RuntimeError as error:  # the rest of make bench's run stands
                    return {"skipped": str(error)}
    result: dict[str, Any] = {"before": BEFORE, "rounds": rounds, "chain_nodes": chain_length + 1}
    for name, measured in runs.items():
        result[name] = {key: statistics.median(m[key] for m in measured) for key in measured[0]}
    return result


def goals(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The "no worse than before" goals: the chain's backward no slower, a node no larger."""
    if "skipped" in result:
        return []
    before, after = result["before_engine"], result["this_engine"]
    return [
        {
            "goal": f"backward() on the {result['chain_nodes']:,}-node chain no slower than "
            f"before ({before['chain_backward_seconds']:.3f} s then, "
            f"{after['chain_backward_seconds']:.3f} s now)",
            "ratio": after["chain_backward_seconds"] / before["chain_backward_seconds"],
            "target": 1.0,
            "met": after["chain_backward_seconds"] <= before["chain_backward_seconds"],
        },
        {
            "goal": f"bytes per node of the demo's graph no more than before "
            f"({before['bytes_per_node']:.0f} then, {after['bytes_per_node']:.0f} now)",
            "ratio": after["bytes_per_node"] / before["bytes_per_node"],
            "target": 1.0,
            "met": after["bytes_per_node"] <= before["bytes_per_node"],
        },
    ]


def format_report(result: dict[str, Any]) -> str:
    """The side-by-side table."""
    if "skipped" in result:
        return f"This engine before the speed work: skipped ({result['skipped']})"
    before, after = result["before_engine"], result["this_engine"]
    rows = [
        ("demo step, collector on", "demo_step_seconds", 1e3, "ms"),
        ("demo step, collector off", "demo_step_seconds_collector_off", 1e3, "ms"),
        (f"backward(), {result['chain_nodes']:,}-node chain", "chain_backward_seconds", 1e3, "ms"),
        ("bytes per node (demo graph)", "bytes_per_node", 1.0, "B"),
    ]
    lines = [
        f"This engine before the speed work (commit {result['before']}) and now, "
        f"medians of {result['rounds']} rounds of fresh processes (CPU time):",
        f"{'':<38}{'before':>12}{'now':>12}{'now/before':>12}",
    ]
    for title, key, scale, unit in rows:
        lines.append(
            f"{title:<38}{before[key] * scale:>10.2f} {unit:<1}{after[key] * scale:>10.2f} "
            f"{unit:<1}{after[key] / before[key]:>11.3f}x"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.before_after")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of fresh processes")
    parser.add_argument("--chain-length", type=int, default=CHAIN_LENGTH)
    parser.add_argument("--steps", type=int, default=3, help="timed demo steps per process")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.rounds < 1 or options.chain_length < 1 or options.steps < 1:
        parser.error("--rounds, --chain-length and --steps must be at least 1")
    if options.worker:
        import autograd_engine

        measured: dict[str, Any] = measure_engine(options.chain_length, options.steps)
        measured["engine"] = str(Path(autograd_engine.__file__).resolve().parent.parent)
        print(json.dumps(measured))
        return 0
    result = compare(
        options.rounds,
        lambda message: print(f"... {message}", file=sys.stderr, flush=True),
        options.chain_length,
        options.steps,
    )
    print(format_report(result))
    for goal in goals(result):
        print(f"  [{'met' if goal['met'] else 'NOT met'}] {goal['goal']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

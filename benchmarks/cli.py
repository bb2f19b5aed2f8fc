"""The command line: ``python -m benchmarks [--quick] [--repeats N] [--json PATH]``.

Runs the one-process suite (:mod:`benchmarks.suite`), the same step under Pyodide beside
CPython where Node and the lab's Pyodide are installed (:mod:`benchmarks.pyodide`), the
scaling table and the mini-batch fit (:mod:`benchmarks.scaling`) and the digits
(:mod:`benchmarks.digits`), prints each report, and writes every figure, with the machine
that measured it, to one JSON file: the documentation's benchmarks page is generated from
that file (:func:`benchmarks.page.benchmarks_page`).
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import shlex
import sys
from pathlib import Path
from typing import Any

from . import before_after, digits, pyodide, scaling, suite
from .engines import SKIPPED
from .measure import frozen_imports
from .report import format_report, fresh_process_goals, goals, nn_loop_goal, overhead_goals
from .workload import make_problem

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="autograd-engine vs micrograd and PyTorch: medians and ratios.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="fewer repeats and a 100,000-node chain"
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="timed demo steps per engine (default 6, or 2 with --quick)",
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=None,
        help="fresh processes per engine and heap for the eager step (default 5; 2 with --quick)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=Path("bench-output/results.json"),
        help="where to write the results (default: bench-output/results.json)",
    )
    parser.add_argument(
        "--full-micrograd-epoch",
        action="store_true",
        help="time micrograd over a whole digits epoch instead of extrapolating from 3 batches",
    )
    return parser


def _cpu_model() -> str:
    """The CPU's model name as the kernel reports it (``platform.processor()`` is often empty)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine() -> dict[str, Any]:
    """The machine that measured: CPU model, cores this process may use, Python, system."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return {
        "cpu": _cpu_model(),
        "cores": cores,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "system": f"{platform.system()} {platform.release()} {platform.machine()}",
    }


def _environment() -> str:
    versions = []
    for distribution in ("numpy", "micrograd", "torch"):
        try:
            versions.append(f"{distribution} {importlib.metadata.version(distribution)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{distribution} not installed")
    return (
        f"Python {platform.python_version()} on {platform.system()} {platform.machine()} "
        f"({_cpu_model()}); " + ", ".join(versions)
    )


def main(argv: list[str] | None = None) -> int:
    """Run every benchmark, print the table, write the JSON; returns the exit status."""
    arguments = sys.argv[1:] if argv is None else argv
    options = _parser().parse_args(arguments)
    repeats = options.repeats if options.repeats is not None else (2 if options.quick else 6)
    if repeats < 1:
        _parser().error("--repeats must be at least 1")
    processes = options.processes if options.processes is not None else (2 if options.quick else 5)
    if processes < 1:
        _parser().error("--processes must be at least 1")
    chain_length = 100_000 if options.quick else 1_000_000

    def progress(message: str) -> None:
        print(f"... {message}", file=sys.stderr, flush=True)

    problem = make_problem()
    results: dict[str, Any] = {
        "command": shlex.join(["python", "-m", "benchmarks", *arguments]),
        "environment": _environment(),
        "machine": machine(),
        "date": datetime.datetime.now(datetime.UTC).date().isoformat(),
        "repeats": repeats,
    }
    results["demo_step"] = suite.demo_step(problem, repeats, progress)
    progress("memory per node")
    results["memory"] = suite.graph_memory(problem)
    with frozen_imports():
        results["chain"] = suite.chain(chain_length, min(repeats, 3), progress)
    results["guards"] = suite.guard_cost(problem, repeats, progress)
    results["anomaly_off"] = suite.anomaly_off_cost(2 if options.quick else 4, repeats, progress)
    engines, heaps = suite.fresh_process_plan(SKIPPED)
    results["fresh_processes"] = suite.eager_in_fresh_processes(
        engines, heaps, processes, 2 if options.quick else 3, progress
    )
    if "micrograd" not in SKIPPED:
        results["nn_loop"] = suite.nn_loop_in_fresh_processes(
            processes, 2 if options.quick else 3, progress
        )
    results["before_after"] = before_after.compare(
        1 if options.quick else 3, progress, chain_length
    )
    progress("where the eager step's time goes")
    results["eager_profile"] = suite.eager_profile(problem, 3)
    beside_cpython, reason = pyodide.for_the_report(2 if options.quick else 5, progress)
    if beside_cpython is not None:
        results["pyodide"] = beside_cpython
    if reason is not None:
        SKIPPED["Pyodide"] = reason
    results["skipped"] = dict(SKIPPED)
    results["goals"] = goals(results)
    results["goals_overhead"] = overhead_goals(results)
    results["goals_fresh_processes"] = fresh_process_goals(results) + nn_loop_goal(results)
    results["goals_before_after"] = before_after.goals(results["before_after"])
    print(format_report(results))
    results["scaling"] = scaling.run(progress=progress)
    print("\n" + scaling.format_table(results["scaling"]))
    results["minibatch_fit"] = scaling.run_fit(progress=progress)
    print(scaling.format_fit(results["minibatch_fit"]))
    progress("the digits")
    results["digits"] = digits.run(full_micrograd_epoch=options.full_micrograd_epoch)
    print(digits.format_report(results["digits"]))
    options.json.parent.mkdir(parents=True, exist_ok=True)
    options.json.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nResults written to {options.json}")
    return 0

"""The command line: ``python -m benchmarks [--quick] [--repeats N] [--json PATH]``."""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import platform
import shlex
import sys
from pathlib import Path
from typing import Any

from . import suite
from .engines import SKIPPED
from .measure import frozen_imports
from .report import format_report, goals, issue_8_goals, issue_12_goals
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
        help="fresh processes per engine and heap for issue 12 (default 5, or 2 with --quick)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=Path("bench-output/results.json"),
        help="where to write the results (default: bench-output/results.json)",
    )
    return parser


def _environment() -> str:
    versions = []
    for distribution in ("numpy", "micrograd", "torch"):
        try:
            versions.append(f"{distribution} {importlib.metadata.version(distribution)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{distribution} not installed")
    return (
        f"Python {platform.python_version()} on {platform.system()} {platform.machine()} "
        f"({platform.processor() or 'unknown CPU'}); " + ", ".join(versions)
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
    progress("where the eager step's time goes")
    results["eager_profile"] = suite.eager_profile(problem, 3)
    results["skipped"] = dict(SKIPPED)
    results["goals"] = goals(results)
    results["goals_issue_8"] = issue_8_goals(results)
    results["goals_issue_12"] = issue_12_goals(results)
    print(format_report(results))
    options.json.parent.mkdir(parents=True, exist_ok=True)
    options.json.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nResults written to {options.json}")
    return 0

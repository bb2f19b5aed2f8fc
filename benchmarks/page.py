"""The documentation's benchmarks page, written from the JSON that ``make bench`` saves.

The page shows only what one run measured, on the machine it names: the headline table, the
same step under Pyodide beside CPython (when the run had Node and the lab's Pyodide), each
goal met or not, the scaling table, and the whole printed report, formatted by the same
functions that print it (:func:`benchmarks.report.format_report` and friends). The docs
build calls :func:`benchmarks_page` on the committed snapshot ``docs/data/benchmarks.json``;
``make bench-snapshot`` measures again and replaces it.
"""

from __future__ import annotations

from typing import Any

from . import digits, scaling
from .pyodide_report import page_lines
from .report import (
    COMPILED,
    EAGER,
    GOAL_TITLES,
    MICROGRAD,
    VECTOR,
    format_report,
    machine_line,
)

__all__ = ["benchmarks_page"]


def _duration(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.0f} µs"


def _step_table(results: dict[str, Any]) -> list[str]:
    demo = results["demo_step"]
    times = demo["median_seconds"]
    micrograd = next((s for name, s in times.items() if name.startswith(MICROGRAD)), None)
    names = {EAGER: "autograd-engine (eager)", COMPILED: "autograd-engine (compiled)"}
    names[VECTOR] = "PyTorch vectorized (float64, 1 thread)"
    lines = [
        "| engine | one step (median) | vs micrograd | share in the cycle collector |",
        "|---|---:|---:|---:|",
    ]
    for name, seconds in sorted(times.items(), key=lambda item: -item[1]):
        ratio = "" if micrograd is None else f"{micrograd / seconds:,.1f}x"
        share = demo["median_collector_seconds"][name] / seconds
        lines.append(f"| {names.get(name, name)} | {_duration(seconds)} | {ratio} | {share:.0%} |")
    return lines


def _goal_table(entries: list[dict[str, Any]]) -> list[str]:
    lines = ["| goal | measured | met |", "|---|---:|---|"]
    for entry in entries:
        if entry["met"] is None:
            lines.append(f"| {entry['goal']} | a peer is not installed | skipped |")
            continue
        spread = ""
        if "range" in entry:
            low, high = entry["range"]
            spread = f" ({entry.get('range_name', 'pairs')} {low:.2f}x to {high:.2f}x)"
        met = "met" if entry["met"] else "**not met**"
        lines.append(f"| {entry['goal']} | {entry['ratio']:,.2f}x{spread} | {met} |")
    return lines


def _full_report(results: dict[str, Any]) -> str:
    parts = [format_report(results)]
    if "scaling" in results:
        parts.append(scaling.format_table(results["scaling"]))
    if "minibatch_fit" in results:
        parts.append(scaling.format_fit(results["minibatch_fit"]))
    if "digits" in results:
        parts.append(digits.format_report(results["digits"]))
    return "\n\n".join(parts)


def benchmarks_page(results: dict[str, Any]) -> str:
    """The Markdown of the benchmarks page for one run's ``results`` (``make bench``'s JSON)."""
    machine = results.get("machine")
    measured = machine_line(machine) if machine else "Machine: not recorded by this run"
    lines = [
        "# Benchmarks",
        "",
        "One run of `make bench` (`python -m benchmarks`), generated into this page from the",
        "JSON it writes. Absolute times depend on the machine, and on a shared virtual machine",
        "they move from run to run: the ratios, measured in one process or in turns, are the",
        "point. To measure on your machine: `make bench` (it writes",
        "`bench-output/results.json`); `make bench-snapshot` replaces the copy this page is",
        "built from (`docs/data/benchmarks.json`).",
        "",
        f"- **{measured}**",
        f"- {results['environment']}",
        f"- Measured on {results.get('date', 'an unrecorded date')} by `{results['command']}`",
        "",
        "## One training step of micrograd's demo",
        "",
        "`MLP(2, [16, 16, 1])` on 100 two-moons points, hinge loss + L2, forward + backward +",
        "SGD update, the same weights and data in every engine "
        f"({results['demo_step']['node_counts'].get(EAGER, 0):,} graph nodes in this engine).",
        "",
        *_step_table(results),
    ]
    if "pyodide" in results:
        lines += ["", "## The same step under Pyodide", "", *page_lines(results["pyodide"])]
    lines += ["", "## Goals"]
    for key, title in GOAL_TITLES.items():
        if key in results:
            lines += ["", f"### {title[0].upper()}{title[1:]}", "", *_goal_table(results[key])]
    if "scaling" in results:
        table = scaling.format_table(results["scaling"]).splitlines()
        lines += ["", "## Scaling with width and batch", "", table[0] + ".", "", *table[1:]]
    lines += [
        "",
        "## The whole report",
        "",
        "As `make bench` printed it:",
        "",
        "```text",
        _full_report(results),
        "```",
        "",
    ]
    return "\n".join(lines)

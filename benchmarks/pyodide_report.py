"""How the demo step under Pyodide beside CPython (:mod:`benchmarks.pyodide`) is shown: a table
in the printed report (:func:`format_lines`) and one on the documentation's benchmarks page
(:func:`page_lines`), both from :func:`benchmarks.pyodide.compare`'s results."""

from __future__ import annotations

from typing import Any

from .pyodide import PAIRS

__all__ = ["ENGINE_NAMES", "SHORT_NAMES", "format_lines", "page_lines"]

#: How the report names the engines (see :data:`benchmarks.fresh_process.ENGINES`).
ENGINE_NAMES = {
    "ours": "autograd-engine, the demo's own loop",
    "ours-fit": "autograd-engine, nn.train_step (fit)",
    "micrograd": "micrograd 0.1.0",
    "ours-nn": "autograd-engine nn.MLP, a user's loop",
    "micrograd-nn": "micrograd nn.MLP, a user's loop",
}
#: The same, short, for the rows of ratios.
SHORT_NAMES = {
    "ours": "autograd-engine",
    "ours-fit": "autograd-engine fit",
    "micrograd": "micrograd",
    "ours-nn": "autograd-engine nn.MLP",
    "micrograd-nn": "micrograd nn.MLP",
}


def _duration(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f} ms"


def _title(results: dict[str, Any]) -> str:
    return (
        f"The demo step under Pyodide {results['pyodide']} (WebAssembly, Python "
        f"{results['pyodide_python']}, Node {results['node']}) beside CPython {results['cpython']}"
    )


def format_lines(results: dict[str, Any]) -> list[str]:
    """The report's table: per engine, its step in CPython and in Pyodide (collector on, the
    share of it in the collector, collector off), and each engine of ours against micrograd
    in both interpreters."""
    interpreters = {
        "cpython": f"CPython {results['cpython']}",
        "pyodide": f"Pyodide {results['pyodide']} (Python {results['pyodide_python']})",
    }
    lines = [
        "",
        f"{_title(results)}:",
        f"one fresh interpreter per engine; after a warm-up, {results['steps']} steps with the "
        f"collector on, then {results['steps']} with it off;",
        f"{results['clock']}; step: median [lowest - highest] of the steps;",
        "in gc: the share of the step in the cycle collector; collector off: gc.disable(), and",
        "what a step left is collected untimed before the next.",
        f"{'engine / interpreter':<40}{'step':>12}{'range':>26}{'in gc':>8}"
        f"{'collector off':>15}{'vs CPython':>12}",
    ]
    for engine, entry in results["engines"].items():
        lines.append(ENGINE_NAMES[engine])
        for interpreter, name in interpreters.items():
            measured = entry[interpreter]
            seconds = measured["seconds"]
            spread_text = f"[{_duration(seconds['min'])} - {_duration(seconds['max'])}]"
            slowdown = seconds["median"] / entry["cpython"]["seconds"]["median"]
            versus = "" if interpreter == "cpython" else f"{slowdown:.2f}x"
            lines.append(
                f"  {name:<38}{_duration(seconds['median']):>12}{spread_text:>26}"
                f"{measured['collector_share']:>8.0%}"
                f"{_duration(measured['collector_off_seconds']['median']):>15}{versus:>12}".rstrip()
            )
    for ours, ratio in results["ratios"].items():
        lines.append(
            f"{SHORT_NAMES[ours]} vs {SHORT_NAMES[PAIRS[ours]]}: how many times faster "
            "(their median steps divided)"
        )
        for interpreter, name in interpreters.items():
            on, off = ratio[interpreter]["seconds"], ratio[interpreter]["collector_off_seconds"]
            lines.append(f"  {name:<38}{f'{on:.1f}x':>12}{'':>34}{f'{off:.1f}x':>15}")
    return lines


def page_lines(results: dict[str, Any]) -> list[str]:
    """The same comparison as a Markdown table, for the documentation's benchmarks page."""
    lines = [
        f"{_title(results)}: one fresh interpreter per engine, "
        f"after a warm-up, {results['steps']} steps with the collector on, then {results['steps']} "
        f"with it off; {results['clock']}; median of the steps. "
        "Collector off: `gc.disable()`, what a step left collected untimed before the next.",
        "",
        "| engine | CPython | Pyodide | Pyodide / CPython | collector off: CPython "
        "| collector off: Pyodide |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for engine, entry in results["engines"].items():
        on = [entry[key]["seconds"]["median"] for key in ("cpython", "pyodide")]
        off = [entry[key]["collector_off_seconds"]["median"] for key in ("cpython", "pyodide")]
        times = " | ".join(_duration(seconds) for seconds in on)
        times_off = " | ".join(_duration(seconds) for seconds in off)
        lines.append(f"| {ENGINE_NAMES[engine]} | {times} | {on[1] / on[0]:.2f}x | {times_off} |")
    for ours, ratio in results["ratios"].items():
        cpython, pyodide = ratio["cpython"], ratio["pyodide"]
        lines.append(
            f"| *{SHORT_NAMES[ours]} vs {SHORT_NAMES[PAIRS[ours]]}: times faster* "
            f"| {cpython['seconds']:.1f}x | {pyodide['seconds']:.1f}x | "
            f"| {cpython['collector_off_seconds']:.1f}x | {pyodide['collector_off_seconds']:.1f}x |"
        )
    return lines

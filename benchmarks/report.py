"""Turning results into the printed table and the goals of issue 5.

Absolute times depend on the machine; the ratios, measured in one process, are the point.
"""

from __future__ import annotations

from typing import Any

__all__ = ["format_report", "goals"]

EAGER = "autograd-engine"
COMPILED = "autograd-engine compiled"
VECTOR = "PyTorch vectorized"
MICROGRAD = "micrograd"


def _duration(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3f} ms"
    return f"{seconds * 1e6:.1f} µs"


def _find(mapping: dict[str, Any], prefix: str) -> tuple[str, Any] | None:
    for name, value in mapping.items():
        if name.startswith(prefix):
            return name, value
    return None


def goals(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each goal of issue 5 with its measured ratio (``None`` when a peer was skipped)."""
    times = results["demo_step"]["median_seconds"]
    memory = results["memory"]
    micrograd = _find(times, MICROGRAD)
    vector = times.get(VECTOR)
    micrograd_memory = _find(memory, MICROGRAD)
    chain = results["chain"]

    def goal(
        text: str, ratio: float | None, target: float, higher_is_better: bool = True
    ) -> dict[str, Any]:
        met = None if ratio is None else (ratio >= target if higher_is_better else ratio <= target)
        return {"goal": text, "ratio": ratio, "target": target, "met": met}

    return [
        goal(
            "eager step >= 10x faster than micrograd",
            None if micrograd is None else micrograd[1] / times[EAGER],
            10,
        ),
        goal(
            ">= 3x fewer bytes per node than micrograd",
            None
            if micrograd_memory is None
            else micrograd_memory[1]["bytes_per_node"] / memory[EAGER]["bytes_per_node"],
            3,
        ),
        goal(
            "compiled step >= 1000x faster than micrograd",
            None if micrograd is None else micrograd[1] / times[COMPILED],
            1000,
        ),
        goal(
            "compiled step within 2x of PyTorch vectorized",
            None if vector is None else times[COMPILED] / vector,
            2,
            higher_is_better=False,
        ),
        goal(
            "compiled deep chain no slower than eager (rebuild + backward)",
            chain["compiled_run_seconds"] / chain["eager_build_and_backward_seconds"],
            1,
            higher_is_better=False,
        ),
    ]


def format_report(results: dict[str, Any]) -> str:
    """The table ``python -m benchmarks`` prints."""
    demo = results["demo_step"]
    times = demo["median_seconds"]
    micrograd = _find(times, MICROGRAD)
    lines = [
        f"autograd-engine benchmark: {results['command']}",
        results["environment"],
        "",
        "One training step of micrograd's demo: MLP(2, [16, 16, 1]) on 100 two-moons points,",
        "hinge loss + L2, forward + backward + SGD update, the same weights in every engine.",
        "Graph nodes: "
        + ", ".join(f"{name} {count:,}" for name, count in demo["node_counts"].items())
        + ".",
        "First-step losses agree to "
        f"{demo['max_relative_loss_difference']:.1e} relative across engines.",
        "",
        f"{'step':<42}{'median':>12}{'vs micrograd':>16}{'in gc':>8}",
    ]
    collector = demo["median_collector_seconds"]
    for name, seconds in sorted(times.items(), key=lambda item: -item[1]):
        label = f"{name} (eager)" if name == EAGER else name
        if name == VECTOR:
            label = "PyTorch vectorized (float64, 1 thread)"
        ratio = "" if micrograd is None else f"{micrograd[1] / seconds:,.1f}x"
        in_gc = f"{collector[name] / seconds:.0%}"
        note = (
            f"   compiled once in {_duration(demo['compile_seconds'])}" if name == COMPILED else ""
        )
        lines.append(f"{label:<42}{_duration(seconds):>12}{ratio:>16}{in_gc:>8}{note}")
    if VECTOR in times:
        lines.append(
            f"{'compiled / PyTorch vectorized':<42}{times[COMPILED] / times[VECTOR]:>11.2f}x"
        )
    lines += [
        "(in gc: the share of a step spent in Python's cycle collector, which rescans the",
        " objects alive while a graph is being built.)",
    ]

    lines += ["", "Memory of the demo's loss graph after backward (tracemalloc)"]
    memory = results["memory"]
    for name, entry in memory.items():
        extra = ""
        if name != EAGER:
            extra = f"   ({entry['bytes_per_node'] / memory[EAGER]['bytes_per_node']:.1f}x ours)"
        lines.append(f"{name:<42}{entry['bytes_per_node']:>7.0f} bytes/node{extra}")

    chain = results["chain"]
    lines += [
        "",
        f"Chain of {chain['nodes']:,} nodes (y = sin(y), over and over)",
        f"{'backward':<42}{_duration(chain['backward_seconds']):>12}"
        f"   peak extra memory {chain['backward_peak_bytes'] / 2**20:.1f} MiB",
        f"{'graph memory':<42}{chain['graph_bytes_per_node']:>7.0f} bytes/node",
        f"{'eager: rebuild + backward':<42}"
        f"{_duration(chain['eager_build_and_backward_seconds']):>12}",
        f"{'compiled replay (forward + backward)':<42}"
        f"{_duration(chain['compiled_run_seconds']):>12}"
        f"   compiled once in {_duration(chain['compile_seconds'])}",
        "micrograd: not run (its recursive topological sort fails on deep graphs)",
        "",
        "Goals (issue 5)",
    ]
    for entry in results["goals"]:
        if entry["met"] is None:
            lines.append(f"  [skipped] {entry['goal']}: a peer is not installed")
        else:
            mark = "met" if entry["met"] else "NOT MET"
            lines.append(f"  [{mark}] {entry['goal']}: {entry['ratio']:,.2f}x")
    for name, reason in results["skipped"].items():
        lines.append(f"Skipped {name}: {reason}")
    return "\n".join(lines)

"""Turning results into the printed table and the speed goals, each met or not.

Absolute times depend on the machine; the ratios, measured in one process, are the point.
"""

from __future__ import annotations

from typing import Any

from . import before_after
from .pyodide_report import format_lines

__all__ = [
    "GOAL_TITLES",
    "format_report",
    "fresh_process_goals",
    "goals",
    "machine_line",
    "nn_loop_goal",
    "overhead_goals",
]

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
    """Each speed and memory goal against micrograd and PyTorch, with its measured ratio
    (``None`` when a peer was skipped)."""
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


#: Re-checking guards may cost a compiled step at most this factor.
GUARD_COST_TARGET = 1.10
#: "Nothing measurable": the eager step after anomaly mode within this factor.
ANOMALY_OFF_TARGET = 1.05


def overhead_goals(results: dict[str, Any]) -> list[dict[str, Any]]:
    """What guards and anomaly mode may cost, as ratios where lower is better (1.0: no cost)."""
    guard_cost = results["guards"]
    anomaly = results["anomaly_off"]
    return [
        {
            "goal": f"guards cost the compiled step < 10% ({guard_cost['guards']:,} guards)",
            "ratio": guard_cost["ratio"],
            "target": GUARD_COST_TARGET,
            "met": guard_cost["ratio"] < GUARD_COST_TARGET,
        },
        {
            "goal": "anomaly mode off costs the eager step nothing measurable (< 5%)",
            "ratio": anomaly["ratio"],
            "target": ANOMALY_OFF_TARGET,
            "met": anomaly["ratio"] < ANOMALY_OFF_TARGET,
            "range": [anomaly["ratio_min"], anomaly["ratio_max"]],
        },
    ]


#: The eager step vs micrograd, each in fresh processes: heap -> target ratio.
FRESH_PROCESS_TARGETS = {"plain": 20.0, "torch": 15.0, "objects": 15.0, "collector-off": 3.0}
#: How the report names the fresh-process engines and heaps.
FRESH_ENGINES = {
    "ours": "autograd-engine, the demo's own loop",
    "ours-fit": "autograd-engine, nn.train_step (fit)",
    "micrograd": "micrograd",
}
FRESH_HEAPS = {
    "plain": "a plain process",
    "torch": "torch imported",
    "objects": "200,000 objects alive",
    "collector-off": "the cycle collector off",
}


def fresh_process_goals(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The eager step's goals, from the fresh processes: >= 20x micrograd in a plain
    process, >= 15x with a large heap, for the demo's loop and for ``fit``'s step; and
    >= 3x with the cycle collector off, for the demo's loop on raw Values."""
    entries = []
    for heap, entry in results["fresh_processes"]["heaps"].items():
        target = FRESH_PROCESS_TARGETS[heap]
        for engine, ratio in entry.get("ratio_vs_micrograd", {}).items():
            if heap == "collector-off" and engine != "ours":
                continue  # a goal for raw Values; fit's step defers the collector itself
            entries.append(
                {
                    "goal": f"eager step >= {target:.0f}x micrograd, {FRESH_HEAPS[heap]}: "
                    f"{FRESH_ENGINES[engine]}",
                    "ratio": ratio["median"],
                    "target": target,
                    "met": ratio["median"] >= target,
                    "range": [ratio["min"], ratio["max"]],
                    "range_name": "rounds",
                }
            )
    return entries


#: The user's loop over ``nn.MLP`` vs the same loop over micrograd's ``nn.MLP``.
NN_LOOP_TARGET = 15.0


def nn_loop_goal(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``nn.MLP`` loop's goal (>= 15x micrograd's own ``nn.MLP`` loop), if it was run."""
    loop = results.get("nn_loop")
    if loop is None:
        return []
    ratio = loop["ratio_vs_micrograd"]
    return [
        {
            "goal": f"a user's nn.MLP loop >= {NN_LOOP_TARGET:.0f}x micrograd's nn.MLP loop, "
            "a plain process",
            "ratio": ratio["median"],
            "target": NN_LOOP_TARGET,
            "met": ratio["median"] >= NN_LOOP_TARGET,
            "range": [ratio["min"], ratio["max"]],
            "range_name": "rounds",
        }
    ]


def _fresh_lines(results: dict[str, Any]) -> list[str]:
    """The table of the fresh-process step times, and where this engine's time goes."""
    fresh = results["fresh_processes"]
    nodes = results["demo_step"]["node_counts"].get(EAGER)
    lines = [
        "",
        "The eager demo step, each engine alone in fresh processes "
        f"({fresh['processes']} rounds taking turns,",
        f"{fresh['steps']} steps per process after a warm-up). CPU seconds per step, a "
        "process's mean; median [lowest - highest] of the processes.",
        f"{'heap / engine':<48}{'step':>10}{'range':>26}{'in gc':>8}{'vs micrograd':>22}",
    ]
    for heap, entry in fresh["heaps"].items():
        lines.append(FRESH_HEAPS[heap])
        for engine, seconds in entry["seconds"].items():
            share = entry["collector_share"][engine]["median"]
            ratio = entry.get("ratio_vs_micrograd", {}).get(engine)
            ratio_text = (
                ""
                if ratio is None
                else f"{ratio['median']:.1f}x [{ratio['min']:.1f} - {ratio['max']:.1f}]"
            )
            spread_text = f"[{_duration(seconds['min'])} - {_duration(seconds['max'])}]"
            lines.append(
                f"  {FRESH_ENGINES[engine]:<46}{_duration(seconds['median']):>10}"
                f"{spread_text:>26}{share:>8.0%}{ratio_text:>22}"
            )
    plain = fresh["heaps"].get("plain")
    if plain is not None and nodes and "micrograd" in plain["seconds"]:
        micrograd = plain["seconds"]["micrograd"]["median"]
        lines += ["", f"Where the time goes (a plain process, {nodes:,} nodes per step):"]
        for engine in ("ours", "ours-fit"):
            step = plain["seconds"][engine]["median"]
            outside = step * (1 - plain["collector_share"][engine]["median"])
            lines.append(
                f"  {FRESH_ENGINES[engine]}: {step / nodes * 1e9:.0f} ns per node, "
                f"{outside / nodes * 1e9:.0f} ns of it outside the collector; with no "
                f"collector at all the ratio could reach {micrograd / outside:.1f}x"
            )
        lines.append(
            "  micrograd spends "
            f"{plain['collector_share']['micrograd']['median']:.0%} of its step in the "
            "collector (its graphs are reference cycles)."
        )
    loop = results.get("nn_loop")
    if loop is not None:
        ratio = loop["ratio_vs_micrograd"]
        lines += ["", "A user's loop over nn.MLP (model(x), loss.backward(), SGD by hand):"]
        for engine, name in (
            ("ours-nn", "autograd-engine nn.MLP"),
            ("micrograd-nn", "micrograd nn.MLP"),
        ):
            seconds = loop["seconds"][engine]
            spread_text = f"[{_duration(seconds['min'])} - {_duration(seconds['max'])}]"
            lines.append(f"  {name:<46}{_duration(seconds['median']):>10}{spread_text:>26}")
        lines.append(
            f"  {'ratio':<46}{ratio['median']:>9.1f}x [{ratio['min']:.1f} - {ratio['max']:.1f}]"
        )
    profile = results.get("eager_profile")
    if profile is not None:
        per_node = profile["nanoseconds_per_node"]
        # Runs before the walk had its own phase called it "topological_order".
        walk = per_node.get("walk", per_node.get("topological_order", float("nan")))
        lines.append(
            "  autograd-engine's own loop per node, collector paused (lowest of a few steps): "
            f"forward {per_node['forward']:.0f} ns, backward {per_node['backward']:.0f} ns "
            f"(of which the walk {walk:.0f} ns), "
            f"freeing the graph {per_node['free']:.0f} ns, update {per_node['update']:.0f} ns"
        )
    return lines


def _goal_lines(entries: list[dict[str, Any]]) -> list[str]:
    lines = []
    for entry in entries:
        if entry["met"] is None:
            lines.append(f"  [skipped] {entry['goal']}: a peer is not installed")
            continue
        mark = "met" if entry["met"] else "NOT MET"
        spread = ""
        if "range" in entry:
            low, high = entry["range"]
            spread = f" ({entry.get('range_name', 'pairs')} {low:.2f}x to {high:.2f}x)"
        lines.append(f"  [{mark}] {entry['goal']}: {entry['ratio']:,.2f}x{spread}")
    return lines


def _overhead_lines(results: dict[str, Any]) -> list[str]:
    guard_cost = results["guards"]
    guarded = guard_cost["median_seconds"]
    anomaly = results["anomaly_off"]
    never, entered = (anomaly["median_seconds"][k] for k in ("never entered", "entered and left"))
    return [
        "",
        "Guards: the demo's loss with relu written as a Python branch, h if h > 0 else h * 0.0,",
        f"recorded once ({guard_cost['compiled_graph']});",
        "a step is zero_grad + run() (forward, guard check, backward), no update.",
        f"{'compiled without guards (guards=None)':<42}{_duration(guarded['unguarded']):>12}",
        f"{'compiled with the guard log, re-checked':<42}{_duration(guarded['guarded']):>12}"
        f"{guard_cost['ratio']:>15.3f}x",
        "",
        "Anomaly mode off: the eager demo step, each timed in a fresh process "
        f"({anomaly['pairs']} pairs,",
        f"{anomaly['steps_per_process']} steps each; medians of the processes' medians)",
        f"{'never entered detect_anomaly()':<42}{_duration(never):>12}",
        f"{'entered and left it once before timing':<42}{_duration(entered):>12}"
        f"{anomaly['ratio']:>15.3f}x   pairs {anomaly['ratio_min']:.3f}x to "
        f"{anomaly['ratio_max']:.3f}x",
    ]


#: The groups of goals in a run's results, and how the report heads them.
GOAL_TITLES = {
    "goals": "speed and memory against micrograd and PyTorch",
    "goals_overhead": "what guards and anomaly mode cost",
    "goals_fresh_processes": "the eager step in fresh processes",
    "goals_before_after": "this engine against itself before the speed work",
}


def machine_line(machine: dict[str, Any]) -> str:
    """The machine a run measured on, in one line: CPU model, cores, Python."""
    return (
        f"Machine: {machine['cpu']}, {machine['cores']} cores available, {machine['python']}, "
        f"{machine['system']}"
    )


def format_report(results: dict[str, Any]) -> str:
    """The table ``python -m benchmarks`` prints."""
    demo = results["demo_step"]
    times = demo["median_seconds"]
    micrograd = _find(times, MICROGRAD)
    lines = [
        f"autograd-engine benchmark: {results['command']}",
        results["environment"],
        *([machine_line(results["machine"])] if "machine" in results else []),
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
    ]
    lines += _overhead_lines(results)
    if "fresh_processes" in results:
        lines += _fresh_lines(results)
    if "pyodide" in results:
        lines += format_lines(results["pyodide"])
    if "before_after" in results:
        lines += ["", before_after.format_report(results["before_after"])]
    for key, title in GOAL_TITLES.items():
        if key in results:
            lines += ["", f"Goals: {title}", *_goal_lines(results[key])]
    for name, reason in results["skipped"].items():
        lines.append(f"Skipped {name}: {reason}")
    return "\n".join(lines)

"""The eager demo step under Pyodide (CPython compiled to WebAssembly, run by Node), beside
the same step in CPython::

    python -m benchmarks.pyodide                       # every engine, 5 steps each, JSON
    python -m benchmarks.pyodide --steps 3 --engine ours --engine micrograd

Why: the browser lab runs this very Python in WebAssembly, where its Playground trains
eagerly; a speed-up measured in CPython alone may not be one there.

What runs: for each engine (:data:`DEFAULT_ENGINES`: this engine and micrograd 0.1.0 on raw
scalars, and a user's loop over each library's ``nn.MLP``; see
:func:`benchmarks.fresh_process.make_step`), one fresh Pyodide in a new Node process, and
one fresh CPython process, each running :func:`time_here`: one untimed warm-up step, then
``steps`` timed steps with the cycle collector on, then ``steps`` with it off.

* Pyodide is the one ``lab/package.json`` pins (314.0.7: Python 3.14), from
  ``lab/node_modules`` where ``npm ci`` puts it (``make bench`` and ``make lab`` run it). Only
  its core is loaded; nothing is fetched at run time.
* The code is this checkout's, as it is on disk now: every ``.py`` file of
  ``autograd_engine/``, ``nn/`` and ``benchmarks/`` is written into Pyodide's in-memory file
  system, and micrograd's two pure-Python files from the package installed here.
* The clock is :func:`time.perf_counter`, wall-clock seconds, the same in both interpreters
  so that their columns compare (in Pyodide it is ``clock_gettime(CLOCK_MONOTONIC)``, served
  by Node). On a loaded machine both also count time spent waiting for a core; the
  fresh-process table of :mod:`benchmarks.suite` counts CPU time instead.
* The two columns differ in more than WebAssembly: Pyodide 314.0.7 is Python 3.14, and this
  CPython may be older; their cycle collectors differ most (what a collection costs, when
  it runs), so compare the collector-off figures for the interpreters themselves.
* Collector off: :func:`gc.disable`, and before each timed step an untimed
  :func:`gc.collect` frees what the step before left (micrograd's graphs are reference
  cycles; this engine's are freed by reference counting inside the step, so they are timed).

Both interpreters must compute the same first loss (to 1e-9, relative: their math libraries
may differ in the last bit); otherwise the run stops with an error naming both values.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .measure import CollectorClock, spread

__all__ = [
    "DEFAULT_ENGINES",
    "PAIRS",
    "Runner",
    "available_engines",
    "compare",
    "for_the_report",
    "main",
    "missing",
    "run_in_cpython",
    "run_in_pyodide",
    "time_here",
]

ROOT = Path(__file__).resolve().parent.parent
#: Where ``npm ci`` in ``lab/`` installs the Pyodide that ``lab/package.json`` pins.
PYODIDE = ROOT / "lab" / "node_modules" / "pyodide"
#: Loads Pyodide under Node, writes the files, runs the code (see its header).
NODE_SCRIPT = Path(__file__).resolve().with_name("pyodide_step.mjs")
#: The packages copied into Pyodide, from this checkout.
PACKAGES = ("autograd_engine", "nn", "benchmarks")
#: Where they go in Pyodide's file system (put first on its ``sys.path``).
CHECKOUT_IN_PYODIDE = "/home/pyodide/checkout"
#: The engines timed by default, in this order.
DEFAULT_ENGINES = ("ours", "micrograd", "ours-nn", "micrograd-nn")
#: Each engine of ours and the micrograd step it is compared with.
PAIRS = {"ours": "micrograd", "ours-fit": "micrograd", "ours-nn": "micrograd-nn"}
#: The first losses of the two interpreters may differ by this much, relatively, at most.
LOSS_TOLERANCE = 1e-9
#: The clock both interpreters time with, as the report states it.
CLOCK = "time.perf_counter() (wall-clock seconds)"


def _check(engine: str, steps: int) -> None:
    from .fresh_process import ENGINES

    if engine not in ENGINES:  # make_step says so too, but only once an interpreter runs it
        raise ValueError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")


def time_here(engine: str, steps: int) -> dict[str, Any]:
    """Time the demo step of ``engine`` in *this* interpreter (what each fresh one runs).

    One untimed warm-up step (after a ``gc.collect()``), then ``steps`` consecutive timed
    steps with the cycle collector on (and how long it ran in each, through
    ``gc.callbacks``), as in a training loop: each step pays for collecting what the one
    before it left. Then ``steps`` with the collector disabled, each after an untimed
    ``gc.collect()`` of what the step before left. Wall seconds, :func:`time.perf_counter`.
    The collector's state is put back after.

    The two kinds are not interleaved: a ``gc.collect()`` between steps would reset the
    collector's counters, so the steps with it on would no longer run as a loop does
    (micrograd's step in CPython 3.11 measured about a third faster that way).

    Returns:
        ``{"engine", "python", "platform", "first_loss", "seconds", "collector_seconds",
        "collector_off_seconds"}``, one number per timed step in the last three.

    Raises:
        ValueError: an unknown engine, or ``steps`` below 1.
    """
    from .fresh_process import make_step

    _check(engine, steps)
    step = make_step(engine)
    clock = time.perf_counter
    on: list[float] = []
    in_collector: list[float] = []
    off: list[float] = []
    was_enabled = gc.isenabled()
    collector = CollectorClock(clock)
    gc.callbacks.append(collector)
    try:
        gc.enable()
        gc.collect()
        first_loss = step()
        for _ in range(steps):
            collector.total = 0.0
            start = clock()
            step()
            on.append(clock() - start)
            in_collector.append(collector.total)
        gc.callbacks.remove(collector)
        gc.disable()
        for _ in range(steps):
            gc.collect()
            start = clock()
            step()
            off.append(clock() - start)
    finally:
        if collector in gc.callbacks:
            gc.callbacks.remove(collector)
        if was_enabled:
            gc.enable()
        else:
            gc.disable()
    return {
        "engine": engine,
        "python": platform.python_version(),
        "platform": sys.platform,
        "first_loss": first_loss,
        "seconds": on,
        "collector_seconds": in_collector,
        "collector_off_seconds": off,
    }


def missing() -> str | None:
    """Why Pyodide cannot run here (``None`` when it can): no Node, or no Pyodide installed."""
    if shutil.which("node") is None:
        return "Node is not installed (`make system-deps` installs Debian's nodejs and npm as root)"
    if not (PYODIDE / "pyodide.mjs").is_file():
        return (
            f"Pyodide is not installed in {PYODIDE.relative_to(ROOT)} "
            "(`npm ci` in lab/ installs it; `make bench` runs that when npm is installed)"
        )
    return None


def available_engines() -> list[str]:
    """:data:`DEFAULT_ENGINES`, without micrograd's when it is not installed."""
    installed = importlib.util.find_spec("micrograd") is not None
    return [engine for engine in DEFAULT_ENGINES if installed or "micrograd" not in engine]


def _micrograd_files() -> dict[str, str]:
    spec = importlib.util.find_spec("micrograd")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("micrograd is not installed (pip install 'autograd-engine[bench]')")
    folder = Path(next(iter(spec.submodule_search_locations)))
    return {
        f"/home/pyodide/site/micrograd/{path.name}": path.read_text("utf-8")
        for path in sorted(folder.glob("*.py"))
    }


def source_files(with_micrograd: bool) -> dict[str, str]:
    """The files written into Pyodide: path there -> text, from this checkout's working tree
    (and micrograd's installed package when ``with_micrograd``)."""
    files = {
        f"{CHECKOUT_IN_PYODIDE}/{path.relative_to(ROOT).as_posix()}": path.read_text("utf-8")
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "__pycache__" not in path.parts
    }
    if with_micrograd:
        files.update(_micrograd_files())
    return files


def _code(engine: str, steps: int) -> str:
    return (
        "import json\n"
        "from benchmarks.pyodide import time_here\n"
        f"json.dumps(time_here({engine!r}, {steps}))\n"
    )


def _last_json_line(stdout: str, what: str) -> dict[str, Any]:
    lines = stdout.strip().splitlines()
    if not lines:
        raise RuntimeError(f"{what} printed nothing on stdout")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def _failed(what: str, error: subprocess.CalledProcessError) -> RuntimeError:
    tail = "\n".join(str(error.stderr).strip().splitlines()[-15:])
    return RuntimeError(f"{what} failed (exit {error.returncode}):\n{tail}")


def run_in_pyodide(engine: str, steps: int) -> dict[str, Any]:
    """:func:`time_here` for ``engine`` in a fresh Pyodide, in a new Node process.

    Raises:
        RuntimeError: Node or Pyodide is missing (the reason from :func:`missing`), or the
            run failed (with the end of its error output).
    """
    reason = missing()
    if reason is not None:
        raise RuntimeError(f"cannot run Pyodide: {reason}")
    job = {
        "indexURL": f"{PYODIDE.as_posix()}/",
        "files": source_files(with_micrograd="micrograd" in engine),
        "paths": [CHECKOUT_IN_PYODIDE, "/home/pyodide/site"],
        "code": _code(engine, steps),
    }
    what = f"the {engine} step under Pyodide"
    try:
        finished = subprocess.run(
            ["node", str(NODE_SCRIPT)],
            input=json.dumps(job),
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
    except subprocess.CalledProcessError as error:
        raise _failed(what, error) from None
    return _last_json_line(finished.stdout, what)


def run_in_cpython(engine: str, steps: int) -> dict[str, Any]:
    """:func:`time_here` for ``engine`` in a fresh CPython process (this one's executable).

    Raises:
        RuntimeError: the run failed (with the end of its error output).
    """
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        path for path in (str(ROOT), environment.get("PYTHONPATH", "")) if path
    )
    command = [sys.executable, "-m", "benchmarks.pyodide", "--here"]
    command += ["--engine", engine, "--steps", str(steps)]
    what = f"the {engine} step in CPython"
    try:
        finished = subprocess.run(
            command, capture_output=True, text=True, check=True, env=environment, cwd=ROOT
        )
    except subprocess.CalledProcessError as error:
        raise _failed(what, error) from None
    return _last_json_line(finished.stdout, what)


def _package_version(name: str) -> str:
    data: dict[str, Any] = json.loads((PYODIDE / name).read_text("utf-8"))
    return str(data["version"] if name == "package.json" else data["info"]["python"])


def _node_version() -> str:
    finished = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True)
    return finished.stdout.strip()


def _summary(measured: dict[str, Any]) -> dict[str, Any]:
    seconds = measured["seconds"]
    off = measured["collector_off_seconds"]
    return {
        "seconds": spread(seconds),
        "collector_share": sum(measured["collector_seconds"]) / sum(seconds),
        "collector_off_seconds": spread(off),
        "first_loss": measured["first_loss"],
        "python": measured["python"],
        "samples": {
            "seconds": seconds,
            "collector_seconds": measured["collector_seconds"],
            "collector_off_seconds": off,
        },
    }


#: Runs one engine in one fresh interpreter: ``(engine, steps) -> time_here's dict``.
Runner = Callable[[str, int], dict[str, Any]]


def compare(
    engines: Sequence[str],
    steps: int,
    progress: Callable[[str], None] = lambda message: None,
    pyodide: Runner = run_in_pyodide,
    cpython: Runner = run_in_cpython,
) -> dict[str, Any]:
    """Each engine's step in a fresh Pyodide and a fresh CPython, and the ratios.

    Returns:
        ``{"pyodide", "pyodide_python", "node", "cpython", "clock", "steps", "engines",
        "ratios"}``: per engine and interpreter, the step's seconds (median, min, max over
        the timed steps), the share of them in the collector, the seconds with the collector
        off, and the first loss; per engine of ours whose micrograd peer also ran
        (:data:`PAIRS`), micrograd's median step divided by ours, per interpreter, collector
        on and off.

    Raises:
        ValueError: an unknown engine, or ``steps`` below 1 (before anything runs).
        RuntimeError: an interpreter's first loss differs from the other's.
    """
    for engine in engines:
        _check(engine, steps)
    results: dict[str, Any] = {
        "pyodide": _package_version("package.json"),
        "pyodide_python": _package_version("pyodide-lock.json"),
        "node": _node_version(),
        "cpython": platform.python_version(),
        "clock": CLOCK,
        "steps": steps,
        "engines": {},
        "ratios": {},
    }
    for engine in engines:
        entry = {}
        for interpreter, run in (("pyodide", pyodide), ("cpython", cpython)):
            progress(f"the demo step in a fresh {interpreter}: {engine}")
            entry[interpreter] = _summary(run(engine, steps))
        in_wasm, native = entry["pyodide"]["first_loss"], entry["cpython"]["first_loss"]
        if abs(in_wasm - native) > LOSS_TOLERANCE * abs(native):
            raise RuntimeError(
                f"the {engine} step's first loss is {in_wasm!r} in Pyodide but {native!r} in "
                "CPython: the same code and data must give the same loss; look for a "
                "difference between the files copied into Pyodide and this checkout"
            )
        results["engines"][engine] = entry
    for ours, peer in PAIRS.items():
        if ours in results["engines"] and peer in results["engines"]:
            mine, theirs = results["engines"][ours], results["engines"][peer]
            results["ratios"][ours] = {
                interpreter: {
                    key: theirs[interpreter][key]["median"] / mine[interpreter][key]["median"]
                    for key in ("seconds", "collector_off_seconds")
                }
                for interpreter in ("cpython", "pyodide")
            }
    return results


def for_the_report(
    steps: int, progress: Callable[[str], None], run: Callable[..., dict[str, Any]] = compare
) -> tuple[dict[str, Any] | None, str | None]:
    """What ``make bench`` reports: :func:`compare` over :func:`available_engines`, or why not.

    Returns:
        ``(results, None)``; or ``(None, reason)`` when Node or Pyodide is missing, or when the
        run failed (then the error is also printed on stderr: the rest of the benchmark's
        figures are still worth keeping, and the report names the failure).
    """
    reason = missing()
    if reason is not None:
        return None, reason
    try:
        return run(available_engines(), steps, progress), None
    except RuntimeError as error:
        print(f"The step under Pyodide failed: {error}", file=sys.stderr)
        lines = str(error).splitlines()  # what failed, and how (a traceback's last line)
        return None, " ".join(["failed:", *dict.fromkeys([lines[0], lines[-1]])])


def _parser() -> argparse.ArgumentParser:
    from .fresh_process import ENGINES

    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.pyodide",
        description="The eager demo step under Pyodide (Node) beside CPython; prints JSON.",
    )
    parser.add_argument(
        "--steps", type=int, default=5, help="timed steps per interpreter and engine (default 5)"
    )
    parser.add_argument(
        "--engine",
        action="append",
        choices=ENGINES,
        help=f"an engine to time (repeatable; default: {', '.join(DEFAULT_ENGINES)}, "
        "micrograd's where it is installed)",
    )
    parser.add_argument(
        "--here",
        action="store_true",
        help="time one engine in this Python instead (what each fresh interpreter runs)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Print :func:`compare`'s results (or, with ``--here``, :func:`time_here`'s) as JSON."""
    parser = _parser()
    options = parser.parse_args(argv)
    if options.steps < 1:
        parser.error("--steps must be at least 1")
    engines = options.engine or available_engines()
    if options.here:
        if len(engines) != 1:
            parser.error("--here times exactly one --engine")
        print(json.dumps(time_here(engines[0], options.steps)))
        return 0
    reason = missing()
    if reason is not None:
        print(f"python -m benchmarks.pyodide: cannot run: {reason}", file=sys.stderr)
        return 1

    def progress(message: str) -> None:
        print(f"... {message}", file=sys.stderr, flush=True)

    print(json.dumps(compare(engines, options.steps, progress), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

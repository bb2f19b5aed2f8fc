"""The eager demo step timed in a fresh Python process, with or without anomaly mode first.

``detect_anomaly()`` promises to cost nothing once it is off: entering it rebinds
``autograd_engine.value._node`` to a checking version, and leaving restores the original
function. A process that has been in the mode must therefore run the eager step exactly as
fast as one that never was. Timing both in one process would be unfair (the second would
inherit the first one's heap and warm caches), so each is timed in a process of its own::

    python -m benchmarks.fresh_process --steps 6              # never enters the mode
    python -m benchmarks.fresh_process --steps 6 --anomaly    # enters and leaves it once

Each prints one JSON object: the seconds of every timed step. (``import autograd_engine``
imports the anomaly module in both; the difference is whether the mode was ever entered.)
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from autograd_engine import Value, detect_anomaly, value

from .engines import ScalarModel, ours_engine
from .measure import frozen_imports, time_repeats
from .workload import make_problem

__all__ = ["main", "time_eager_steps"]


def time_eager_steps(steps: int, enter_anomaly_mode: bool) -> dict[str, Any]:
    """Time ``steps`` eager demo steps, after entering and leaving anomaly mode if asked.

    Raises:
        RuntimeError: if leaving the mode did not restore the engine's own ``_node``.
    """
    plain_node = value._node
    if enter_anomaly_mode:
        with detect_anomaly():
            _ = Value(1.0) * 2.0  # the mode does its work once: a checked, recorded node
        if value._node is not plain_node:
            raise RuntimeError("detect_anomaly() did not restore value._node on exit")
    model = ScalarModel(ours_engine(), make_problem())
    with frozen_imports():
        timing = time_repeats(model.step, steps)
    return {"anomaly_mode_entered": enter_anomaly_mode, "seconds": timing.seconds}


def main(argv: list[str] | None = None) -> int:
    """Run :func:`time_eager_steps` and print its result as JSON."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fresh_process")
    parser.add_argument("--steps", type=int, default=6, help="timed steps (default 6)")
    parser.add_argument(
        "--anomaly", action="store_true", help="enter and leave detect_anomaly() first"
    )
    options = parser.parse_args(argv)
    print(json.dumps(time_eager_steps(options.steps, options.anomaly)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

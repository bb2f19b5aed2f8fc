"""``python -m benchmarks.lab site/lab``: how fast the built lab is in headless Chromium.

Served from 127.0.0.1 by a local static server, it prints:

* time to interactive: from navigation start until the editor has drawn the lecture's graph
  (Python and Graphviz loaded, the example run), with a cold cache (a fresh browser profile
  per round) and a warm one (the same profile, reloaded);
* the Playground: steps and pictures per second while training an MLP 2-8-8-1 on 200 points
  (100 for training), batch 10, in the Web Worker; and epochs per second on TensorFlow
  Playground's default network (2 inputs, hidden 4 and 2, tanh, 500 points, half for
  training, batch 10). TensorFlow Playground trains one epoch per animation frame, so it runs
  at most 60 epochs a second on a 60 Hz display.

Goals: interactive < 10 s cold and < 3 s warm; the 2-8-8-1 network >= 20 steps/s with its
pictures redrawn >= 4 times a second. Figures vary with the machine's load: run it alone.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from .lab_browser import chromium, missing_tools, serve, wait_for, wait_until_ready

GOALS = {"cold": 10.0, "warm": 3.0, "steps": 20.0, "draws": 4.0}
MLP_2_8_8_1: dict[str, Any] = {
    "features": ["x1", "x2"],
    "hidden": [8, 8],
    "points": 200,
    "batch_size": 10,
    "dataset": "circles",
    "activation": "tanh",
    "train_percent": 50,
}
TF_DEFAULT: dict[str, Any] = {
    "features": ["x1", "x2"],
    "hidden": [4, 2],
    "points": 500,
    "batch_size": 10,
    "dataset": "circles",
    "activation": "tanh",
    "train_percent": 50,
    "learning_rate": 0.03,
}


def load_seconds(driver: Any, base: str) -> float:
    """Navigate to the lab and return its time to interactive, in seconds."""
    driver.get(base)
    return wait_until_ready(driver)["interactive"] / 1000


def train_rate(driver: Any, config: dict[str, Any], seconds: float) -> dict[str, float]:
    """Train ``config`` for ``seconds`` in the Playground; the worker's and the page's rates."""
    driver.execute_script(
        "const p = window.lab.playground; p.open(); Object.assign(p.config, arguments[0]);"
        "p.state = null; p.reset();",
        config,
    )
    wait_for(
        driver,
        "const p = window.lab.playground; return !!(p.state && p.state.steps === 0 && "
        "p.state.layers.length === arguments[0])",
        120,
        "the Playground's new network",
        len(config["hidden"]) + 1,
    )
    driver.execute_script("window.lab.playground.play(true)")
    time.sleep(seconds)
    result: dict[str, float] = driver.execute_script(
        "const p = window.lab.playground; p.play(false);"
        "return {steps: p.state.steps, epochs: p.state.epochs, ...p.stats};"
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.lab", description=__doc__)
    parser.add_argument("site", type=Path, help="the built lab (make lab writes site/lab)")
    parser.add_argument("--rounds", type=int, default=3, help="loads per measure (default 3)")
    parser.add_argument("--seconds", type=float, default=6.0, help="training time per network")
    args = parser.parse_args(argv)
    missing = missing_tools()
    if missing:
        print(f"lab benchmark skipped: missing {', '.join(missing)}")
        return 0
    if not (args.site / "index.html").is_file():
        parser.error(f"{args.site} holds no built lab: run `make lab` first")
    with serve(args.site) as (base, _):
        cold = []
        for _ in range(args.rounds):
            with chromium() as driver:
                cold.append(load_seconds(driver, base))
        with (
            tempfile.TemporaryDirectory(prefix="lab-warm-") as profile,
            chromium(profile=Path(profile)) as driver,
        ):
            load_seconds(driver, base)  # fills the cache
            warm = [load_seconds(driver, base) for _ in range(args.rounds)]
            driver.find_element("id", "tab-playground").click()
            mlp = train_rate(driver, MLP_2_8_8_1, args.seconds)
            tf = train_rate(driver, TF_DEFAULT, args.seconds)
    train_points = {"mlp": 100, "tf": 250}
    print(f"lab at {base} (Chromium headless, {args.rounds} rounds, median [min-max])")
    for name, values, goal in (
        ("cold cache", cold, GOALS["cold"]),
        ("warm cache", warm, GOALS["warm"]),
    ):
        verdict = "met" if statistics.median(values) < goal else "NOT MET"
        print(
            f"  interactive, {name}: {statistics.median(values):.2f} s "
            f"[{min(values):.2f}-{max(values):.2f}]  (goal < {goal:g} s: {verdict})"
        )
    for label, result, points in (
        ("MLP 2-8-8-1, 200 points, batch 10", mlp, train_points["mlp"]),
        ("TF Playground's default 2-4-2-1, 500 points, batch 10", tf, train_points["tf"]),
    ):
        epochs = result["stepsPerSecond"] * 10 / points
        print(
            f"  {label}: {result['stepsPerSecond']:.0f} steps/s = {epochs:.1f} epochs/s, "
            f"pictures {result['drawsPerSecond']:.1f}/s sent, {result['paintsPerSecond']:.1f}/s "
            f"painted ({result['steps']} steps in {args.seconds:g} s)"
        )
    steps_ok = mlp["stepsPerSecond"] >= GOALS["steps"]
    draws_ok = min(mlp["drawsPerSecond"], mlp["paintsPerSecond"]) >= GOALS["draws"]
    print(
        f"  goals: >= {GOALS['steps']:g} steps/s {'met' if steps_ok else 'NOT MET'}; "
        f"pictures >= {GOALS['draws']:g}/s {'met' if draws_ok else 'NOT MET'}; "
        "TensorFlow Playground: one epoch per animation frame, at most 60 epochs/s at 60 Hz"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``python -m autograd_engine.viz OUTDIR``: write the README's figures into OUTDIR.

* ``graph.svg``: the micrograd lecture's expression ``L = (a*b + c) * f`` after backward,
  each edge labelled with its local derivative (``∂L/∂d = f``);
* ``stepper-frame.svg``: the backward pass through the lecture's tanh neuron, at the frame
  where ``x1*w1`` sends its gradient to ``x1`` and ``w1``;
* ``stepper.html``: that whole forward and backward pass as a self-contained page.

The demo (``python -m nn.demo --output OUTDIR``) adds the network's pictures: ``neuron.svg``,
``mlp-step.svg`` and ``mlp-stepper.html`` (grouped by layer and by neuron).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..value import Value
from .draw import render_svg
from .stepper import BackwardStepper


def lecture_graph() -> Value:
    """L = d * f with d = e + c, e = a * b (a=2, b=-3, c=10, f=-2): L = -8."""
    a, b, c, f = Value(2.0, "a"), Value(-3.0, "b"), Value(10.0, "c"), Value(-2.0, "f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    loss = d * f
    loss.label = "L"
    return loss


def tanh_neuron() -> Value:
    """o = tanh(x1*w1 + x2*w2 + b), with the bias chosen so that o = 1/sqrt(2)."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def write_figures(outdir: Path) -> list[Path]:
    """Write the three figures into ``outdir`` (created if needed); returns their paths."""
    outdir.mkdir(parents=True, exist_ok=True)
    loss = lecture_graph()
    loss.backward()
    graph = outdir / "graph.svg"
    graph.write_text(render_svg(loss, rules=True), encoding="utf-8")  # local derivatives on edges

    # Top to bottom, so the picture is narrow enough to read at a README's width.
    stepper = BackwardStepper(tanh_neuron(), rankdir="TB")
    k = stepper.fired(next(step.node for step in stepper.steps if step.node.label == "x1*w1"))
    frame = outdir / "stepper-frame.svg"
    frame.write_text(stepper.svg(k), encoding="utf-8")
    page = stepper.to_html(outdir / "stepper.html", title="Backpropagation through a tanh neuron")
    return [graph, frame, page]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m autograd_engine.viz", description="Write the README's figures."
    )
    parser.add_argument("outdir", type=Path, help="folder to write the figures into")
    args = parser.parse_args(argv)
    for path in write_figures(args.outdir):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()

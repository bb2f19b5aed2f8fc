"""The one layout of a stepper page: which direction it takes, and how long it takes."""

import re
import shutil

import pytest

from autograd_engine import Value
from autograd_engine.viz import BackwardStepper, draw_dot
from autograd_engine.viz.layout import NodeBox, choose_rankdir, dot_source
from benchmarks.layout import export_seconds, grouped_loss, scalar_loss

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")


def chain(length: int) -> list[NodeBox]:
    """x -> tanh -> tanh -> ..."""
    boxes = [NodeBox("x", "leaf", "data 1", "grad 1", "", ())]
    boxes += [
        NodeBox(f"t{i}", "intermediate", "data 1", "grad 1", "tanh", (i,)) for i in range(length)
    ]
    return boxes


def layers(width: int) -> list[NodeBox]:
    """Two inputs, two layers of ``width`` neurons each reading the whole layer below, one out."""
    boxes = [NodeBox(f"x{i}", "leaf", "data 1", "grad 1", "", ()) for i in range(2)]
    below: tuple[int | None, ...] = (0, 1)
    for layer in range(2):
        start = len(boxes)
        boxes += [
            NodeBox(f"layers.{layer}.neurons.{j}", "group", "data 1", "grad 1", "neuron", below)
            for j in range(width)
        ]
        below = tuple(range(start, len(boxes)))
    return [*boxes, NodeBox("layers.2.neurons.0", "group", "data 1", "grad 1", "neuron", below)]


def test_a_wide_shallow_graph_is_laid_out_left_to_right() -> None:
    # Top to bottom, 16 long names side by side make a strip wider than any screen.
    assert choose_rankdir(layers(16)) == "LR"


def neuron() -> Value:
    x1, w1, x2, w2 = Value(2.0), Value(-3.0), Value(0.0), Value(1.0)
    return (x1 * w1 + x2 * w2 + Value(6.88)).tanh()


def mazur() -> Value:
    """Matt Mazur's 2-2-2 network and its squared error: deep, and two or four boxes wide."""
    i1, i2 = Value(0.05, "i1"), Value(0.1, "i2")
    w = [Value(v, f"w{k + 1}") for k, v in enumerate([0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55])]
    b1, b2 = Value(0.35, "b1"), Value(0.6, "b2")
    h1 = (i1 * w[0] + i2 * w[1] + b1).sigmoid()
    h2 = (i1 * w[2] + i2 * w[3] + b1).sigmoid()
    o1 = (h1 * w[4] + h2 * w[5] + b2).sigmoid()
    o2 = (h1 * w[6] + h2 * w[7] + b2).sigmoid()
    return 0.5 * (0.01 - o1) ** 2 + 0.5 * (0.99 - o2) ** 2


def test_a_deep_narrow_graph_is_drawn_top_to_bottom() -> None:
    # Left to right, Mazur's network is a strip ten ranks long and two to four boxes high.
    assert "rankdir=TB" in draw_dot(mazur(), rankdir="auto").source


@needs_dot
def test_the_stepper_lays_the_neuron_out_taller_than_wide() -> None:
    svg = BackwardStepper(neuron()).layout()
    width, height = (
        float(v) for v in re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"', svg).groups()
    )  # type: ignore[union-attr]
    assert height > width


@pytest.mark.parametrize("rankdir", ["LR", "RL", "TB", "BT"])
def test_a_box_stacks_name_data_and_grad_in_every_direction(rankdir: str) -> None:
    # A record lays its fields across the rank direction; braces turn them a quarter.
    source = dot_source(chain(1), rankdir)
    stacked = rankdir in ("TB", "BT")
    assert ('label="{x|data\\ 1|grad\\ 1}"' in source) == stacked
    assert ('label="x|data\\ 1|grad\\ 1"' in source) == (not stacked)


def test_an_unknown_direction_is_refused() -> None:
    with pytest.raises(ValueError, match="rankdir must be one of"):
        dot_source(chain(1), "up")


@needs_dot
@pytest.mark.slow
@pytest.mark.parametrize(("make", "group"), [(scalar_loss, None), (grouped_loss, "neuron")])
def test_big_graphs_export_in_seconds(make, group) -> None:  # type: ignore[no-untyped-def]
    # Goals (2 s and 5 s on an idle machine) are measured by `make bench`; this only catches
    # a return to laying edge labels out as nodes, which took minutes on a busy machine.
    wall, cpu = export_seconds(make(), group)
    assert cpu < 30, f"exporting took {cpu:.1f} s of CPU ({wall:.1f} s wall)"

"""The network view: one circle per neuron, one line per weight, coloured and sized by value,
deterministic, and readable for wide layers."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from nn import MLP, Layer, Neuron
from nn.network_view import NEGATIVE, POSITIVE, draw_network
from nn.plotting import draw_network as reexported

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def lines(root: ET.Element) -> dict[str, ET.Element]:
    return {e.get("id", ""): e for e in root.iter(f"{SVG}line") if e.get("id")}


def circles(root: ET.Element) -> dict[str, ET.Element]:
    return {e.get("id", ""): e for e in root.iter(f"{SVG}circle")}


def test_one_circle_per_neuron_and_one_line_per_weight() -> None:
    model = MLP(2, [16, 16, 1], seed=1337)
    root = parse(draw_network(model))
    assert len(circles(root)) == 2 + 16 + 16 + 1
    assert len(lines(root)) == 2 * 16 + 16 * 16 + 16
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"x0", "x1", "out", "layers.0", "layers.2", "16 relu", "1 linear"} <= set(texts)


def test_colour_and_width_follow_each_weight() -> None:
    model = MLP(2, [3, 1], seed=0)
    w = model.layers[0].neurons[1].w
    w[0].data, w[1].data = 2.0, -0.5  # the largest weight of the model, and a negative one
    for neuron in model.layers[0].neurons + model.layers[1].neurons:
        for p in neuron.w:
            if p is not w[0]:
                p.data = max(min(p.data, 1.0), -1.0)
    w[1].grad = 0.25
    edges = lines(parse(draw_network(model)))
    strong, weak = edges["e0-1-0"], edges["e0-1-1"]
    assert strong.get("stroke") == POSITIVE
    assert weak.get("stroke") == NEGATIVE
    assert float(strong.get("stroke-width", 0)) == pytest.approx(5.0)  # 0.4 + 4.6 * 1
    assert float(weak.get("stroke-width", 0)) == pytest.approx(0.4 + 4.6 * 0.25, abs=0.01)
    tip = weak.find(f"{SVG}title")
    assert tip is not None
    assert tip.text is not None
    assert "layers.0.neurons.1.w.1 = -0.5" in tip.text
    assert "d(loss)/dw = 0.25" in tip.text
    assert "from x1" in tip.text


def test_show_grad_colours_by_the_gradient() -> None:
    model = MLP(2, [2, 1], seed=0)
    for p in model.parameters():
        p.grad = 0.0
    model.layers[0].neurons[0].w[1].grad = -3.0
    model.layers[1].neurons[0].w[0].grad = 1.5
    edges = lines(parse(draw_network(model, show="grad")))
    assert edges["e0-0-1"].get("stroke") == NEGATIVE
    assert float(edges["e0-0-1"].get("stroke-width", 0)) == pytest.approx(5.0)
    assert edges["e1-0-0"].get("stroke") == POSITIVE
    assert float(edges["e1-0-0"].get("stroke-width", 0)) == pytest.approx(0.4 + 4.6 * 0.5)


def test_the_svg_is_deterministic_and_depends_only_on_the_model() -> None:
    first = draw_network(MLP(2, [4, 1], seed=3), title="t")
    second = draw_network(MLP(2, [4, 1], seed=3), title="t")
    assert first == second
    assert draw_network(MLP(2, [4, 1], seed=4), title="t") != first
    assert re.search(r"\d{4}-\d\d-\d\d|\d\d:\d\d:\d\d", first) is None  # no timestamp


def test_biases_fill_the_circles_and_titles_name_them() -> None:
    model = MLP(2, [2, 1], seed=0)
    model.layers[0].neurons[0].b.data = -1.0
    model.layers[0].neurons[1].b.data = 0.5
    nodes = circles(parse(draw_network(model)))
    assert nodes["n1-0"].get("fill") == NEGATIVE
    assert nodes["n1-1"].get("fill") == POSITIVE
    assert float(nodes["n1-0"].get("fill-opacity", 0)) > float(nodes["n1-1"].get("fill-opacity", 0))
    tip = nodes["n1-0"].find(f"{SVG}title")
    assert tip is not None
    assert tip.text is not None
    assert tip.text.startswith("layers.0.neurons.0 (relu)")


def test_a_wide_layer_keeps_its_largest_weights_and_says_so() -> None:
    model = MLP(64, [32, 10], seed=0)
    root = parse(draw_network(model, max_edges=100))
    edges = lines(root)
    first_layer = [e for name, e in edges.items() if name.startswith("e0-")]
    assert len(first_layer) == 100
    kept = sorted((abs(w.data) for n in model.layers[0].neurons for w in n.w), reverse=True)[:100]
    drawn = sorted(
        (
            abs(model.layers[0].neurons[int(j)].w[int(k)].data)
            for j, k in (name.split("-")[1:] for name in edges if name.startswith("e0-"))
        ),
        reverse=True,
    )
    assert drawn == kept
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "the 100 largest weights of 2048 drawn, 1948 smaller ones left out" in texts
    assert len(circles(root)) == 64 + 32 + 10  # every neuron is still there
    labels = {t.text for t in root.iter(f"{SVG}text")}
    assert {"x0", "x8", "x63"} <= labels
    assert "x1" not in labels  # a 64-input column is labelled every 8


def test_a_non_finite_weight_is_drawn_loud() -> None:
    model = MLP(2, [2, 1], seed=0)
    model.layers[0].neurons[0].w[0].data = float("nan")
    edges = lines(parse(draw_network(model)))
    assert edges["e0-0-0"].get("stroke") == "#d62728"
    assert edges["e0-1-0"].get("stroke") in (POSITIVE, NEGATIVE)


def test_a_layer_a_neuron_and_names() -> None:
    assert len(lines(parse(draw_network(Layer(3, 2, seed=0))))) == 6
    root = parse(draw_network(Neuron(3, seed=0), input_names=["a", "b", "c"], output_names=["y"]))
    assert {"a", "b", "c", "y"} <= {t.text for t in root.iter(f"{SVG}text")}
    assert reexported is draw_network


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(TypeError, match="MLP, a Layer or a Neuron"):
        draw_network(object())
    with pytest.raises(ValueError, match="show"):
        draw_network(MLP(2, [1], seed=0), show="bias")
    with pytest.raises(ValueError, match="2 inputs"):
        draw_network(MLP(2, [1], seed=0), input_names=["a"])
    with pytest.raises(ValueError, match="max_edges"):
        draw_network(MLP(2, [1], seed=0), max_edges=0)


def test_long_input_names_fit_in_the_picture() -> None:
    names = ["sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm"]
    root = parse(draw_network(MLP(4, [5, 3], seed=0), input_names=names))
    first_input = circles(root)["n0-0"]
    # The label ends 5 px left of the circle and needs ~7 px per character.
    assert float(first_input.get("cx", 0)) - 16 - 7 * len(names[0]) >= 0

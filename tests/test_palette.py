"""One colour language: the same sign is the same colour in every picture."""

import math
import re

import pytest

from autograd_engine import Value
from autograd_engine.palette import NEGATIVE, POSITIVE, ZERO, sign_colour
from nn import MLP
from nn.network_view import draw_network
from nn.plotting import class_colours


def test_signs_are_the_playgrounds_blue_and_orange() -> None:
    assert sign_colour(0.5) == POSITIVE == "#0877bd"
    assert sign_colour(-2.0) == NEGATIVE == "#e8710a"
    assert sign_colour(0.0) == sign_colour(-0.0) == ZERO
    with pytest.raises(ValueError, match="NaN has no sign"):
        sign_colour(math.nan)


def test_draw_dot_colours_each_edge_by_the_sign_of_the_term_it_carried_back() -> None:
    pytest.importorskip("graphviz")
    from autograd_engine.viz import draw_dot

    a, b = Value(2.0, "a"), Value(-3.0, "b")
    out = a * b  # d(out)/da = b < 0, d(out)/db = a > 0
    out.backward()
    edges = dict(re.findall(r"(n\d+) -> n2_op \[color=\"(#\w+)\"", draw_dot(out).source))
    assert edges == {"n0": NEGATIVE, "n1": POSITIVE}
    # A frame's gradients (the stepper's grads=) may be partial: no sign is claimed then.
    partial = draw_dot(out, grads={out: 1.0}).source
    assert re.findall(r"n\d+ -> n2_op \[(.*)\]", partial) == [
        'tooltip="∂(*#1)/∂a = b"',
        'tooltip="∂(*#1)/∂b = a"',
    ]


def test_draw_dot_and_draw_network_agree_on_every_weights_gradient() -> None:
    pytest.importorskip("graphviz")
    from autograd_engine.viz import draw_dot

    model = MLP(2, [2, 1], activation="tanh", seed=3)
    out = model([Value(0.5, "x0"), Value(-1.0, "x1")])
    assert isinstance(out, Value)
    out.backward()
    source = draw_dot(out).source
    svg = draw_network(model, show="grad")
    checked = 0
    for name, w in model.named_parameters():
        if ".w." not in name or w.grad == 0:
            continue
        where = re.match(r"layers\.(\d+)\.neurons\.(\d+)\.w\.(\d+)", name)
        assert where is not None, name
        layer, j, k = where.groups()
        line = re.search(rf'<line id="e{layer}-{j}-{k}"[^>]* stroke="(#\w+)"', svg)
        assert line is not None, name
        assert line[1] == sign_colour(w.grad), name
        node = re.search(rf'(n\d+) \[label="{re.escape(name)}\|', source)
        assert node is not None, name
        edge = re.search(rf"{node[1]} -> n\d+_op \[color=\"(#\w+)\"", source)
        assert edge is not None, name
        assert edge[1] == sign_colour(w.grad), name
        checked += 1
    assert checked >= 4


def test_two_classes_are_the_two_signs_of_the_score() -> None:
    assert class_colours(2) == (NEGATIVE, POSITIVE)
    assert POSITIVE not in class_colours(3)
    assert NEGATIVE not in class_colours(3)


def test_the_playgrounds_rate_slider_lands_on_the_rates_people_type() -> None:
    pytest.importorskip("ipywidgets")
    from nn.playground import LEARNING_RATES, Playground

    panel = Playground()
    assert panel.learning_rate.value == 0.03
    assert 0.03 in LEARNING_RATES
    assert 0.1 in LEARNING_RATES
    for label, rate in panel.learning_rate.options:
        assert float(label) == rate

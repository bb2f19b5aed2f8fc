"""Grouped drawings: one box per neuron or layer of an nn network."""

from __future__ import annotations

import re

import pytest

from autograd_engine import Value
from autograd_engine.graph import topological_order
from autograd_engine.viz import draw_dot
from autograd_engine.viz.group import group_nodes, group_outputs
from nn import MLP
from tests.examples import lecture_graph


def mlp_loss(examples: int = 1) -> tuple[Value, MLP]:
    model = MLP(2, [16, 16, 1], seed=1337)
    terms = []
    for k in range(examples):
        x = [Value(0.5 + k, f"x0#{k}"), Value(-1.0, f"x1#{k}")]
        terms.append((model(x) - 1.0) ** 2)
    loss = terms[0]
    for term in terms[1:]:
        loss = loss + term
    loss.label = "loss"
    loss.backward()
    return loss, model


def boxes(source: str) -> list[str]:
    return re.findall(r"^\s*(\w+) \[label=.*shape=record", source, flags=re.MULTILINE)


def test_a_whole_mlp_loss_draws_as_about_35_boxes() -> None:
    loss, _ = mlp_loss()
    order = topological_order(loss)
    assert len(order) > 900  # far too many to draw one by one
    source = draw_dot(loss, group="neuron").source
    # 33 neurons, the inputs x0 and x1, and the loss's two nodes (out - 1 and its square).
    assert len(boxes(source)) == 37
    assert sum(b.startswith("g") for b in boxes(source)) == 33
    assert len(boxes(draw_dot(loss, group="layer").source)) == 3 + 2 + 2


def test_a_group_box_shows_its_output_and_its_size() -> None:
    loss, _ = mlp_loss()
    order = topological_order(loss)
    groups = group_nodes(order, "neuron")
    last = "layers.2.neurons.0"
    (output,) = group_outputs(order, groups)[last]
    assert groups[output] == last
    # 16 weights, 16 products, 16 sums, the bias: 49 nodes, and no activation (linear).
    assert sum(1 for name in groups.values() if name == last) == 49
    source = draw_dot(loss, group="neuron").source
    (line,) = [s for s in source.splitlines() if s.strip().startswith("g32 [label=")]
    assert last in line  # the last neuron computed is the last group, g32
    assert r"49\ nodes" in line
    assert f"data\\ {output.data:.4g}" in line
    assert 'class="value group output"' not in line  # the loss, not the neuron, is the root


def test_a_layer_box_lists_each_neuron_output() -> None:
    loss, _ = mlp_loss()
    order = topological_order(loss)
    groups = group_nodes(order, "layer")
    assert sorted(set(groups.values())) == ["layers.0", "layers.1", "layers.2"]
    outputs = group_outputs(order, groups)
    assert [len(outputs[name]) for name in ("layers.0", "layers.1", "layers.2")] == [16, 16, 1]
    source = draw_dot(loss, group="layer").source
    assert r"neurons.15\ \ data" in source


def test_groups_are_joined_by_one_edge_per_pair() -> None:
    loss, _ = mlp_loss()
    source = draw_dot(loss, group="layer").source
    group_edges = re.findall(r"^\s*(g\d+) -> (g\d+)$", source, flags=re.MULTILINE)
    assert group_edges == [("g0", "g1"), ("g1", "g2")]  # layer 0 -> layer 1 -> layer 2


def test_each_call_of_a_network_is_its_own_group() -> None:
    loss, _ = mlp_loss(examples=2)
    names = set(group_nodes(topological_order(loss), "layer").values())
    assert names == {f"layers.{i}{s}" for i in range(3) for s in ("", "#2")}


def test_focus_and_depth_work_on_groups() -> None:
    loss, _ = mlp_loss()
    order = topological_order(loss)
    groups = group_nodes(order, "layer")
    hidden = next(node for node in order if groups.get(node) == "layers.1")
    source = draw_dot(loss, group="layer", focus=hidden, depth=1).source
    assert len(boxes(source)) == 3  # layer 1 and the layers on either side
    assert "cut" in source  # layer 0's inputs and layer 2's consumer are left out
    highlighted = draw_dot(loss, group="layer", highlight=hidden).source
    (line,) = [s for s in highlighted.splitlines() if "highlighted" in s]
    assert "layers.1" in line


def test_grouping_a_graph_without_scopes_says_how_to_get_them() -> None:
    loss, _ = lecture_graph()
    with pytest.raises(ValueError, match="no node of this graph was made inside a 'neuron'"):
        draw_dot(loss, group="neuron")
    loss, _ = mlp_loss()
    with pytest.raises(ValueError, match=r"the kinds in it are \['layer', 'mlp', 'neuron'\]"):
        draw_dot(loss, group="block")
    with pytest.raises(ValueError, match="scope kind"):
        group_nodes(topological_order(loss), "")


def test_constants_are_no_boxes_and_no_rows() -> None:
    x = Value(3.0, "x")
    y = (x * 0.01 + 1) ** 2
    y.label = "y"
    source = draw_dot(y).source
    assert len(boxes(source)) == 4  # x, the product, the sum and y: no box for 0.01, 1
    assert 'label="* 0.01"' in source
    assert 'label="+ 1"' in source
    from autograd_engine.viz import graph_text

    assert len(graph_text(y).splitlines()) == 4  # y, the sum, the product, x
    assert [line.split()[-1] for line in graph_text(y).splitlines()[1:]] == [
        "2·(+#1)^(1)",  # rows end with their local derivatives...
        "1",
        "0.01",  # ...which may be a constant (d(x*0.01)/dx), but a constant has no row
    ]


def test_neurons_are_drawn_in_natural_order_down_each_layer() -> None:
    loss, _ = mlp_loss()
    source = draw_dot(loss, group="neuron").source
    declared = re.findall(r'^\s*g\d+ \[label="(layers\.0\.neurons\.\d+)\|', source, flags=re.M)
    assert declared == [f"layers.0.neurons.{j}" for j in range(16)]  # 2 before 10
    assert "ordering=out" in source  # so Graphviz keeps that order instead of rotating it


def test_weights_shared_by_several_calls_are_left_out_of_grouped_drawings() -> None:
    loss, model = mlp_loss(examples=2)
    order = topological_order(loss)
    groups = group_nodes(order, "neuron")
    weight = model.layers[0].neurons[0].w[0]
    assert weight not in groups  # read by both examples' calls: in neither group
    source = draw_dot(loss, group="neuron").source
    # 2 x 33 neuron calls, 4 inputs, 2 x 2 loss terms and the sum of the two: no weight boxes.
    assert len(boxes(source)) == 66 + 4 + 4 + 1
    assert "layers.0.neurons.0.w.0" not in source
    ungrouped = draw_dot(loss, max_nodes=2000).source
    assert ungrouped.count('label="layers.0.neurons.0.w.0|') == 1  # ungrouped: one box


def test_an_unrolled_rnn_groups_one_box_per_time_step() -> None:
    from nn.rnn import RNNCell

    cell = RNNCell(2, 3, seed=0)
    xs = [[Value(0.1 * t, f"x{t}.0"), Value(-0.2 * t, f"x{t}.1")] for t in range(4)]
    state = cell.unroll(xs)[-1]
    loss = state[0] + state[1] + state[2]
    groups = group_nodes(topological_order(loss), "rnncell")
    assert sorted(set(groups.values())) == ["rnncell", "rnncell#2", "rnncell#3", "rnncell#4"]
    assert groups[state[0]] == "rnncell#4"  # numbered in the order the steps ran
    source = draw_dot(loss, group="rnncell").source
    assert re.findall(r"^\s*(g\d+) -> (g\d+)$", source, flags=re.M) == [
        ("g0", "g1"),
        ("g1", "g2"),
        ("g2", "g3"),
    ]

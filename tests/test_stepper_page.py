"""The stepper's frames as data: forward, backward and update frames, tracked arrivals, rule
captions, constants, and the one layout every frame is drawn on."""

from __future__ import annotations

import dataclasses
import re

import pytest

from autograd_engine import Value
from autograd_engine.viz import BackwardStepper, layout
from autograd_engine.viz.format import format_number
from autograd_engine.viz.frame_model import Frame
from autograd_engine.viz.frame_svg import layout_boxes
from tests.examples import lecture_graph


def neuron() -> tuple[Value, dict[str, Value]]:
    """The lecture's tanh neuron: o = tanh(x1*w1 + x2*w2 + b) = 1/sqrt(2), so do/dw2 = x2 = 0."""
    v = {
        "x1": Value(2.0, "x1"),
        "x2": Value(0.0, "x2"),
        "w1": Value(-3.0, "w1"),
        "w2": Value(1.0, "w2"),
        "b": Value(6.8813735870195432, "b"),
    }
    n = v["x1"] * v["w1"] + v["x2"] * v["w2"] + v["b"]
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    v.update(n=n, o=o)
    return o, v


def state(stepper: BackwardStepper, frame: int) -> dict[tuple[int, str], str]:
    """Every (node, field) -> text after frames 0..frame, applied as the page applies them."""
    fields: dict[tuple[int, str], str] = {}
    for past in stepper.page_data()["frames"][: frame + 1]:
        for i, field, text in past["changes"]:
            fields[i, field] = text
    return fields


def backward_frame(stepper: BackwardStepper, k: int) -> int:
    return next(i for i, f in enumerate(stepper.frames) if f.phase == "backward" and f.number == k)


def changes(stepper: BackwardStepper, k: int) -> list[tuple[int, str, str]]:
    return [tuple(c) for c in stepper.page_data()["frames"][k]["changes"]]  # type: ignore[misc]


# --- forward ---------------------------------------------------------------------------


def test_forward_frames_compute_the_nodes_in_topological_order() -> None:
    o, _ = neuron()
    stepper = BackwardStepper(o)
    forward = [f for f in stepper.frames if f.phase == "forward"]
    computed = [node for node in stepper.nodes if not node.is_leaf]
    assert len(forward) == len(computed) + 1
    assert [stepper.nodes[f.firing] for f in forward[1:]] == computed  # type: ignore[index]
    first = state(stepper, 0)
    for i, node in enumerate(stepper.nodes):
        expected = f"data {format_number(node.data)}" if node.is_leaf else "data ?"
        assert first[i, "data"] == expected
    for j, frame in enumerate(forward[1:], start=1):
        assert frame.firing is not None
        node = stepper.nodes[frame.firing]
        # The frame makes exactly its node's data appear, nothing else.
        assert {(i, field) for i, field, _ in changes(stepper, j)} == {
            (frame.firing, "data"),
            (frame.firing, "state"),
        }
        assert state(stepper, j)[frame.firing, "data"] == f"data {format_number(node.data)}"
    assert stepper.caption(5) == "forward 5/5: o = tanh(n) = tanh(0.8814) = 0.7071"
    assert stepper.caption(3).endswith("= (-6) + 0 = -6")


# --- backward --------------------------------------------------------------------------


def test_backward_frames_follow_the_steps_and_focus_on_the_firing_node_and_its_inputs() -> None:
    loss, v = lecture_graph()
    stepper = BackwardStepper(loss)
    backward = [f for f in stepper.frames if f.phase == "backward"]
    assert len(backward) == len(stepper.steps) + 1
    assert backward[0].firing is None  # the seed
    assert [stepper.nodes[f.firing] for f in backward[1:]] == [  # type: ignore[index]
        step.node for step in stepper.steps
    ]
    e = stepper.page_data()["frames"][backward[3].index]
    assert [stepper.nodes[i] for i in e["focus"]] == [v["e"], v["a"], v["b"]]
    assert e["edges"] == [("n2_e0", "-2 × -3 = 6"), ("n2_e1", "-2 × 2 = -4")]


def test_captions_write_the_rule_from_the_op_table_with_names_and_numbers() -> None:
    o, v = neuron()
    n = v["n"]
    # The op table's text, as the step-names work fills it in: d tanh(x)/dx = 1 - out².
    o._op = dataclasses.replace(o._op, derivative_text=("1 - out²",))  # type: ignore[arg-type]
    stepper = BackwardStepper(o)
    assert stepper.caption(stepper.fired(o)).split("\n") == [
        "backward 1/5: o = tanh(n) fired, with ∂o/∂o = 1 complete (the seed).",
        "  to n: local ∂o/∂n = 1 - o² = 0.5; sent 1 × 0.5 = 0.5; "
        "∂o/∂n = 0.5, its only term arrived",
    ]
    assert "∂o/∂n = 0.5 complete" in stepper.caption(stepper.fired(n))


def test_without_a_derivative_text_the_caption_gives_the_value_alone() -> None:
    o, _ = neuron()
    o._op = dataclasses.replace(o._op, derivative_text=())  # type: ignore[arg-type]
    stepper = BackwardStepper(o)
    assert "local ∂o/∂n = 0.5; sent" in stepper.caption(stepper.fired(o))


def test_a_node_with_two_consumers_shows_its_running_sum() -> None:
    a = Value(3.0, "a")
    u = a * 2.0
    u.label = "u"
    w = a * 4.0
    w.label = "w"
    y = u + w
    y.label = "y"
    stepper = BackwardStepper(y)
    first, second = (stepper.caption(backward_frame(stepper, k)) for k in (2, 3))
    # The order of u and w follows the backward pass; either way the sum builds up.
    assert re.search(r"∂y/∂a = [24], 1 of 2 terms arrived", first)
    assert re.search(r"∂y/∂a = (2 \+ 4|4 \+ 2) = 6, both terms arrived", second)
    k = backward_frame(stepper, 2)
    i = stepper.nodes.index(a)
    partial = state(stepper, k)
    assert partial[i, "arrival"] == "partial"
    assert partial[i, "terms"] == "1 of 2"
    assert re.fullmatch(r"grad [24] \(1/2\)", partial[i, "grad"])
    done = state(stepper, backward_frame(stepper, 3))
    assert (done[i, "arrival"], done[i, "terms"], done[i, "grad"]) == (
        "complete",
        "2 of 2",
        "grad 6",
    )


def test_an_exactly_zero_gradient_that_arrived_shows_as_arrived() -> None:
    o, v = neuron()
    stepper = BackwardStepper(o)
    last = stepper.backward_end
    w2 = v["w2"]
    assert stepper.grads(last)[w2] == 0.0
    assert stepper.terms_arrived(last)[w2] == (1, 1)
    final = state(stepper, last)
    i = stepper.nodes.index(w2)
    assert (final[i, "arrival"], final[i, "grad"]) == ("complete", "grad 0")
    # Before its term arrives there is no 0.0 at all: "nothing yet".
    start = stepper.backward_start
    assert w2 not in stepper.grads(start)
    assert (state(stepper, start)[i, "arrival"], state(stepper, start)[i, "grad"]) == (
        "waiting",
        "grad –",
    )
    assert stepper.terms_arrived(start)[w2] == (0, 1)
    assert '<text id="n4_grad" class="grad complete"' in stepper.svg(last)


# --- update ----------------------------------------------------------------------------


def test_the_update_frame_moves_each_parameter_against_its_gradient() -> None:
    o, v = neuron()
    params = [v["w1"], v["w2"], v["b"]]
    stepper = BackwardStepper(o, lr=0.1, params=params)
    (update,) = [f for f in stepper.frames if f.phase == "update"]
    grads = stepper.grads(stepper.backward_end)
    after = state(stepper, update.index)
    for p in stepper.nodes:
        i = stepper.nodes.index(p)
        if p in params:
            assert after[i, "data"] == f"data {format_number(p.data - 0.1 * grads[p])}"
            assert after[i, "state"] == "updated"
        elif p.is_leaf:
            assert after[i, "data"] == f"data {format_number(p.data)}"  # inputs stay
            assert after[i, "state"] == ""
    assert [m.name for m in update.moves] == ["w1", "w2", "b"]
    assert "w1: -3 - 0.1 × 1 = -3.1" in stepper.caption(update.index)
    assert v["w1"].data == -3.0  # nothing real was touched


def test_no_learning_rate_no_update_frame() -> None:
    o, _ = neuron()
    assert {f.phase for f in BackwardStepper(o).frames} == {"forward", "backward"}


def test_params_must_be_in_the_graph() -> None:
    o, _ = neuron()
    with pytest.raises(ValueError, match="not in the graph"):
        BackwardStepper(o, lr=0.1, params=[Value(1.0)])


# --- constants -------------------------------------------------------------------------


def test_constants_get_no_box_no_gradient_and_are_written_in_their_op() -> None:
    x = Value(0.5, "x")
    y = (x * 0.01).tanh()
    y.label = "y"
    stepper = BackwardStepper(y)
    assert all(not node.is_constant for node in stepper.nodes)
    assert len(stepper.nodes) == 3
    assert set(stepper.grads(stepper.backward_end)) == set(stepper.nodes)
    svg = stepper.layout()
    assert re.search(r'<g id="n1_op" class="node op">.*?>\* 0\.01</text>', svg, re.DOTALL)
    assert "n1_e1" not in svg  # no edge from the constant
    caption = stepper.caption(stepper.fired(y.parents[0]))
    assert "to x:" in caption
    assert "0.01:" not in caption


# --- one layout ------------------------------------------------------------------------


def geometry(svg: str) -> str:
    """The SVG without texts and classes: what would move if the layout changed."""
    svg = re.sub(r">[^<]*</text>", "></text>", svg)
    svg = re.sub(r'class="[^"]*"', "", svg)
    return re.sub(r"<title>[^<]*</title>", "", svg)


def test_every_frame_is_drawn_on_one_layout_made_by_one_dot_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = []
    real = layout.svg_from_dot
    monkeypatch.setattr(layout, "svg_from_dot", lambda source: calls.append(1) or real(source))
    o, v = neuron()
    stepper = BackwardStepper(o, lr=0.1, params=[v["w1"], v["w2"], v["b"]])
    svgs = [stepper.svg(k) for k in range(len(stepper))]
    stepper.html()
    assert len(calls) == 1
    assert len({geometry(svg) for svg in svgs}) == 1
    assert len(set(svgs)) == len(svgs)  # while every frame shows something new


def test_boxes_are_as_wide_as_the_widest_text_they_will_hold() -> None:
    o, v = neuron()
    stepper = BackwardStepper(o, lr=0.1, params=[v["w1"]])
    source = layout.dot_source(layout_boxes(stepper.frames, stepper._boxes, 9, 4))
    # w1's box reserves room for its updated data, x1's for its gradient.
    assert r'label="{w1|data\ -3.1|' in source
    assert r'label="{x1|data\ 2|grad\ -1.5}"' in source


def test_the_page_size_grows_with_frames_times_changes_not_frames_times_nodes() -> None:
    def chain(length: int) -> Value:
        x = Value(0.3, "x")
        for _ in range(length):
            x = x.sin()
        return x

    small, big = (len(BackwardStepper(chain(n)).html()) for n in (20, 80))
    # 4x the nodes and 4x the frames: a page storing an SVG per frame would grow 16x.
    assert big < 5 * small


def test_a_static_frame_draws_the_neighbourhood_of_the_firing_node() -> None:
    x = Value(0.1, "x")
    for _ in range(40):
        x = x.sin()
    stepper = BackwardStepper(x)
    k = stepper.backward_start + 20
    drawing = stepper.static_frame(k, depth=1)
    boxes = re.findall(r'<g id="n\d+" class="node value', drawing)
    assert len(boxes) == 3  # the firing node, its input and its consumer
    assert stepper.caption(k).split("\n")[0] in drawing
    # The same texts and marks as the page's frame k.
    firing = stepper.frames[k].firing
    assert firing is not None
    page = state(stepper, k)
    assert f">{page[firing, 'grad']}</text>" in drawing


def test_frames_are_plain_data() -> None:
    o, _ = neuron()
    frame = BackwardStepper(o).frames[0]
    assert isinstance(frame, Frame)
    with pytest.raises(dataclasses.FrozenInstanceError):
        frame.phase = "x"  # type: ignore[misc]


def test_a_large_graph_is_laid_out_with_cheaper_settings() -> None:
    box = layout.NodeBox("x", "leaf", "data 1", "grad 1", "", ())
    op = layout.NodeBox("y", "output", "data 1", "grad 1", "sin", (0,), ("1 × 0.5 = 0.5",))
    small = layout.dot_source([box, op])
    large = layout.dot_source([box] * layout.LARGE + [op])
    assert 'label="1 × 0.5 = 0.5"' in small
    assert "xlabel" not in small
    assert 'xlabel="1 × 0.5 = 0.5"' in large
    assert "mclimit" in large

"""BackwardStepper: the backward pass as frames, checked against backward() and known numbers."""

from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_engine import Value
from autograd_engine.viz import BackwardStepper
from autograd_engine.viz.stepper_group import symbol as _symbol
from tests.examples import lecture_graph

# --- random graphs with shared nodes -----------------------------------------------------

UNARY = {
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "sin": lambda a: a.sin(),
    "square": lambda a: a**2,
    "neg": lambda a: -a,
    "relu": lambda a: a.relu(),
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
}


@st.composite
def graphs(draw: st.DrawFn) -> Value:
    """A random DAG: each new node applies an op to earlier nodes, so nodes get reused."""
    leaves = draw(st.lists(st.floats(-2, 2, allow_nan=False), min_size=1, max_size=4))
    nodes = [Value(x, f"x{i}") for i, x in enumerate(leaves)]
    for _ in range(draw(st.integers(1, 12))):
        pick = st.integers(0, len(nodes) - 1)
        if draw(st.booleans()):
            op = draw(st.sampled_from(sorted(UNARY)))
            nodes.append(UNARY[op](nodes[draw(pick)]))
        else:
            op = draw(st.sampled_from(sorted(BINARY)))
            nodes.append(BINARY[op](nodes[draw(pick)], nodes[draw(pick)]))
    return nodes[-1]


@settings(max_examples=150, deadline=None)
@given(graphs(), st.sampled_from([1.0, -0.5, 3.0]))
def test_the_last_backward_frame_equals_backward(root: Value, seed: float) -> None:
    stepper = BackwardStepper(root, gradient=seed)
    last = stepper.grads(stepper.backward_end)
    root.backward(seed)
    assert {node: node.grad for node in stepper.nodes} == last


@settings(max_examples=150, deadline=None)
@given(graphs())
def test_each_backward_frame_adds_one_rule_and_a_node_fires_only_when_complete(
    root: Value,
) -> None:
    stepper = BackwardStepper(root)
    final = stepper.grads(stepper.backward_end)
    start = stepper.backward_start
    for k, step in enumerate(stepper.steps):
        before, after = stepper.grads(start + k), stepper.grads(start + k + 1)
        assert stepper.firing(start + k + 1) == step
        # Every term has arrived before the node fires: its gradient is already final.
        assert before[step.node] == step.grad == final[step.node]
        expected = dict(before)
        for parent, term in zip(step.node.parents, step.parent_grads, strict=True):
            if not parent.is_constant:  # constants get no gradient and no frame
                expected[parent] = expected.get(parent, 0.0) + term
        assert after == expected


def test_backward_frame_zero_holds_only_the_seed() -> None:
    x = Value(0.3, "x")
    y = (x * x).tanh()
    stepper = BackwardStepper(y, gradient=2.5)
    assert stepper.grads(stepper.backward_start) == {y: 2.5}  # nothing else has arrived


def test_one_numbering_forward_backward() -> None:
    a, b = Value(1.0), Value(2.0)
    y = (a * b + a).sin()  # nodes: a, b, a*b, +, sin: 3 computed, 3 steps
    stepper = BackwardStepper(y)
    assert [(f.phase, f.number) for f in stepper.frames] == [
        *(("forward", j) for j in range(4)),
        *(("backward", k) for k in range(4)),
    ]
    assert len(stepper) == len(stepper.frames) == 8
    assert [f.index for f in stepper.frames] == list(range(8))


def test_a_leaf_root_has_no_steps() -> None:
    x = Value(4.0, "x")
    stepper = BackwardStepper(x)
    assert len(stepper) == 2  # forward 0 and the seed
    assert stepper.grads(1) == {x: 1.0}
    assert stepper.firing(1) is None


# --- the micrograd lecture's graph, frame by frame -----------------------------------------


def lecture() -> tuple[BackwardStepper, dict[str, Value]]:
    loss, nodes = lecture_graph()
    return BackwardStepper(loss), nodes


def test_lecture_graph_frames() -> None:
    stepper, v = lecture()
    assert [step.node.label for step in stepper.steps] == ["L", "d", "e"]
    start = stepper.backward_start

    def named(k: int) -> dict[str, float | None]:
        return {name: stepper.grads(start + k).get(node) for name, node in v.items()}

    none = None
    assert named(0) == {"a": none, "b": none, "c": none, "d": none, "e": none, "f": none, "L": 1}
    assert named(1) == {"a": none, "b": none, "c": none, "d": -2, "e": none, "f": 4, "L": 1}
    assert named(2) == {"a": none, "b": none, "c": -2, "d": -2, "e": -2, "f": 4, "L": 1}
    assert named(3) == {"a": 6, "b": -4, "c": -2, "d": -2, "e": -2, "f": 4, "L": 1}


def test_lecture_captions_say_what_was_sent_in_the_past_tense() -> None:
    stepper, v = lecture()
    k = stepper.fired(v["e"])
    lines = stepper.caption(k).split("\n")
    assert lines[0] == (
        "backward 3/3: e = a * b fired, with ∂L/∂e = -2 complete (its only term arrived)."
    )
    assert lines[1] == (
        "  to a: local ∂e/∂a = b = -3; sent -2 × -3 = 6; ∂L/∂a = 6, its only term arrived"
    )
    assert lines[2] == (
        "  to b: local ∂e/∂b = a = 2; sent -2 × 2 = -4; ∂L/∂b = -4, its only term arrived"
    )
    assert lines[3].startswith("Done: every node holds ∂L/∂node")


def marked_edge_labels(svg: str) -> list[str]:
    """The label of each edge sending a chain-rule term in this frame."""
    blocks = re.findall(r'<g id="n\d+_e\d+" class="edge sending">(.*?)</g>', svg, flags=re.DOTALL)
    return [" ".join(re.findall(r"<text[^>]*>([^<]*)</text>", block)) for block in blocks]


def highlighted_ids(svg: str) -> list[str]:
    return re.findall(r'<g id="(n\d+)" class="node value [^"]*\bfiring\b', svg)


def test_a_frame_marks_the_firing_node_and_the_terms_it_sent() -> None:
    stepper, v = lecture()
    svg = stepper.svg(stepper.fired(v["e"]))
    assert highlighted_ids(svg) == ["n2"]  # e, third in topological order
    assert sorted(marked_edge_labels(svg)) == ["&#45;2 × &#45;3 = 6", "&#45;2 × 2 = &#45;4"]
    assert "backward 3/3: e = a * b fired" in svg
    assert '<text id="n0_grad" class="grad complete"' in svg  # a's term arrived
    assert ">grad 6</text>" in svg


def test_the_seed_frame_marks_nothing_and_shows_no_gradient_as_a_dash() -> None:
    stepper, _ = lecture()
    svg = stepper.svg(stepper.backward_start)
    assert highlighted_ids(svg) == []
    assert marked_edge_labels(svg) == []
    assert re.search(r"<text id=\"n0_grad\" class=\"grad waiting\"[^>]*>grad –</text>", svg)


def test_frames_are_the_same_every_run() -> None:
    first, _ = lecture()
    second, _ = lecture()
    assert [first.svg(k) for k in range(len(first))] == [second.svg(k) for k in range(len(second))]


def test_a_node_used_twice_gets_two_terms_in_one_step() -> None:
    x = Value(3.0, "x")
    y = x * x
    y.label = "y"
    stepper = BackwardStepper(y)
    k = stepper.fired(y)
    assert stepper.grads(k)[x] == 6.0
    assert sorted(marked_edge_labels(stepper.svg(k))) == ["1 × 3 = 3", "1 × 3 = 3"]
    assert "∂y/∂x = 3 + 3 = 6, both terms arrived" in stepper.caption(k)


def test_names_with_symbols_are_bracketed_in_captions() -> None:
    x = Value(0.5, "x")
    h = x.tanh()
    h.label = "tanh(x)"
    y = h * 2
    stepper = BackwardStepper(y)
    assert f"∂({stepper.name(y)})/∂(tanh(x)) = 2 complete" in stepper.caption(stepper.fired(h))


def test_unlabelled_nodes_are_described_by_how_they_were_made() -> None:
    a, b = Value(2.0, "a"), Value(3.0, "b")
    y = ((a * b) ** 2).relu()
    stepper = BackwardStepper(y)
    product, square = y.parents[0], y.parents[0].parents[0]
    name = stepper.name
    assert [stepper.caption(stepper.fired(n)).split(" fired")[0] for n in (y, product, square)] == [
        f"backward 1/3: {name(y)} = relu({name(product)})",
        f"backward 2/3: {name(product)} = {_symbol(name(square))}**2",
        f"backward 3/3: {name(square)} = a * b",
    ]
    assert len({name(y), name(product), name(square)}) == 3


def test_a_power_rule_is_written_as_on_a_board() -> None:
    a = Value(3.0, "a")
    y = a**2
    y.label = "y"
    stepper = BackwardStepper(y)
    assert "local ∂y/∂a = 2·a = 6" in stepper.caption(stepper.fired(y))


@pytest.mark.parametrize(("k", "error"), [(-1, IndexError), (8, IndexError), (1.0, TypeError)])
def test_frame_numbers_are_checked(k: object, error: type[Exception]) -> None:
    stepper, _ = lecture()
    with pytest.raises(error, match="frame"):
        stepper.grads(k)  # type: ignore[arg-type]


def test_root_must_be_a_value() -> None:
    with pytest.raises(TypeError, match="root must be a Value"):
        BackwardStepper(2.0)  # type: ignore[arg-type]


def test_too_big_a_graph_is_refused_up_front() -> None:
    x = Value(0.1)
    for _ in range(30):
        x = x.sin()
    with pytest.raises(ValueError, match="31 Value nodes, more than max_nodes=20"):
        BackwardStepper(x, max_nodes=20)


def test_bad_drawing_options_are_refused_up_front() -> None:
    with pytest.raises(ValueError, match="rankdir"):
        BackwardStepper(Value(1.0) * 2, rankdir="sideways")


# --- Mazur's "A Step by Step Backpropagation Example" --------------------------------------


def mazur() -> tuple[Value, dict[str, Value]]:
    """The 2-2-2 logistic network of Matt Mazur's worked example, error 1/2 sum of squares."""
    i1, i2 = Value(0.05, "i1"), Value(0.10, "i2")
    w = {
        f"w{k + 1}": Value(x, f"w{k + 1}")
        for k, x in enumerate([0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55])
    }
    b1, b2 = Value(0.35, "b1"), Value(0.60, "b2")
    h1 = (w["w1"] * i1 + w["w2"] * i2 + b1).sigmoid()
    h2 = (w["w3"] * i1 + w["w4"] * i2 + b1).sigmoid()
    o1 = (w["w5"] * h1 + w["w6"] * h2 + b2).sigmoid()
    o2 = (w["w7"] * h1 + w["w8"] * h2 + b2).sigmoid()
    error = 0.5 * (0.01 - o1) ** 2 + 0.5 * (0.99 - o2) ** 2
    error.label = "E"
    return error, w


def test_mazur_network_numbers() -> None:
    error, w = mazur()
    assert abs(error.data - 0.298371109) < 1e-9
    stepper = BackwardStepper(error, precision=9)
    grads = stepper.grads(stepper.backward_end)
    # The gradients the post prints, and the weights after its step of learning rate 0.5.
    assert abs(grads[w["w5"]] - 0.082167041) < 1e-9
    assert abs(grads[w["w1"]] - 0.000438568) < 1e-9
    updated = {name: weight.data - 0.5 * grads[weight] for name, weight in w.items()}
    published = {
        "w1": 0.149780716, "w2": 0.19956143, "w3": 0.24975114, "w4": 0.29950229,
        "w5": 0.35891648, "w6": 0.408666186, "w7": 0.511301270, "w8": 0.561370121,
    }  # fmt: skip
    for name, value in published.items():
        assert math.isclose(updated[name], value, abs_tol=5e-9), name
    error.backward()
    assert all(grads[weight] == weight.grad for weight in w.values())


# --- the notebook widget and the web page ---------------------------------------------------


def test_widget_shows_the_page_in_an_iframe() -> None:
    ipywidgets = pytest.importorskip("ipywidgets")
    stepper, _ = lecture()
    widget = stepper.widget()
    assert isinstance(widget, ipywidgets.HTML)
    match = re.search(r'<iframe srcdoc="([^"]*)"', widget.value)
    assert match is not None
    assert html.unescape(match[1]) == stepper.html()


def page_data(page: str) -> dict[str, Any]:
    match = re.search(r"const DATA = (.*);\n</script>", page)
    assert match is not None
    data: dict[str, Any] = json.loads(match[1])
    return data


def test_html_page_holds_one_svg_and_needs_no_network(tmp_path: Path) -> None:
    stepper, _ = lecture()
    path = stepper.to_html(tmp_path / "lecture.html", title="L <graph>")
    page = path.read_text(encoding="utf-8")
    assert "<title>L &lt;graph&gt;</title>" in page
    assert re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page) == []
    assert "<link" not in page
    assert "@import" not in page
    assert "url(" not in page
    assert "<script src" not in page
    assert page.count("<svg") == 1
    data = page_data(page)
    frames = data["frames"]
    assert len(frames) == len(stepper)
    for k, frame in enumerate(frames):
        assert frame["caption"] == stepper.caption(k)
    backward = frames[data["backward_start"] :]
    assert [frame["firing"] for frame in backward] == [None, 6, 4, 2]


def test_html_page_data_cannot_close_its_script_element(tmp_path: Path) -> None:
    x = Value(1.0, "</script><b>")
    page = BackwardStepper(x * 2).to_html(tmp_path / "page.html").read_text(encoding="utf-8")
    assert page.count("</script>") == 2  # the data's and the player's
    assert page_data(page)["nodes"][0]["name"] == "</script><b>"


def test_unlabelled_nodes_are_named_as_on_the_board_while_short() -> None:
    out, w, x = Value(0.75, "out"), Value(0.4, "w"), Value(0.6, "x")
    error = 0.5 * (0.99 - out) ** 2 + w * x
    stepper = BackwardStepper(error)
    names = [stepper.name(n) for n in stepper.nodes if not n.is_leaf]
    assert "0.99 − out" in names  # one node: subtraction is an op of its own
    assert "(0.99 − out)²" in names
    assert "w·x" in names
    # Too long, or built on a name that is itself only op#index: op and index.
    assert stepper.name(error).startswith("+#")
    long = Value(1.0, "a_rather_long_name") * Value(2.0, "another_long_name")
    assert BackwardStepper(long).name(long) == "*#1"
    k = stepper.fired(next(n for n in stepper.nodes if stepper.name(n) == "0.99 − out"))
    assert "local ∂(0.99 − out)/∂out = -1" in stepper.caption(k)


def test_board_names_bracket_what_binds_more_loosely() -> None:
    a, b, c = Value(2.0, "a"), Value(4.0, "b"), Value(1.0, "c")
    y = (a / b - (-c)) * (a + b)
    names = {BackwardStepper(y).name(n) for n in BackwardStepper(y).nodes}
    assert {"a/b", "−c", "a/b − (−c)", "a + b", "(a/b − (−c))·(a + b)"} <= names

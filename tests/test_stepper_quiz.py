"""The stepper's quiz without a browser: the questions, their answers, and how answers are judged.

Each question asks for one chain-rule term, incoming gradient × local derivative, and its answer
must be the engine's own number: summing the answers into their receivers has to reproduce
``backward()`` exactly.
"""

from __future__ import annotations

import json
import math
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd_engine import Value
from autograd_engine.viz import BackwardStepper
from autograd_engine.viz.quiz import ABS_TOL, REL_TOL, Question, grade, is_right, parse_answer
from tests.expressions import Tree, evaluate, trees, well_conditioned
from tests.test_stepper_group import mlp_loss


def tanh_neuron() -> Value:
    """The micrograd lecture's neuron, x1 used twice: o = tanh(x1*w1 + x2*w2 + b) + 0.1*x1."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh() + 0.1 * x1
    o.label = "o"
    return o


def labelled_neuron() -> tuple[Value, dict[str, Value]]:
    """o = tanh(x1*w1 + x2*w2 + b), every node labelled (the micrograd lecture's numbers)."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    x1w1 = x1 * w1
    x1w1.label = "x1w1"
    x2w2 = x2 * w2
    x2w2.label = "x2w2"
    s = x1w1 + x2w2
    s.label = "s"
    n = s + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b, "n": n}


def square() -> tuple[Value, Value]:
    """y = x * x: one node sends two terms to the same input."""
    x = Value(3.0, "x")
    y = x * x
    y.label = "y"
    return y, x


def find(stepper: BackwardStepper, sender: str, receiver: str) -> list[Question]:
    return [
        q
        for q in stepper.questions()
        if stepper.name(stepper.nodes[q.sender]) == sender
        and stepper.name(stepper.nodes[q.receiver]) == receiver
    ]


# --- the questions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make", [tanh_neuron, lambda: labelled_neuron()[0], lambda: square()[0]], ids=str
)
def test_the_answers_summed_into_their_receivers_are_what_backward_gives(make: object) -> None:
    root = make()  # type: ignore[operator]
    stepper = BackwardStepper(root, quiz=True)
    grads = dict.fromkeys(stepper.nodes, 0.0)
    grads[root] = 1.0
    for q in stepper.questions():
        grads[stepper.nodes[q.receiver]] += q.answer
    root.backward()
    for node in stepper.nodes:
        assert grads[node] == node.grad, stepper.name(node)  # exactly, same order of terms


@settings(max_examples=60, deadline=None)
@given(tree=trees(2, max_leaves=6), xs=st.lists(st.floats(-2.5, 2.5), min_size=2, max_size=2))
def test_on_random_expressions_the_answers_are_backwards_terms(tree: Tree, xs: list[float]) -> None:
    assume(tree[0] not in ("x", "c") and well_conditioned(tree, xs))
    inputs = [Value(x, f"x{i}") for i, x in enumerate(xs)]
    root = evaluate(tree, inputs, 0)
    stepper = BackwardStepper(root, quiz=True)
    grads = dict.fromkeys(stepper.nodes, 0.0)
    grads[root] = 1.0
    for q in stepper.questions():
        grads[stepper.nodes[q.receiver]] += q.answer
        assert grade(q, repr(q.answer)) == ("right", "")
        assert not any(is_right(value, q.answer) for value, _ in q.mistakes)
    root.backward()
    assert all(grads[node] == node.grad for node in stepper.nodes)


def test_one_question_per_edge_asked_at_the_frame_where_its_sender_fires() -> None:
    stepper = BackwardStepper(tanh_neuron(), quiz=True)
    asked = stepper.questions()
    edges = [
        (step.node, j)
        for step in stepper.steps
        for j, parent in enumerate(step.node.parents)
        if not parent.is_constant
    ]
    assert [(stepper.nodes[q.sender], q.edge) for q in asked] == [
        (node, f"n{stepper.nodes.index(node)}_e{j}") for node, j in edges
    ]
    for q in asked:
        frame = stepper.frames[q.frame]
        assert (frame.phase, frame.stage) == ("backward", "fires")
        assert frame.number == q.step
        assert frame.firing == q.sender
        assert q.receiver in frame.inputs
        step = stepper.steps[q.step - 1]
        assert q.incoming == step.grad
        assert math.isclose(q.answer, q.incoming * q.local, rel_tol=1e-12, abs_tol=1e-300)
        # Asked at the state before the node fires: the receiver has not got this term yet,
        # and the next frame is the same firing with the terms arrived.
        after = stepper.frames[q.frame + 1]
        assert (after.stage, after.firing) == ("sent", q.sender)
        assert frame.boxes[q.receiver].arrived < after.boxes[q.receiver].arrived
    # The constant 0.1 in o = tanh(n) + 0.1 * x1 is asked about nowhere.
    assert len(asked) == len(edges) == 12
    # A + passes its gradient on unchanged: filled in with a line saying so, not asked.
    given = [q for q in asked if q.given]
    assert len(given) == 6  # two edges each out of the three sums: o, n, x1*w1 + x2*w2
    assert all("passes its gradient on unchanged" in q.given for q in given)
    assert not any(q.given for q in BackwardStepper(tanh_neuron(), quiz="all").questions())


def test_a_question_shows_the_rule_from_the_op_table_and_the_product_with_numbers() -> None:
    root, _ = labelled_neuron()
    stepper = BackwardStepper(root, quiz=True)
    (tanh,) = find(stepper, "o", "n")
    assert tanh.rule == "∂o/∂n = 1 - o² = 0.5"
    assert tanh.product == "∂o/∂o × ∂o/∂n = 1 × 0.5 = 0.5"
    assert "∂o/∂o = 1 complete" in tanh.prompt
    assert "send to n?" in tanh.prompt
    assert "incoming gradient × the local derivative" in tanh.prompt
    (x1,) = find(stepper, "x1w1", "x1")
    assert x1.rule == "∂x1w1/∂x1 = w1 = -3"
    assert x1.product == "∂o/∂x1w1 × ∂x1w1/∂x1 = 0.5 × -3 = -1.5"
    assert math.isclose(x1.answer, -1.5)
    # A rule that is a plain number is not said twice ("= 1 = 1").
    (s,) = find(stepper, "n", "s")
    assert s.rule == "∂n/∂s = 1"


def test_a_node_using_one_input_twice_asks_once_per_edge_and_says_which() -> None:
    y, _ = square()
    stepper = BackwardStepper(y, quiz=True)
    first, second = stepper.questions()
    assert "send to x (its first input)?" in first.prompt
    assert "send to x (its second input)?" in second.prompt
    assert first.answer == second.answer == 3.0
    # After both arrive x holds 6; typing that for the second term is the running-sum slip.
    assert grade(second, "6") == (
        "wrong",
        "that is the whole sum ∂y/∂x after this term arrives: type only the one term sent "
        "along this edge",
    )


def test_classic_slips_are_named() -> None:
    root, _ = labelled_neuron()
    stepper = BackwardStepper(root, quiz=True)
    (x1,) = find(stepper, "x1w1", "x1")  # 0.5 × -3 = -1.5
    verdict = {text: grade(x1, text) for text in ("-3", "0.5", "1.5", "1", "-0.1667", "7")}
    assert verdict["-3"][1].startswith("that is the local derivative ∂x1w1/∂x1 alone")
    assert verdict["0.5"][1].startswith("that is the incoming gradient ∂o/∂x1w1 alone")
    assert verdict["1.5"][1].startswith("right size, wrong sign")
    assert verdict["1"][1].startswith("that is the term sent along the other edge, to w1")
    assert verdict["-0.1667"][1].startswith("that divides the incoming gradient")
    assert verdict["7"] == ("wrong", "")
    assert all(kind == "wrong" for kind, _ in verdict.values())


def test_a_slip_equal_to_the_answer_is_not_listed() -> None:
    # Through o's seed of 1, the local derivative alone IS the term: never call it a slip.
    root, _ = labelled_neuron()
    stepper = BackwardStepper(root, quiz=True)
    (tanh,) = find(stepper, "o", "n")
    assert all(not is_right(value, tanh.answer) for value, _ in tanh.mistakes)
    assert not any(why.startswith("that is the local derivative") for _, why in tanh.mistakes)
    assert grade(tanh, "0.5") == ("right", "")


# --- reading and judging an answer --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0.5", 0.5),
        (".5", 0.5),
        ("-1e-3", -0.001),
        ("+2", 2.0),
        ("5.", 5.0),
        ("  -1.5 ", -1.5),
        ("−0.25", -0.25),  # the typographic minus the captions print
        ("1E3", 1000.0),
        ("0", 0.0),
    ],
)
def test_numbers_as_people_type_them_are_read(text: str, value: float) -> None:
    assert parse_answer(text) == value


@pytest.mark.parametrize(
    "text",
    ["", "  ", "abc", "1,5", "1.2.3", "--1", "1e", "e3", ".", "nan", "inf", "1e999", "0.5x", "1/2"],
)
def test_anything_else_is_unreadable_and_says_what_to_type(text: str) -> None:
    assert parse_answer(text) is None
    y, _ = square()
    kind, why = grade(BackwardStepper(y, quiz=True).questions()[0], text)
    assert kind == "unreadable"
    assert "is not a number: type a decimal such as 0.5" in why


def test_the_tolerance_is_one_percent_relative_and_zero_only_for_zero() -> None:
    assert (REL_TOL, ABS_TOL) == (0.01, 1e-12)
    assert is_right(-1.5, -1.5)
    assert is_right(-1.514, -1.5)
    assert not is_right(-1.516, -1.5)
    # Small terms are judged relative to themselves: 0.0005 is 14 % off 0.000439.
    assert not is_right(0.0005, 0.000439)
    assert is_right(0.000441, 0.000439)
    assert not is_right(0.0, 9e-5)
    assert not is_right(1.234e-6, 1.2e-6)
    assert is_right(1.205e-6, 1.2e-6)
    # An exact zero is right only as 0.
    assert is_right(0.0, 0.0)
    assert not is_right(1e-4, 0.0)
    # A wrong sign is never right, however small the 1 % makes the gap look.
    assert not is_right(1.5, -1.5)


# --- the page's data and the stepper's options ------------------------------------------------


def page_data(html: str) -> dict[str, object]:
    match = re.search(r"const DATA = (.*);\n</script>", html)
    assert match is not None
    data = json.loads(match[1].replace("\\u003c", "<"))
    assert isinstance(data, dict)
    return data


def test_the_quiz_page_carries_every_question_and_its_script() -> None:
    stepper = BackwardStepper(tanh_neuron(), quiz=True)
    html = stepper.html()
    data = page_data(html)
    quiz = data["quiz"]
    assert isinstance(quiz, dict)
    assert quiz["rel_tol"] == REL_TOL
    assert quiz["abs_tol"] == ABS_TOL
    assert [q["answer"] for q in quiz["questions"]] == [q.answer for q in stepper.questions()]
    assert [q["frame"] for q in quiz["questions"]] == [q.frame for q in stepper.questions()]
    assert 'id="answer"' in html
    assert "window.stepperQuiz" in html
    assert "<title>Backpropagation quiz" in html


def test_a_page_without_quiz_has_no_quiz() -> None:
    html = BackwardStepper(tanh_neuron()).html()
    assert "quiz" not in page_data(html)
    assert 'id="answer"' not in html
    assert "stepperQuiz" not in html
    assert "<title>Stepping through backpropagation</title>" in html


def test_quiz_with_group_or_focus_is_refused_with_the_reason() -> None:
    loss, _, _ = mlp_loss([2, 3, 1])
    with pytest.raises(ValueError, match=r"group= shows boxes that each run many rules at once"):
        BackwardStepper(loss, group="neuron", quiz=True)
    with pytest.raises(ValueError, match=r"focus= shows part of the graph"):
        BackwardStepper(loss, focus=loss, depth=1, quiz=True)
    with pytest.raises(TypeError, match="quiz must be True, False or 'all'"):
        BackwardStepper(loss, quiz="yes")  # type: ignore[arg-type]


def test_an_infinite_term_is_refused_loudly() -> None:
    x, w = Value(math.inf, "x"), Value(2.0, "w")
    y = x * w
    y.label = "y"
    with pytest.raises(ValueError, match=r"the term y sends to w is inf .*needs finite numbers"):
        BackwardStepper(y, quiz=True).questions()


def test_a_leaf_has_nothing_to_ask() -> None:
    with pytest.raises(ValueError, match="is a leaf: there is no backward step to ask about"):
        BackwardStepper(Value(2.0, "x"), quiz=True)


def test_the_notebook_widget_holds_the_quiz_page() -> None:
    pytest.importorskip("ipywidgets")
    widget = BackwardStepper(square()[0], quiz=True).widget()
    assert "id=&quot;answer&quot;" in widget.value
    assert "window.stepperQuiz" in widget.value

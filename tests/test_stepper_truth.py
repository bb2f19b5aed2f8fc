"""One truth per frame: every number a caption states is the number the page and the still
picture show for that box at that frame, with the same marks ("–", "(1/2)", complete)."""

from __future__ import annotations

import pytest

from autograd_engine import Value
from autograd_engine.graph import topological_order
from autograd_engine.viz import BackwardStepper
from tests.stepper_truth import check_claims, page_state, svg_marks, svg_texts
from tests.test_stepper import mazur
from tests.test_stepper_group import mlp_loss


def lecture_neuron() -> BackwardStepper:
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh() + 0.1 * x1  # x1 used twice: two terms
    o.label = "o"
    return BackwardStepper(o, lr=0.1, params=[w1, w2, b])


def mazur_quiz() -> BackwardStepper:
    error, w = mazur()
    return BackwardStepper(error, quiz=True, precision=8, lr=0.5, params=list(w.values()))


def grouped_mlp() -> BackwardStepper:
    loss, _, _ = mlp_loss([2, 4, 4, 1])
    return BackwardStepper(loss, group="neuron", lr=0.1)


@pytest.mark.parametrize("make", [lecture_neuron, mazur_quiz, grouped_mlp])
def test_captions_pictures_and_page_agree_at_every_frame(make: object) -> None:
    stepper: BackwardStepper = make()  # type: ignore[operator]
    checked = 0
    for k in range(len(stepper)):
        shown = page_state(stepper, k)
        checked += check_claims(stepper, k, shown)
        svg = stepper.svg(k)
        texts = svg_texts(svg)
        marks = svg_marks(svg)
        for (box, field), text in texts.items():
            assert shown[box, field] == text, (k, stepper._boxes[box].name)
        if stepper.frames[k].phase == "backward":
            for box, mark in marks.items():
                assert mark == shown[box, "arrival"], (k, stepper._boxes[box].name)
    # The checks read real statements, many of them.
    assert checked > 2 * len(stepper.frames) // 3


def test_mazur_published_numbers_are_on_the_page_to_8_digits() -> None:
    stepper = mazur_quiz()
    names = {unit.name: i for i, unit in enumerate(stepper._boxes)}
    update = next(f.index for f in stepper.frames if f.phase == "update")
    shown = page_state(stepper, update)
    # Mazur's post: w5 and w1 after one step of 0.5, and the error before it.
    assert shown[names["w5"], "data"] == "data 0.35891648"
    assert shown[names["w1"], "data"] == "data 0.14978072"
    assert shown[names["E"], "data"] == "data 0.29837111"
    assert "0.35891648" in stepper.caption(update)
    last = stepper.caption(len(stepper) - 1)
    assert "from 0.29837111 to 0.29102777" in last


def test_a_node_reached_by_no_term_is_never_drawn_as_zero() -> None:
    stepper = lecture_neuron()
    start = stepper.backward_start
    shown = page_state(stepper, start)
    texts = svg_texts(stepper.svg(start))
    leaves = [i for i, n in enumerate(stepper.nodes) if n.is_leaf]
    for i in leaves:
        assert shown[i, "grad"] == texts[i, "grad"] == "grad –"
    assert all(
        node in stepper.nodes for node in topological_order(stepper.root) if not node.is_constant
    )

"""compare(): both engines' backward passes in the stepper, side by side, the first diverging
node marked and the caption saying what each engine did to it."""

from __future__ import annotations

import pytest

from autograd_engine import Value
from autograd_engine.grading import compare
from tests.grading_solutions.solutions import engine_source, load_engine

ADD_ASSIGNS = engine_source().replace(
    "self.grad += out.grad\n        other.grad += out.grad",
    "self.grad = out.grad\n        other.grad = out.grad",
)


def expression(x: float = 2.0, y: float = -3.0) -> object:
    return ((x + y) + x).tanh() * y  # type: ignore[operator, union-attr]


def test_a_right_engine_agrees_everywhere() -> None:
    comparison = compare(expression, load_engine())
    assert comparison.first_divergence is None
    assert comparison.caption == "The two engines agree at every node."
    ours, theirs = comparison.ours, comparison.theirs
    last = ours.backward_end
    assert [b.grad for b in ours.frames[last].boxes] == [b.grad for b in theirs.frames[last].boxes]
    assert comparison.html().count("<iframe") == 2


def test_the_first_divergence_is_marked_and_the_caption_shows_the_overwrite() -> None:
    comparison = compare(expression, load_engine(ADD_ASSIGNS))
    assert comparison.first_divergence == "y"
    assert "your t1 changed y.grad from 0.7616 to -1.26" in comparison.caption
    assert "t1 = x + y sends y -1.26 here" in comparison.caption
    page = comparison.html()
    assert f"#n{comparison.marked} polygon" in page
    # The learner's stepper ends with the learner's own gradient at y.
    theirs = comparison.theirs
    y_box = [theirs.name(n) for n in theirs.nodes].index("y")
    assert theirs.frames[theirs.backward_end].boxes[y_box].grad == pytest.approx((-1.26,), abs=1e-3)


def test_ops_that_are_two_nodes_here_are_refused_with_the_way_to_write_them() -> None:
    with pytest.raises(ValueError, match=r"a \+ \(-b\)"):
        compare(lambda x=2.0, y=1.0: x - y, load_engine())


def test_an_engine_without_backward_closures_is_refused_clearly() -> None:
    with pytest.raises(TypeError, match="_backward"):
        compare(lambda x=2.0: x * x, Value)


def test_a_leaf_without_a_number_is_refused() -> None:
    with pytest.raises(TypeError, match="give the leaf 'x' a number"):
        compare(lambda x: x * x, load_engine())


def test_an_input_used_twice_gets_the_learners_total_once() -> None:
    comparison = compare(lambda x=3.0: x * x, load_engine())
    assert comparison.first_divergence is None
    theirs = comparison.theirs
    x_box = [theirs.name(n) for n in theirs.nodes].index("x")
    assert theirs.frames[theirs.backward_end].boxes[x_box].grad == (6.0,)

"""Python's own tools on Values: what works, what is differentiable, and what refuses loudly.

* ``< <= > >=`` return plain bools of the data, so ``max``, ``min`` and ``sorted`` work and
  return the Value objects themselves (the gradient reaches the one chosen);
* ``==`` is identity (Values are dict keys): compare numbers with ``a.data == b.data``;
* ``sum(values)``, ``round(v)``, ``int(v)``, ``f"{v:.3f}"`` and ``v.item()`` work; the last
  four give plain numbers or strings, not differentiable;
* ``float(v)``, and so ``math.exp(v)``, ``math.floor(v)``, ``np.float64(v)``, raises
  ``TypeError`` saying what to use: a plain float would silently cut the graph;
* while a graph is recorded, ``item``, ``round``, ``int``, ``bool`` and the comparisons are
  guards, re-checked by a compiled replay.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import pytest

from autograd_engine import FrozenGraphError, Value, compile_graph, grad
from autograd_engine.guards import recording

HINT = r"v\.exp\(\).*v\.item\(\) or v\.data"


def test_comparisons_give_bools_of_the_data_and_equality_is_identity() -> None:
    a, b = Value(1.0), Value(1.0)
    assert (a < b, a <= b, a > b, a >= b) == (False, True, False, True)
    # Reflected too: 0.5 < a asks a > 0.5.
    assert (a < 2, 0.5 < a, a >= 1.0) == (True, True, True)  # noqa: SIM300
    assert all(type(result) is bool for result in (a < b, a <= 2.0, 3 > a))  # noqa: SIM300
    assert a != b
    assert a == a
    assert a.data == b.data
    assert {a: "first", b: "second"}[b] == "second"  # equal numbers, two keys


def test_max_min_and_sorted_return_the_values_so_the_gradient_reaches_the_chosen_one() -> None:
    a, b, c = Value(2.0), Value(-1.0), Value(5.0)
    assert max(a, b) is a
    assert min(a, b) is b
    assert sorted([a, b, c]) == [b, a, c]
    assert sorted([a, b, c], reverse=True)[0] is c
    y = max(a, b) * min(a, c)
    assert grad(y, [a, b, c]) == [4.0, 0.0, 0.0]


def test_sum_of_values_is_a_value_with_gradient_one_for_each_term() -> None:
    xs = [Value(float(i)) for i in range(4)]
    total = sum(xs)
    assert isinstance(total, Value)
    assert total.data == 6.0
    assert grad(total, xs) == [1.0] * 4
    assert sum(xs, Value(10.0)).data == 16.0


def test_round_int_and_item_give_plain_numbers() -> None:
    v = Value(2.675, label="v")
    assert round(v) == 3
    assert type(round(v)) is int
    assert round(v, 2) == round(2.675, 2)
    assert int(Value(-2.7)) == -2
    assert v.item() == 2.675
    assert type(v.item()) is float


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (".3f", "3.142"),
        ("8.2f", "    3.14"),
        (".2e", "3.14e+00"),
        ("", "Value(data=3.14159, grad=0.0)"),
    ],
)
def test_format_specs_format_the_number(spec: str, expected: str) -> None:
    v = Value(3.14159)
    assert format(v, spec) == expected
    assert f"{v:{spec}}" == expected


def test_f_strings_without_a_spec_are_str() -> None:
    v = Value(0.5, label="w")
    assert f"{v}" == str(v) == repr(v)
    assert format(v, ">6.1f") + "|" == "   0.5|"


@pytest.mark.parametrize(
    "look",
    [
        float,
        math.exp,
        math.floor,
        math.sqrt,
        math.isfinite,
        lambda v: "%.2f" % v,  # noqa: UP031 (old-style formatting also goes through float)
    ],
)
def test_float_and_everything_that_goes_through_it_raises_with_a_hint(
    look: Callable[[Value], Any],
) -> None:
    with pytest.raises(TypeError, match=HINT):
        look(Value(1.5))


def test_numpy_float_of_a_value_raises_with_the_hint() -> None:
    np = pytest.importorskip("numpy")
    with pytest.raises(TypeError, match=HINT):
        np.float64(Value(1.5))


def test_pytorch_warns_where_we_raise() -> None:
    # The comparison page's row (docs/comparison.md): PyTorch converts, warning that the
    # graph is cut.
    torch = pytest.importorskip("torch")
    t = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    with pytest.warns(UserWarning, match="requires_grad=True to a scalar"):
        assert math.exp(t) == math.exp(1.5)


def test_the_hint_names_what_was_converted_and_why() -> None:
    with pytest.raises(TypeError) as error:
        float(Value(2.0, label="x"))
    message = str(error.value)
    assert "label='x'" in message
    assert "cut the graph" in message
    assert "gradient 0" in message


def test_the_differentiable_spelling_of_math_exp_keeps_the_gradient() -> None:
    x = Value(0.5)
    y = x.exp()  # where math.exp(x) used to return a float and leave x.grad at 0
    y.backward()
    assert x.grad == math.exp(0.5)


@pytest.mark.parametrize(
    ("look", "test"),
    [
        (lambda v: v.item(), "item"),
        (round, "round"),
        (int, "int"),
        (bool, "bool"),
        (lambda v: v > 0, ">"),
        (lambda v: max(v, Value(0.0)), ">"),
        (lambda v: v.data, "data"),
        (lambda v: Value(v.data), "data"),
        (lambda v: v.detach(), "data"),
        (lambda v: f"{v:.0f}", "format"),
        (lambda v: format(v, ".3f"), "format"),
        (lambda v: f"{v}", "data"),  # str(v): its number is read as .data
    ],
)
def test_each_look_at_a_number_is_a_guard_while_recording(
    look: Callable[[Value], Any], test: str
) -> None:
    v = Value(1.5)
    with recording() as log:
        look(v)
    assert [guard.test for guard in log] == [test]


def test_an_item_guard_stops_a_replay_when_the_number_changes() -> None:
    x = Value(0.25, label="x")
    with recording() as log:
        scale = 2.0 if x.item() < 0.5 else 3.0
        y = x * scale
    replay = compile_graph(y, guards=log)
    assert replay.run() == 0.5
    x.data = 0.75
    with pytest.raises(
        FrozenGraphError, match=r"x\.item\(\) was 0\.25 when the graph was recorded"
    ):
        replay.run()


@pytest.mark.parametrize("compiled", [False, True])
def test_training_on_rows_and_targets_of_values_reads_their_numbers(compiled: bool) -> None:
    # nn read such data with float(v); it now reads .data, so Values as data still train
    # exactly as their numbers do.
    from nn.layers import MLP
    from nn.losses import mse_loss
    from nn.optim import SGD
    from nn.train import accuracy, fit

    rows, targets = [[0.1, 0.2], [-0.3, 0.5], [0.7, -0.1]], [1.0, -1.0, 1.0]
    histories = []
    for wrap in (float, Value):
        random.seed(3)
        model = MLP(2, [3, 1])
        X = [[wrap(x) for x in row] for row in rows]
        y = [wrap(t) for t in targets]
        optimizer = SGD(model.parameters(), lr=0.1)
        histories.append(fit(model, X, y, mse_loss, optimizer, epochs=3, compiled=compiled))
    assert histories[0] == histories[1]
    scores = [Value(0.5), Value(-2.0), Value(-0.1)]
    assert accuracy(scores, [Value(t) for t in targets]) == accuracy(scores, targets) == 2 / 3

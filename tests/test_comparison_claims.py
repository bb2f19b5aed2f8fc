"""The comparison table (docs/comparison.md, "How it compares"), checked against the real
micrograd package.

Each claim about micrograd 0.1.0 is demonstrated here next to this engine's behaviour, so the
table stays true. micrograd is part of the `bench` extra (and so of `dev`).
"""

from __future__ import annotations

import gc
import weakref

import pytest

from autograd_engine import Value

micrograd = pytest.importorskip("micrograd.engine")
MicroValue = micrograd.Value


def chain(value_class: type, depth: int) -> tuple[object, object]:
    x = value_class(1.0)
    y = x
    for _ in range(depth):
        y = y * 1.0
    return x, y


def test_micrograd_fails_on_deep_graphs_and_we_do_not() -> None:
    _, deep = chain(MicroValue, 5000)
    with pytest.raises(RecursionError):
        deep.backward()
    x, ours = chain(Value, 5000)
    ours.backward()
    assert x.grad == 1.0


def test_micrograd_gets_leaf_grads_wrong_on_a_second_backward() -> None:
    def twice(value_class: type) -> float:
        a = value_class(3.0)
        y = (a * a) * 2.0  # dy/da = 4a = 12
        y.backward()
        y.backward()
        return float(a.grad)

    assert twice(Value) == 24.0
    assert twice(MicroValue) != 24.0


def test_micrograd_lacks_functions_and_value_exponents() -> None:
    for name in ["exp", "log", "tanh", "sigmoid", "softplus", "sin", "cos"]:
        assert not hasattr(MicroValue(1.0), name)
        assert hasattr(Value(1.0), name)
    with pytest.raises(AssertionError):
        MicroValue(2.0) ** MicroValue(3.0)
    assert (Value(2.0) ** Value(3.0)).data == 8.0


def test_micrograd_nodes_form_reference_cycles_and_ours_do_not() -> None:
    gc.collect()
    gc.disable()
    try:
        for value_class, freed in [(MicroValue, False), (Value, True)]:
            a = value_class(2.0)
            y = a * a + 1.0
            ref = weakref.ref(y)
            del y
            assert (ref() is None) is freed
    finally:
        gc.enable()
        gc.collect()


def test_micrograd_parents_are_a_set_and_ours_are_ordered() -> None:
    a, b = MicroValue(1.0), MicroValue(2.0)
    assert isinstance((a * b)._prev, set)
    c, d = Value(1.0), Value(2.0)
    assert (c * d).parents == (c, d)


def test_division_by_zero_messages() -> None:
    with pytest.raises(ZeroDivisionError, match="negative power"):  # Python's own words
        1 / MicroValue(0.0)
    with pytest.raises(ZeroDivisionError, match=r"division by zero: 1\.0 / 0\.0"):
        1 / Value(0.0)


def test_a_nan_propagates_in_both_and_only_we_find_where_it_began() -> None:
    import math

    import micrograd

    from autograd_engine import AnomalyError, detect_anomaly

    assert math.isnan(MicroValue(math.nan).relu().data)
    assert not hasattr(micrograd.engine, "detect_anomaly")
    assert not hasattr(micrograd, "detect_anomaly")
    assert math.isnan(Value(math.nan).relu().data)
    with detect_anomaly(), pytest.raises(AnomalyError, match="relu"):
        Value(math.nan).relu()


def test_micrograd_lacks_the_new_functions_comparisons_and_a_hint_for_math_exp() -> None:
    import math

    for name in ["tan", "log1p", "asin", "atan2", "hypot", "clamp", "minimum"]:
        assert not hasattr(MicroValue(1.0), name)
        assert hasattr(Value(1.0), name)
    with pytest.raises(TypeError, match="not supported between instances"):
        max(MicroValue(1.0), MicroValue(2.0))
    assert max(Value(1.0), Value(2.0)).data == 2.0
    with pytest.raises(TypeError, match="must be real number") as theirs:
        math.exp(MicroValue(1.0))
    assert "item()" not in str(theirs.value)
    with pytest.raises(TypeError, match=r"use the Value's methods \(v\.exp\(\)"):
        math.exp(Value(1.0))

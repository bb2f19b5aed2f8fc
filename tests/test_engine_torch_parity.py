"""Parity with PyTorch (float64): values, first and second derivatives on random graphs.

Optional: skipped unless PyTorch is importable (it is never a requirement of this project).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd_engine import Value, grad
from tests.expressions import BINARY, UNARY, Tree, evaluate, trees, well_conditioned

torch = pytest.importorskip("torch")
F = torch.nn.functional

TORCH: dict[str, Callable[..., Any]] = {
    "neg": lambda a: -a,
    "square": lambda a: a**2,
    "cube": lambda a: a**3,
    "recip": lambda a: 1 / a,
    "exp": torch.exp,
    "log": torch.log,
    "sqrt": torch.sqrt,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "softplus": F.softplus,
    "sin": torch.sin,
    "cos": torch.cos,
    "relu": torch.relu,
    "leaky_relu": lambda a: F.leaky_relu(a, 0.1),
    "abs": torch.abs,
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
}


def test_the_torch_table_covers_every_op_of_the_random_trees() -> None:
    assert set(TORCH) == set(UNARY) | set(BINARY)


def torch_evaluate(tree: Tree, inputs: list[Any]) -> Any:
    kind = tree[0]
    if kind == "x":
        return inputs[tree[1]]
    if kind == "c":
        return torch.tensor(tree[1], dtype=torch.float64)
    return TORCH[kind](*(torch_evaluate(child, inputs) for child in tree[1:]))


def has_pow_with_zero_exponent(tree: Tree, xs: list[float]) -> bool:
    """PyTorch's pow backward masks exponent == 0 to a zero gradient *with a where()*, so its
    second derivative d²(a**b)/da db at b = 0 comes out 0 instead of 1 (the engine, mpmath and
    SymPy agree on 1). Such points are left out of the comparison."""
    if tree[0] in ("x", "c"):
        return False
    if tree[0] == "pow" and evaluate(tree[2], [Value(x) for x in xs], 0).data == 0.0:
        return True
    return any(has_pow_with_zero_exponent(child, xs) for child in tree[1:])


@settings(max_examples=150, deadline=None)
@given(tree=trees(2), xs=st.lists(st.floats(-2.5, 2.5), min_size=2, max_size=2))
def test_values_and_derivatives_match_pytorch(tree: Tree, xs: list[float]) -> None:
    assume(well_conditioned(tree, xs) and not has_pow_with_zero_exponent(tree, xs))
    values = [Value(x) for x in xs]
    y = evaluate(tree, values, 0)
    first = grad(y, values, create_graph=True)
    second = [grad(d, values) for d in first]

    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    ty = torch_evaluate(tree, ts)
    if not ty.requires_grad:  # a constant tree
        assert all(d.item() == 0.0 for d in first)
        return
    tfirst = torch.autograd.grad(ty, ts, create_graph=True, allow_unused=True)
    assert y.data == pytest.approx(ty.item(), rel=1e-12, abs=1e-12)
    for i, td in enumerate(tfirst):
        expected = 0.0 if td is None else td.item()
        assert first[i].item() == pytest.approx(expected, rel=1e-9, abs=1e-12), (tree, xs, i)
        if td is None or not td.requires_grad:
            assert second[i] == [0.0, 0.0]
            continue
        tsecond = torch.autograd.grad(td, ts, retain_graph=True, allow_unused=True)
        for j, t2 in enumerate(tsecond):
            expected2 = 0.0 if t2 is None else t2.item()
            assert second[i][j] == pytest.approx(expected2, rel=1e-9, abs=1e-10), (tree, xs, i, j)


# Subtraction, division and negation are ops of their own, as PyTorch's SubBackward0,
# DivBackward0 and NegBackward0: with the same formulas, the numbers are PyTorch's bit for bit.
OWN_OPS: dict[str, tuple[Callable[..., Any], list[tuple[float, ...]]]] = {
    "sub": (lambda a, b: a - b, [(1.5, -2.0), (0.3, 0.7), (1e308, -1e300)]),
    "rsub": (lambda a: 0.99 - a, [(0.75136507,), (-3.0,)]),
    "sub number": (lambda a: a - 0.1, [(0.3,)]),
    "div": (lambda a, b: a / b, [(1.5, -2.0), (0.3, 0.7), (1e200, 1e200), (1.0, 3.0)]),
    "rdiv": (lambda a: 2.0 / a, [(3.0,), (-0.2,)]),
    "div number": (lambda a: a / 3.0, [(0.1,)]),
    "neg": (lambda a: -a, [(1.5,), (-0.0,)]),
}


@pytest.mark.parametrize(
    ("name", "point"),
    [(name, point) for name, (_, points) in OWN_OPS.items() for point in points],
)
def test_sub_div_neg_equal_pytorch_bit_for_bit(name: str, point: tuple[float, ...]) -> None:
    f = OWN_OPS[name][0]
    values = [Value(x) for x in point]
    y = f(*values)
    first = grad(y, values, create_graph=True)
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    ty = f(*ts)
    tfirst = torch.autograd.grad(ty, ts, create_graph=True)
    assert y.data == ty.item()
    assert [d.item() for d in first] == [t.item() for t in tfirst]
    for d, td in zip(first, tfirst, strict=True):
        if not td.requires_grad:  # a constant derivative (1, -1, 1/3): no second order
            assert grad(d, values) == [0.0] * len(values)
            continue
        tsecond = torch.autograd.grad(td, ts, retain_graph=True, allow_unused=True)
        assert grad(d, values) == [0.0 if t is None else t.item() for t in tsecond]

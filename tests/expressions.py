"""Random expression trees for property tests, evaluated by three independent interpreters.

A tree is ``("x", i)`` (input i), ``("c", number)`` or ``(op, child, ...)`` with ``op`` a key of
:data:`UNARY` or :data:`BINARY`. The same tree can be evaluated with engine Values, with
mpmath at high precision, and (for smooth ops) as a SymPy expression, so the engine's
derivatives can be compared with two oracles that share none of its code.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import mpmath
import sympy
from hypothesis import strategies as st

from autograd_engine import Value

Tree = tuple[Any, ...]

# name -> (engine, mpmath, sympy or None when the op has a kink)
UNARY: dict[str, tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any] | None]] = {
    "neg": (lambda a: -a, lambda a: -a, lambda a: -a),
    "square": (lambda a: a**2, lambda a: a**2, lambda a: a**2),
    "cube": (lambda a: a**3, lambda a: a**3, lambda a: a**3),
    "recip": (lambda a: 1 / a, lambda a: 1 / a, lambda a: 1 / a),
    "exp": (lambda a: a.exp(), mpmath.exp, sympy.exp),
    "log": (lambda a: a.log(), mpmath.log, sympy.log),
    "sqrt": (lambda a: a.sqrt(), mpmath.sqrt, sympy.sqrt),
    "tanh": (lambda a: a.tanh(), mpmath.tanh, sympy.tanh),
    "sigmoid": (
        lambda a: a.sigmoid(),
        lambda a: 1 / (1 + mpmath.exp(-a)),
        lambda a: 1 / (1 + sympy.exp(-a)),
    ),
    "softplus": (
        lambda a: a.softplus(),
        lambda a: mpmath.log(1 + mpmath.exp(a)),
        lambda a: sympy.log(1 + sympy.exp(a)),
    ),
    "sin": (lambda a: a.sin(), mpmath.sin, sympy.sin),
    "cos": (lambda a: a.cos(), mpmath.cos, sympy.cos),
    "relu": (lambda a: a.relu(), lambda a: a if a > 0 else mpmath.mpf(0), None),
    "leaky_relu": (lambda a: a.leaky_relu(0.1), lambda a: a if a > 0 else a / 10, None),
    "abs": (lambda a: abs(a), abs, None),
}

BINARY: dict[str, tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any] | None]] = {
    "add": (lambda a, b: a + b, lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, lambda a, b: a * b),
    "div": (lambda a, b: a / b, lambda a, b: a / b, lambda a, b: a / b),
    "pow": (lambda a, b: a**b, lambda a, b: a**b, lambda a, b: a**b),
}

KINKED = {name for name, (_, _, s) in UNARY.items() if s is None}


def trees(n_inputs: int, max_leaves: int = 8) -> st.SearchStrategy[Tree]:
    """Expression trees over inputs 0..n_inputs-1 and small constants."""
    leaf = st.one_of(
        st.tuples(st.just("x"), st.integers(0, n_inputs - 1)),
        st.tuples(st.just("c"), st.sampled_from([0.5, 1.5, 2.0, -1.0, 3.0])),
    )

    def extend(children: st.SearchStrategy[Tree]) -> st.SearchStrategy[Tree]:
        unary = st.tuples(st.sampled_from(sorted(UNARY)), children)
        binary = st.tuples(st.sampled_from(sorted(BINARY)), children, children)
        # Weighted 3:1 so that each of the 15 unary and 5 binary ops is drawn equally often.
        return st.one_of(unary, unary, unary, binary)

    return st.recursive(leaf, extend, max_leaves=max_leaves)


def evaluate(tree: Tree, inputs: list[Any], table: int) -> Any:
    """Evaluate ``tree`` with ``inputs``; ``table`` 0 = engine, 1 = mpmath, 2 = sympy."""
    kind = tree[0]
    if kind == "x":
        return inputs[tree[1]]
    if kind == "c":
        return {0: Value, 1: mpmath.mpf, 2: sympy.Float}[table](tree[1])
    children = [evaluate(child, inputs, table) for child in tree[1:]]
    functions = UNARY[kind] if kind in UNARY else BINARY[kind]
    function = functions[table]
    assert function is not None
    return function(*children)


def uses_kinked_ops(tree: Tree) -> bool:
    if tree[0] in ("x", "c"):
        return False
    return tree[0] in KINKED or any(uses_kinked_ops(child) for child in tree[1:])


def well_conditioned(tree: Tree, xs: list[float], limit: float = 1e4, margin: float = 1e-2) -> bool:
    """True when every subexpression is finite, moderate, real and away from kinks and poles.

    Checked at high precision, so the float engine and finite differences are trustworthy.
    """
    with mpmath.workdps(30):
        try:
            return _well_conditioned(tree, [mpmath.mpf(x) for x in xs], limit, margin)
        except (ValueError, ZeroDivisionError, OverflowError, TypeError):
            return False


def _well_conditioned(tree: Tree, xs: list[Any], limit: float, margin: float) -> bool:
    kind = tree[0]
    if kind in ("x", "c"):
        return True
    if not all(_well_conditioned(child, xs, limit, margin) for child in tree[1:]):
        return False
    args = [evaluate(child, xs, 1) for child in tree[1:]]
    if kind in KINKED and abs(args[0]) < margin:
        return False
    if kind in ("log", "sqrt", "recip") and args[0] < margin:
        return False
    if kind == "div" and abs(args[1]) < margin:
        return False
    if kind == "pow" and args[0] < margin:
        return False
    value = evaluate(tree, xs, 1)
    return isinstance(value, mpmath.mpf) and math.isfinite(value) and abs(value) < limit

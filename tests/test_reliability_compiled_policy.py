"""The replay holds each gradient to backward()'s numerical policy, whatever else is NaN.

``backward()`` judges every gradient on its own numbers: one sent along an edge that is NaN
or ±inf although the op's inputs, output and incoming gradient are finite raises (an
overflow, an invalid operation); one made from a NaN or an inf already there propagates.
A NaN elsewhere in the graph excuses nothing. The replay must raise the same error, or give
the same gradients, on every graph.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_engine import Value, compile_graph

pytest.importorskip("numpy")


def outcome(build: Callable[[list[Value]], Value], xs: Sequence[float], compiled: bool) -> object:
    """The leaf gradients (NaN as the string "nan"), or the type of the error raised."""
    leaves = [Value(x) for x in xs]
    try:
        root = build(leaves)
        if compiled:
            compile_graph(root).run()
        else:
            root.backward()
    except (ArithmeticError, ValueError) as error:
        return type(error)
    return ["nan" if math.isnan(leaf.grad) else leaf.grad for leaf in leaves]


def test_an_overflowing_gradient_raises_though_another_value_is_nan() -> None:
    # log'(1e-310) = 1e310 overflows; the NaN added after it is data, not an excuse.
    def build(leaves: list[Value]) -> Value:
        x, c = leaves
        return x.log() + c

    assert outcome(build, [1e-310, math.nan], compiled=False) is OverflowError
    assert outcome(build, [1e-310, math.nan], compiled=True) is OverflowError
    x = Value(1e-310)
    replay = compile_graph(x.log() + math.nan)  # a NaN constant: the same
    with pytest.raises(OverflowError, match=r"log at log\(1e-310\).*sends inf to its input 0"):
        replay.run()
    assert x.grad == 0.0  # nothing written


def test_a_nan_gradient_made_from_finite_numbers_raises_though_a_value_is_nan() -> None:
    # (x * 0) * y with y = 1e308 * 10: an inf from the data meets 0 in the forward (NaN
    # propagates); the policy question is only whether each edge's numbers were finite.
    def build(leaves: list[Value]) -> Value:
        x, y, c = leaves
        return (x.exp() * y) + c

    for xs in ([800.0, 0.0, math.nan], [1.0, 1e308, math.nan], [2.0, 3.0, math.inf]):
        assert outcome(build, xs, compiled=True) == outcome(build, xs, compiled=False), xs


SPECIAL = st.sampled_from(
    [
        0.0,
        -0.0,
        1.0,
        -2.5,
        1e-310,
        -1e-310,
        1e-200,
        1e200,
        1e308,
        -1e308,
        math.inf,
        -math.inf,
        math.nan,
    ]
)

UNARY: dict[str, Callable[[Value], Value]] = {
    "log": lambda a: a.log(),
    "exp": lambda a: a.exp(),
    "tanh": lambda a: a.tanh(),
    "square": lambda a: a * a,
    "sqrt": lambda a: a.sqrt(),
    "pow-3": lambda a: a**-3,
    "relu": lambda a: a.relu(),
    "recip": lambda a: a**-1,
}
BINARY: dict[str, Callable[[Value, Value], Value]] = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "max": lambda a, b: a.maximum(b),
    "hypot": lambda a, b: a.hypot(b),
}

programs = st.lists(
    st.tuples(
        st.sampled_from(sorted(UNARY) + sorted(BINARY)), st.integers(0, 50), st.integers(0, 50)
    ),
    min_size=1,
    max_size=6,
)


def run_program(program: Sequence[tuple[str, int, int]]) -> Callable[[list[Value]], Value]:
    def build(leaves: list[Value]) -> Value:
        nodes = list(leaves)
        for name, i, j in program:
            a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
            nodes.append(UNARY[name](a) if name in UNARY else BINARY[name](a, b))
        return sum(nodes[len(leaves) :], nodes[-1])

    return build


@settings(max_examples=300, deadline=None)
@given(programs, st.lists(SPECIAL, min_size=3, max_size=3))
def test_the_replay_raises_where_backward_raises_on_special_values(
    program: list[tuple[str, int, int]], xs: list[float]
) -> None:
    build = run_program(program)
    eager = outcome(build, xs, compiled=False)
    if isinstance(eager, type):  # the forward pass raised: nothing to replay
        leaves = [Value(x) for x in xs]
        try:
            build(leaves)
        except (ArithmeticError, ValueError):
            return
    assert outcome(build, xs, compiled=True) == eager

"""The graph walk and the backward pass on random graphs, checked against a reference.

``backward()``'s walk marks the nodes it reaches in their own ``.grad`` instead of keeping a
set, and lists a node at once when its parents already are; ``topological_order`` is the
plain version with a set. These tests build random graphs with shared subexpressions, where
a wrong mark would list a node twice or skip it, and compare both with a reference that
shares no code with the engine: the graph is built from a list of steps, which is itself a
topological order, so reverse mode over that list gives every gradient (the chain rule with
each op's derivative written out here).
"""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from autograd_engine import Value, graph, ops, topological_order
from autograd_engine.value import Constant

# A three-input op, so the walk's path for a tuple of further parents is exercised too.
FMA = ops.Op("fma", lambda a, b, c: a * b + c, lambda g, y, a, b, c: (g * b, g * a, g))

KINDS = ("+", "*", "-", "neg", "relu", "tanh", "/", "fma", "+const")

# A step: (kind, i, j, k), the indices (into every node made so far) of its inputs.
steps = st.lists(
    st.tuples(
        st.sampled_from(KINDS),
        st.integers(0, 10**6),
        st.integers(0, 10**6),
        st.integers(0, 10**6),
    ),
    min_size=1,
    max_size=40,
)
inputs = st.lists(st.floats(-2.0, 2.0), min_size=1, max_size=4)


def build(xs: list[Value], plan: list[tuple[str, int, int, int]]) -> list[Value]:
    """Every node, leaves first, each step's result appended; inputs may repeat (shared).
    A plan whose products overflow a float is rejected (the engine raises, rightly)."""
    try:
        return _build(xs, plan)
    except OverflowError:
        reject()


def _build(xs: list[Value], plan: list[tuple[str, int, int, int]]) -> list[Value]:
    nodes: list[Value] = list(xs)
    for kind, i, j, k in plan:
        a, b, c = (nodes[n % len(nodes)] for n in (i, j, k))
        if kind == "+":
            out = a + b
        elif kind == "*":
            out = a * b
        elif kind == "-":
            out = a - b
        elif kind == "neg":
            out = -a
        elif kind == "relu":
            out = a.relu()
        elif kind == "tanh":
            out = a.tanh()
        elif kind == "/":
            out = a / (b * b + 1.0)
        elif kind == "fma":
            out = a.apply(FMA, b, c)
        else:
            out = a + 0.5
        nodes.append(out)
    return nodes


def reference_grads(root: Value, nodes: list[Value]) -> dict[Value, float]:
    """d(root)/d(node) for every node, by reverse mode over ``nodes`` (the reference order
    below) with each op's derivative written out: no engine code involved."""
    grads: dict[int, float] = {id(root): 1.0}
    for node in reversed(nodes):
        g = grads.get(id(node), 0.0)
        parents = node.parents
        x = [p._data for p in parents]
        op = node.op
        if op == "+":
            local = [1.0, 1.0]
        elif op == "*":
            local = [x[1], x[0]]
        elif op == "-":
            local = [1.0, -1.0]
        elif op == "neg":
            local = [-1.0]
        elif op == "relu":
            local = [0.0 if x[0] <= 0 else 1.0]
        elif op == "tanh":
            local = [1.0 - math.tanh(x[0]) ** 2]
        elif op == "/":
            local = [1.0 / x[1], -x[0] / x[1] ** 2]
        elif op == "fma":
            local = [x[1], x[0], 1.0]
        else:
            assert op == "", op
            local = []
        for parent, d in zip(parents, local, strict=True):
            grads[id(parent)] = grads.get(id(parent), 0.0) + g * d
    return {n: grads.get(id(n), 0.0) for n in nodes}


def reference_order(root: Value) -> list[Value]:
    """The order the walk must give: depth first, parents in argument order, with a set."""
    order: list[Value] = []
    done: set[int] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in done:
            continue
        if expanded:
            done.add(id(node))
            order.append(node)
            continue
        stack.append((node, True))
        for parent in reversed(node.parents):
            if id(parent) not in done:
                stack.append((parent, False))
    return order


def check(root: Value, xs: list[Value]) -> None:
    """The walk's order is the reference's, and backward() gives the reference gradients."""
    order = topological_order(root)
    reference = reference_order(root)
    assert [id(n) for n in order] == [id(n) for n in reference]
    expected = reference_grads(root, reference)
    before = {x: x.grad for x in xs}
    # backward()'s own walk: the same order, split into non-leaves, leaves (each with the
    # gradient it held) and constants, and every gradient of the graph set to zero.
    walked: list[Value] = []
    kept: list[tuple[Value, float | None]] = []
    constants: list[Value] = []
    graph._walk(root, walked, kept, constants)
    assert [id(n) for n in walked] == [id(n) for n in reference if not n.is_leaf]
    assert [id(n) for n in constants] == [id(n) for n in reference if n.is_constant]
    assert [(id(leaf), grad) for leaf, grad in kept] == [
        (id(n), before[n]) for n in reference if n.is_leaf and not n.is_constant
    ]
    assert all(n.grad == 0.0 for n in reference)
    for leaf, grad in kept:
        leaf.grad = grad  # type: ignore[assignment]  # as it was, for backward() below
    try:
        root.backward()
    except OverflowError:
        reject()  # a product of products can overflow a float: the engine says so
    for node in order:
        if type(node) is Constant:
            assert node.grad == 0.0
        elif node.is_leaf:
            assert node.grad == pytest.approx(before[node] + expected[node], rel=1e-12, abs=1e-12)
        else:
            assert node.grad == pytest.approx(expected[node], rel=1e-12, abs=1e-12)


@settings(max_examples=150, deadline=None)
@given(values=inputs, plan=steps)
def test_random_graphs_with_shared_subexpressions(values: list[float], plan: Any) -> None:
    xs = [Value(v) for v in values]
    nodes = build(xs, plan)
    check(nodes[-1], xs)


@settings(max_examples=60, deadline=None)
@given(values=inputs, plan=steps)
def test_backward_twice_doubles_the_leaves_and_repeats_the_rest(
    values: list[float], plan: Any
) -> None:
    xs = [Value(v) for v in values]
    root = build(xs, plan)[-1]
    try:
        root.backward()
    except OverflowError:
        reject()
    first = {n: n.grad for n in topological_order(root)}
    root.backward()
    for node, g in first.items():
        if node.is_leaf and type(node) is not Constant:
            assert node.grad == pytest.approx(2 * g, rel=1e-12, abs=1e-300)
        else:
            assert node.grad == g


@settings(max_examples=60, deadline=None)
@given(values=inputs, first=steps, second=steps)
def test_interleaved_graphs_and_graphs_kept_across_a_backward(
    values: list[float], first: Any, second: Any
) -> None:
    xs = [Value(v) for v in values]
    # Two graphs sharing the inputs and some nodes, both built before either backward.
    nodes = build(xs, first)
    one = nodes[-1]
    two = build(nodes, second)[-1]
    check(two, xs)
    check(one, xs)  # kept across two's backward: the other walk's marks change nothing
    three = build([one, *xs], second)[-1]  # built after both backward passes
    check(three, xs)
    check(two, xs)


def test_a_deep_chain_walks_and_differentiates_without_recursion() -> None:
    x = Value(0.5)
    y = x
    for _ in range(200_000):
        y = y + x
    order = topological_order(y)
    assert len(order) == 200_001  # x and 200,000 sums
    assert order[0] is x
    assert order[-1] is y
    y.backward()
    assert x.grad == 200_001.0


def test_a_graph_whose_root_is_a_leaf() -> None:
    x = Value(2.0)
    assert topological_order(x) == [x]
    x.backward()
    x.backward()
    assert x.grad == 2.0


def test_walks_and_backward_passes_in_many_threads_agree() -> None:
    """Threads walk and differentiate one shared graph at once (in a child process, so a
    deadlock fails the test by its time bound instead of hanging the suite)."""
    code = textwrap.dedent(
        """
        import random, sys, threading
        from autograd_engine import Value, topological_order
        sys.setswitchinterval(1e-6)  # switch threads as often as possible
        rng = random.Random(0)
        xs = [Value(rng.uniform(-1, 1)) for _ in range(8)]
        nodes = list(xs)
        for _ in range(3000):
            a, b = rng.choice(nodes), rng.choice(nodes)
            nodes.append((a * b).tanh() + a if rng.random() < 0.5 else a + b * 0.5)
        root = nodes[-1]
        expected = [id(n) for n in topological_order(root)]
        root.backward()
        grads = [x.grad for x in xs]
        for x in xs:
            x.grad = 0.0
        failures = []

        def work(index):
            for _ in range(10):
                if [id(n) for n in topological_order(root)] != expected:
                    failures.append("order")
                # a graph of this thread's own, sharing the leaves, walked meanwhile
                own = sum((x * index for x in xs), Value(0.0))
                if len(topological_order(own)) != 1 + 4 * len(xs):
                    failures.append("own order")

        def differentiate():
            for _ in range(5):
                root.backward()

        threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        threads += [threading.Thread(target=differentiate) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not failures, failures[:5]
        for x, g in zip(xs, grads):
            assert abs(x.grad - 10 * g) <= 1e-9 * max(1.0, abs(10 * g)), (x.grad, g)
        print("ok")
        """
    )
    finished = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.strip() == "ok"

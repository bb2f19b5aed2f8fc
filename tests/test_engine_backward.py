"""The backward pass: worked examples with published numbers, and its exact semantics."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import math
import threading
import weakref

import pytest

from autograd_engine import Value, backward_steps, grad, no_grad, topological_order
from autograd_engine.grad_mode import enable_grad, is_grad_enabled
from tests.conftest import Backprop

# --- worked examples --------------------------------------------------------------------


def test_micrograd_lecture_graph(backprop: Backprop) -> None:
    # From the micrograd lecture: L = (a*b + c) * f.
    a, b, c, f = Value(2.0), Value(-3.0), Value(10.0), Value(-2.0)
    e = a * b
    d = e + c
    L = d * f
    assert backprop(L) == -8.0
    assert (a.grad, b.grad, c.grad, f.grad) == (6.0, -4.0, -2.0, 4.0)


def test_micrograd_lecture_graph_intermediate_grads() -> None:
    a, b, c, f = Value(2.0), Value(-3.0), Value(10.0), Value(-2.0)
    e = a * b
    d = e + c
    L = d * f
    L.backward()
    assert (L.grad, d.grad, e.grad) == (1.0, -2.0, -2.0)


def test_micrograd_lecture_tanh_neuron(backprop: Backprop) -> None:
    x1, x2 = Value(2.0), Value(0.0)
    w1, w2 = Value(-3.0), Value(1.0)
    b = Value(6.8813735870195432)
    o = (x1 * w1 + x2 * w2 + b).tanh()
    assert backprop(o) == pytest.approx(0.7071067811865476, rel=1e-15)
    assert x1.grad == pytest.approx(-1.5, rel=1e-12)
    assert w1.grad == pytest.approx(1.0, rel=1e-12)
    assert x2.grad == pytest.approx(0.5, rel=1e-12)
    assert w2.grad == 0.0


def test_tanh_neuron_built_from_exp_gives_the_same_gradients() -> None:
    # The lecture's second version: tanh(n) = (e^2n - 1) / (e^2n + 1), from primitives.
    x1, x2, w1, w2 = Value(2.0), Value(0.0), Value(-3.0), Value(1.0)
    b = Value(6.8813735870195432)
    n = x1 * w1 + x2 * w2 + b
    e = (2 * n).exp()
    o = (e - 1) / (e + 1)
    o.backward()
    assert o.data == pytest.approx(0.7071067811865476, rel=1e-12)
    assert (x1.grad, w1.grad, x2.grad, w2.grad) == pytest.approx((-1.5, 1.0, 0.5, 0.0))


def test_a_node_used_twice_gets_both_contributions(backprop: Backprop) -> None:
    a = Value(3.0)
    b = a + a
    backprop(b)
    assert a.grad == 2.0


def test_shared_subexpression_sums_over_all_paths(backprop: Backprop) -> None:
    # d = a*b is used by e = d + a and f = d * d; L = e * f.
    a, b = Value(-2.0), Value(3.0)
    d = a * b
    L = (d + a) * (d * d)
    backprop(L)
    # L = (ab + a)(ab)^2 = a^3 b^3 + a^3 b^2
    assert a.grad == pytest.approx(3 * a.data**2 * b.data**3 + 3 * a.data**2 * b.data**2)
    assert b.grad == pytest.approx(3 * a.data**3 * b.data**2 + 2 * a.data**3 * b.data)


# --- semantics of repeated calls -----------------------------------------------------------


def test_backward_twice_doubles_leaf_grads_and_keeps_intermediates_fresh() -> None:
    x, w = Value(0.5), Value(-1.5)
    h = (x * w).tanh()
    y = h * h
    y.backward()
    first_leaf = (x.grad, w.grad)
    first_inner = (h.grad, y.grad)
    y.backward()
    assert (x.grad, w.grad) == (2 * first_leaf[0], 2 * first_leaf[1])
    assert (h.grad, y.grad) == first_inner  # not 2x: recomputed for this call


def test_backward_with_a_seed_gradient_scales_everything() -> None:
    x = Value(3.0)
    y = x * x
    y.backward(gradient=0.5)
    assert (y.grad, x.grad) == (0.5, 3.0)


def test_backward_on_a_leaf_accumulates_the_seed() -> None:
    x = Value(3.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0


def test_backward_from_an_intermediate_node_only_reaches_its_ancestors() -> None:
    a, b = Value(2.0), Value(5.0)
    c = a * 3
    d = c + b
    c.backward()
    assert (a.grad, b.grad, d.grad) == (3.0, 0.0, 0.0)


def test_backward_agrees_with_grad_and_leaves_grad_untouched() -> None:
    a, b = Value(0.3), Value(-1.2)
    y = (a * b).sin() + (a / b).exp()
    ga, gb = grad(y, [a, b])
    assert (a.grad, b.grad) == (0.0, 0.0)
    y.backward()
    assert (a.grad, b.grad) == (ga, gb)


# --- the graph walk -------------------------------------------------------------------------


def test_topological_order_lists_parents_first_root_last_each_once() -> None:
    a, b = Value(1.0, "a"), Value(2.0, "b")
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    assert order[-1] is e
    assert len(order) == len(set(order)) == 5  # a, b, c, d, e: a is listed once
    position = {node: i for i, node in enumerate(order)}
    for node in order:
        for parent in node.parents:
            assert position[parent] < position[node]


def test_topological_order_is_deterministic() -> None:
    def build() -> list[str]:
        xs = [Value(float(i), label=f"x{i}") for i in range(5)]
        y = xs[0]
        for x in xs[1:]:
            y = (y * x + x).tanh()
        return [f"{n.label}{n.op}{n.data}" for n in topological_order(y)]

    assert build() == build()


@pytest.mark.slow
def test_a_chain_of_a_million_nodes(backprop: Backprop) -> None:
    x = Value(0.5)
    y = x
    for _ in range(1_000_000):
        y = y * 1.000001
    backprop(y)  # no RecursionError
    assert x.grad == pytest.approx(1.000001**1_000_000, rel=1e-9)
    del y  # freeing a million-deep chain must not overflow the C stack either


def test_backward_steps_reproduce_backward() -> None:
    a, b = Value(2.0), Value(-3.0)
    c = a * b + a.exp()
    y = c.tanh() * b
    steps = list(backward_steps(y))
    assert [s.node for s in steps] == [n for n in reversed(topological_order(y)) if n.parents]
    assert (a.grad, b.grad) == (0.0, 0.0)  # stepping touches no .grad
    totals: dict[Value, float] = {y: 1.0}
    for step in steps:
        assert step.grad == totals[step.node]  # complete when the node fires
        for parent, g in zip(step.node.parents, step.parent_grads, strict=True):
            totals[parent] = totals.get(parent, 0.0) + g
    y.backward()
    assert (totals[a], totals[b]) == (a.grad, b.grad)


# --- memory: graphs hold no reference cycles -------------------------------------------------


def test_graphs_are_freed_by_reference_counting_alone() -> None:
    gc.collect()
    gc.disable()
    try:
        x = Value(0.5)
        h = (x * 2.0).tanh()
        y = h.exp() + h.sigmoid() * x.log()
        y.backward()
        grad(y, [x], create_graph=True)
        refs = [weakref.ref(n) for n in topological_order(y) if n is not x]
        del h, y
        assert all(r() is None for r in refs)
    finally:
        gc.enable()


def test_rules_do_not_capture_their_node() -> None:
    gc.collect()
    gc.disable()
    try:
        y = Value(1.0).tanh()
        assert not any(referrer is y for referrer in gc.get_referents(y._op))
        r = weakref.ref(y)
        del y
        assert r() is None
    finally:
        gc.enable()


# --- no_grad --------------------------------------------------------------------------------


def test_no_grad_records_no_parents() -> None:
    w = Value(2.0)
    with no_grad():
        assert not is_grad_enabled()
        y = (w * 3).tanh()
    assert is_grad_enabled()
    assert (y.parents, y.op) == ((), "")
    assert y.data == pytest.approx(math.tanh(6.0))
    y.backward()
    assert w.grad == 0.0


def test_no_grad_is_a_decorator_and_nests_with_enable_grad() -> None:
    inner: list[Value] = []

    @no_grad()
    def update(v: Value) -> Value:
        with enable_grad():
            inner.append(v * 2)
        return inner[0] + 1

    v = Value(1.0)
    out = update(v)
    assert (out.data, out.parents) == (3.0, ())
    assert inner[0].parents[0] is v


def test_no_grad_is_restored_after_an_exception() -> None:
    with pytest.raises(RuntimeError), no_grad():
        raise RuntimeError
    assert is_grad_enabled()


def test_no_grad_is_per_thread() -> None:
    seen: dict[str, bool] = {}
    inside = threading.Event()
    release = threading.Event()

    def worker() -> None:
        with no_grad():
            inside.set()
            release.wait(5)
            seen["worker"] = bool((Value(1.0) * 2).parents)

    t = threading.Thread(target=worker)
    t.start()
    inside.wait(5)
    seen["main"] = bool((Value(1.0) * 2).parents)
    release.set()
    t.join()
    assert seen == {"main": True, "worker": False}


def test_no_grad_is_per_asyncio_task() -> None:
    async def records(use_no_grad: bool) -> bool:
        if use_no_grad:
            with no_grad():
                await asyncio.sleep(0.01)
                return bool((Value(1.0) * 2).parents)
        await asyncio.sleep(0.005)
        return bool((Value(1.0) * 2).parents)

    async def main() -> list[bool]:
        return list(await asyncio.gather(records(True), records(False)))

    assert asyncio.run(main()) == [False, True]


def test_a_context_copied_inside_no_grad_stays_switched_off_after_the_block() -> None:
    # While no no_grad is in force anywhere, operations skip reading the context variable;
    # a copy of a switched-off context (an asyncio task, copy_context) must still be off.
    from autograd_engine.grad_mode import no_grad_anywhere

    w = Value(2.0)
    assert not no_grad_anywhere
    with no_grad():
        copied = contextvars.copy_context()
    assert no_grad_anywhere  # the copy keeps its no_grad in force
    assert copied.run(lambda: (w * 2).parents) == ()
    assert (w * 2).parents != ()  # this context recorded again at the block's end
    del copied
    gc.collect()
    assert not no_grad_anywhere  # the copy is gone: nothing is in force anywhere

    async def later() -> tuple[Value, ...]:
        await asyncio.sleep(0.01)
        return (w * 2).parents

    async def main() -> tuple[Value, ...]:
        with no_grad():
            task = asyncio.create_task(later())  # the task's context: a copy, switched off
        return await task  # runs after the block has ended

    assert asyncio.run(main()) == ()
    gc.collect()
    assert not no_grad_anywhere

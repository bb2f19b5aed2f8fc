"""Several threads calling backward() on one shared graph get exact results."""

from __future__ import annotations

import random
import sys
import threading
from collections.abc import Iterator

import pytest

from autograd_engine import Value, topological_order

THREADS, CALLS = 4, 25


@pytest.fixture
def fast_switching() -> Iterator[None]:
    # Switch threads every microsecond, so a race shows up at once instead of now and then.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


def shared_graph() -> tuple[list[Value], Value]:
    # Many leaves, so that adding to them takes long enough for a thread switch to land there.
    rng = random.Random(1)
    xs = [Value(rng.uniform(-1, 1)) for _ in range(500)]
    y = Value(0.0)
    for _ in range(1000):
        a, b = rng.sample(xs, 2)
        y = y + (a * b).tanh() * 0.5 + a
    return xs, y


@pytest.mark.usefixtures("fast_switching")
def test_concurrent_backward_calls_on_one_graph_are_exact() -> None:
    xs, y = shared_graph()
    inner = [node for node in topological_order(y) if not node.is_leaf]
    y.backward()
    single_inner = [node.grad for node in inner]
    # The exact expectation: the same number of calls, one after another.
    for x in xs:
        x.grad = 0.0
    for _ in range(THREADS * CALLS):
        y.backward()
    sequential = [x.grad for x in xs]
    for x in xs:
        x.grad = 0.0

    def work() -> None:
        for _ in range(CALLS):
            y.backward()

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Every call adds the same single-call gradient, so the order of the additions does not
    # matter only if no addition is lost or doubled: each leaf must match exactly.
    assert [x.grad for x in xs] == sequential
    assert [node.grad for node in inner] == single_inner  # d(y)/d(node) for a call


@pytest.mark.usefixtures("fast_switching")
def test_concurrent_calls_where_some_fail_leave_only_the_good_ones() -> None:
    x = Value(1e-100)
    good = x * 3.0
    bad = x**-3 * 2.0  # its rule overflows in backward(): nothing of it may be added

    failures: list[BaseException] = []

    def work(root: Value) -> None:
        for _ in range(CALLS):
            try:
                root.backward()
            except OverflowError as error:
                failures.append(error)

    threads = [threading.Thread(target=work, args=(r,)) for r in (good, bad, good, bad)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(failures) == 2 * CALLS
    expected = 0.0
    for _ in range(2 * CALLS):
        expected += 3.0
    assert x.grad == expected

"""backward() keeps gradients in ``.grad`` under one lock: what that design must still promise."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import Any

import pytest

from autograd_engine import Op, Value


def test_a_leaf_gets_this_calls_gradient_added_as_one_number() -> None:
    # x's two terms (1e-16 each) are summed first, then added to what x held: added one by
    # one to 1.0 each would round away.
    x = Value(3.0)
    y = x * 1e-16 + x * 1e-16
    x.grad = 1.0
    y.backward()
    assert x.grad == 1.0 + (1e-16 + 1e-16) == 1.0000000000000002


def test_an_overflow_that_no_leaf_sees_still_raises() -> None:
    # The rule of "cut" ignores its incoming gradient, so the inf of z's gradient never
    # reaches x: only a check of every node's gradient finds it.
    cut = Op("cut", lambda x: x, lambda g, y, x: (0.0,))
    x = Value(1.0)
    z = x.apply(cut)
    root = z * 1e-300 * 1e200 * 1e200  # the gradient of z * 1e-300 is 1e200 * 1e200
    with pytest.raises(OverflowError, match=r"\*"):
        root.backward()
    assert x.grad == 0.0


class _Interrupted(BaseException):
    pass


def _interrupting_rule(g: Any, y: Any, x: Any) -> tuple[Any]:
    raise _Interrupted


def test_an_interrupt_inside_a_rule_leaves_the_leaves_and_frees_the_lock() -> None:
    stop = Op("stop", lambda x: x, _interrupting_rule)
    x, w = Value(1.0), Value(2.0)
    y = x.apply(stop) * w + w * x
    x.grad, w.grad = 0.25, -0.5
    with pytest.raises(_Interrupted):
        y.backward()
    assert (x.grad, w.grad) == (0.25, -0.5)
    (w * x).backward()  # the next pass runs: the lock was released
    assert (x.grad, w.grad) == (2.25, 0.5)


def test_a_rule_that_calls_backward_is_an_error_not_a_hang() -> None:
    # In a child process, so a regression (waiting for the lock the pass itself holds)
    # shows as a timeout here instead of hanging the test run.
    code = textwrap.dedent(
        """
        from autograd_engine import Op, Value

        inner = Value(5.0)

        def rule(g, y, x):
            (inner * 2.0).backward()
            return (g,)

        x = Value(1.0)
        x.grad = 0.5
        try:
            (x.apply(Op("nested", lambda v: v, rule)) * 3.0).backward()
        except RuntimeError as error:
            print("RuntimeError:", error)
        print(x.grad)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    )
    lines = result.stdout.splitlines()
    assert lines[0].startswith("RuntimeError: backward() was called during a backward pass")
    assert lines[1] == "0.5"

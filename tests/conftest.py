"""Shared fixtures: every test that backpropagates runs on both execution paths.

``backprop(loss)`` fills leaf gradients the way ``loss.backward()`` does, either eagerly or
through the compiled replay (``compile_graph(loss).run()``), so one test body checks both.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from autograd_engine import Value, compile_graph

Backprop = Callable[[Value], float]


def _eager(loss: Value) -> float:
    loss.backward()
    return loss.data


def _compiled(loss: Value) -> float:
    return compile_graph(loss).run()


@pytest.fixture(params=["eager", "compiled"])
def backprop(request: pytest.FixtureRequest) -> Backprop:
    """Backpropagate ``loss`` into its leaves' ``.grad`` (eager or compiled); returns its value."""
    return _eager if request.param == "eager" else _compiled

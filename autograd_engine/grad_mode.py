"""Switching graph recording off and on: ``no_grad`` and ``enable_grad``.

While recording is off, operations compute their values but record no parents, so the
result is a leaf: nothing can be backpropagated through it and no graph is kept alive.
Optimizer updates and evaluation loops run this way. The switch lives in a
:class:`contextvars.ContextVar`, so each thread and each asyncio task has its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar

__all__ = ["enable_grad", "is_grad_enabled", "no_grad"]

_grad_enabled: ContextVar[bool] = ContextVar("autograd_engine_grad_enabled", default=True)

#: Read on every operation, so kept as a bound method (one attribute lookup saved per op).
grad_enabled = _grad_enabled.get


def is_grad_enabled() -> bool:
    """Whether operations currently record their parents (True unless inside ``no_grad``)."""
    return _grad_enabled.get()


@contextmanager
def _set_grad_enabled(enabled: bool) -> Iterator[None]:
    token = _grad_enabled.set(enabled)
    try:
        yield
    finally:
        _grad_enabled.reset(token)


def no_grad() -> AbstractContextManager[None]:
    """A context manager (or decorator) under which operations record no graph.

    >>> from autograd_engine import Value, no_grad
    >>> w = Value(1.0)
    >>> with no_grad():
    ...     y = w * 2
    >>> y.parents
    ()
    """
    return _set_grad_enabled(False)


def enable_grad() -> AbstractContextManager[None]:
    """A context manager that turns recording back on, e.g. inside a ``no_grad`` block."""
    return _set_grad_enabled(True)

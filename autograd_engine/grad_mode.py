"""Switching graph recording off and on: ``no_grad`` and ``enable_grad``.

While recording is off, operations compute their values but record no parents, so the
result is a leaf: nothing can be backpropagated through it and no graph is kept alive.
Optimizer updates and evaluation loops run this way. The switch lives in a
:class:`contextvars.ContextVar`, so each thread and each asyncio task has its own.

Both work in three ways, as in PyTorch::

    with no_grad():            # a block
        ...

    @no_grad                   # a decorator, with or without parentheses
    def evaluate(model): ...

    @no_grad()
    async def evaluate_later(model): ...   # a coroutine runs with recording off throughout

A decorated generator (``def`` with ``yield``, ``async def`` with ``yield`` too) runs its
body in the mode, step by step, as PyTorch's decorators do: the mode is switched on for each
step of the body and back to the caller's at each ``yield``, so the caller's code between
two items is not affected.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncGenerator, Callable, Generator
from contextvars import ContextVar, Token
from types import TracebackType
from typing import Any, TypeVar, overload

__all__ = ["GradMode", "enable_grad", "is_grad_enabled", "no_grad"]

_grad_enabled: ContextVar[bool] = ContextVar("autograd_engine_grad_enabled", default=True)

#: The switch as the engine reads it: a bound method, one attribute lookup less per call.
grad_enabled = _grad_enabled.get

#: One entry per ``no_grad`` that may still be in force somewhere, in any thread, task or
#: copied context; empty almost always. Every operation would otherwise read the context
#: variable, a method call that is a tenth of what making a node costs; while this set is
#: empty, recording is on everywhere, so an operation tests ``not no_grad_anywhere`` (one
#: global and a length) and reads the variable only when it is not empty.
no_grad_anywhere: set[int] = set()


class _NoGradInForce:
    """Kept in the context for as long as a ``no_grad`` is: it is in ``no_grad_anywhere``
    from its making until the last context holding it lets it go.

    A context can outlive the block that switched recording off: an asyncio task created
    inside ``no_grad`` runs in a copy of the context, still switched off, after the block
    has ended. The copy holds this object too, so the entry stays until the copy is gone
    (reference counting calls ``__del__`` then). Adding and discarding are single calls on a
    set, so threads cannot interleave them wrongly.
    """

    __slots__ = ("__weakref__",)

    def __init__(self) -> None:
        no_grad_anywhere.add(id(self))

    def __del__(self) -> None:
        no_grad_anywhere.discard(id(self))


_in_force: ContextVar[_NoGradInForce | None] = ContextVar(
    "autograd_engine_no_grad_in_force", default=None
)

F = TypeVar("F", bound=Callable[..., Any])


def is_grad_enabled() -> bool:
    """Whether operations currently record their parents (True unless inside ``no_grad``)."""
    return _grad_enabled.get()


class GradMode:
    """Recording switched on or off: a context manager, and a decorator for functions.

    As a decorator it switches the mode for each call of the function; for an ``async def``
    it does so for the whole run of the coroutine (every step between ``await``\\ s), not
    just for the call that creates it.
    """

    __slots__ = ("_tokens", "enabled")

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._tokens: list[tuple[Token[bool], Token[_NoGradInForce | None] | None]] = []

    def __enter__(self) -> None:
        # Switching off also puts a _NoGradInForce in the context (see no_grad_anywhere).
        in_force = None if self.enabled else _in_force.set(_NoGradInForce())
        self._tokens.append((_grad_enabled.set(self.enabled), in_force))

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        enabled, in_force = self._tokens.pop()
        _grad_enabled.reset(enabled)
        if in_force is not None:
            _in_force.reset(in_force)

    def __call__(self, func: F) -> F:
        enabled = self.enabled
        if inspect.isgeneratorfunction(func):
            return _generator_in_mode(func, enabled)  # type: ignore[return-value]
        if inspect.isasyncgenfunction(func):
            return _async_generator_in_mode(func, enabled)  # type: ignore[return-value]
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def run_coroutine(*args: Any, **kwargs: Any) -> Any:
                with GradMode(enabled):
                    return await func(*args, **kwargs)

            return run_coroutine  # type: ignore[return-value]

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            with GradMode(enabled):  # a fresh switch per call: safe across threads
                return func(*args, **kwargs)

        return run  # type: ignore[return-value]


def _generator_in_mode(
    func: Callable[..., Generator[Any, Any, Any]], enabled: bool
) -> Callable[..., Generator[Any, Any, Any]]:
    """``func``'s generator with each step of its body run in the mode (as PyTorch's
    ``_wrap_generator``): ``send``, ``throw`` and ``close`` pass through."""

    @functools.wraps(func)
    def run_generator(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
        generator = func(*args, **kwargs)
        try:
            with GradMode(enabled):
                item = generator.send(None)
            while True:
                try:
                    sent = yield item
                except GeneratorExit:
                    with GradMode(enabled):
                        generator.close()
                    raise
                except BaseException as error:  # thrown in by the caller: pass it on
                    with GradMode(enabled):
                        item = generator.throw(error)
                else:
                    with GradMode(enabled):
                        item = generator.send(sent)
        except StopIteration as stop:
            return stop.value

    return run_generator


def _async_generator_in_mode(
    func: Callable[..., AsyncGenerator[Any, Any]], enabled: bool
) -> Callable[..., AsyncGenerator[Any, Any]]:
    """The same for an async generator: each step of its body (between awaits and
    yields) runs in the mode."""

    @functools.wraps(func)
    async def run_async_generator(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, Any]:
        generator = func(*args, **kwargs)
        try:
            with GradMode(enabled):
                item = await generator.asend(None)
            while True:
                try:
                    sent = yield item
                except GeneratorExit:
                    with GradMode(enabled):
                        await generator.aclose()
                    raise
                except BaseException as error:
                    with GradMode(enabled):
                        item = await generator.athrow(error)
                else:
                    with GradMode(enabled):
                        item = await generator.asend(sent)
        except StopAsyncIteration:
            return

    return run_async_generator


@overload
def no_grad() -> GradMode: ...
@overload
def no_grad(func: F) -> F: ...
def no_grad(func: F | None = None) -> GradMode | F:
    """A context manager (or decorator, with or without parentheses) that records no graph.

    >>> from autograd_engine import Value, no_grad
    >>> w = Value(1.0)
    >>> with no_grad():
    ...     y = w * 2
    >>> y.parents
    ()
    """
    mode = GradMode(False)
    return mode if func is None else mode(func)


@overload
def enable_grad() -> GradMode: ...
@overload
def enable_grad(func: F) -> F: ...
def enable_grad(func: F | None = None) -> GradMode | F:
    """Turn recording back on (e.g. inside a ``no_grad`` block); also a decorator."""
    mode = GradMode(True)
    return mode if func is None else mode(func)

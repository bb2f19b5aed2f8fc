"""``detect_anomaly()``: stop at the first NaN or inf, naming the line of code that made it.

A NaN spreads silently: every node computed from it is NaN, and by the time a loss prints
``nan`` the op that produced the first one is long gone. Inside ``detect_anomaly()`` the
engine checks every result as it is made, and every gradient ``backward()`` sends along an
edge; the first NaN or ±inf raises :class:`AnomalyError` naming the op, its input values and
the file:line of *your* code that created the node (a short traceback, recorded per node
only while the mode is on)::

    >>> from autograd_engine import AnomalyError, Value, detect_anomaly
    >>> x = Value(float("nan"))       # say, a missing value in the data
    >>> with detect_anomaly():
    ...     try:
    ...         y = (x * 0.5).relu()
    ...     except AnomalyError as error:
    ...         print(str(error).splitlines()[0])
    detect_anomaly: * produced nan from nan * 0.5 in the forward pass

This is stricter than the engine's normal policy (see :mod:`autograd_engine.ops`), which
lets a NaN that arrives in the data propagate by IEEE rules.

How it costs nothing when off: every node is made by one function, ``value._node``
(``+`` and ``*`` write it out for their finite results, and the mode makes every result
look non-finite to them, so theirs reach it too). Entering the mode rebinds that name to a
checking version; leaving restores it. So the mode
is **process-wide** (it applies to every thread while any thread is inside it), nests (a
counter: the checks stop when the outermost block exits), and outside it the engine runs
exactly the code it runs without this module.
"""

from __future__ import annotations

import math
import os
import re
import sys
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .ops import Op
    from .value import Value

__all__ = ["AnomalyError", "creation_site", "detect_anomaly", "is_enabled"]

_INF = math.inf
_ENGINE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_FRAMES_KEPT = 3


class AnomalyError(FloatingPointError):
    """``detect_anomaly()`` found a NaN or inf: the message names the op, values and line."""


_lock = threading.Lock()
_depth = 0
_plain_node: Callable[..., Value] | None = None
# Where each node made in the mode was created: (file, line, function) frames, innermost first.
_created: weakref.WeakKeyDictionary[Value, tuple[tuple[str, int, str], ...]] = (
    weakref.WeakKeyDictionary()
)


def is_enabled() -> bool:
    """Whether ``detect_anomaly()`` is on (in any thread)."""
    return _depth > 0


# Installed libraries and the interpreter's own frozen modules: never the user's line.
_LIBRARY_PARTS = re.compile(r"[/\\](site|dist)-packages[/\\]|^<frozen ")


def _user_frames(frame: FrameType | None) -> tuple[tuple[str, int, str], ...]:
    """The innermost few frames of the user's code that made a node: outside the engine's own
    files and outside installed libraries (a notebook's IPython machinery, a test runner)."""
    frames: list[tuple[str, int, str]] = []
    while frame is not None and len(frames) < _FRAMES_KEPT:
        code = frame.f_code
        name = code.co_filename
        if not (name.startswith(_ENGINE_DIR) or _LIBRARY_PARTS.search(name)):
            frames.append((name, frame.f_lineno, code.co_name))
        frame = frame.f_back
    return tuple(frames)


def _format(frames: tuple[tuple[str, int, str], ...]) -> str:
    if not frames:
        return "by the engine itself"
    lines = [f"at {frames[0][0]}:{frames[0][1]} in {frames[0][2]}"]
    lines += [f"  called from {file}:{line} in {function}" for file, line, function in frames[1:]]
    return "\n".join(lines)


def creation_site(node: Value) -> str:
    """Where ``node`` was created ("at file:line in function ..."), if made inside the mode."""
    frames = _created.get(node)
    if frames is None:
        return "before detect_anomaly() was entered (no creation line recorded)"
    return _format(frames)


def _checking_node(
    data: float, op: Op, left: Value, right: Value | tuple[Value, ...] | None
) -> Value:
    """``value._node`` while the mode is on: check the result, record where it was made."""
    frames = _user_frames(sys._getframe(1))
    if not -_INF < data < _INF:
        from .ops import describe_call
        from .value import _parents

        inputs = tuple(p.data for p in _parents(left, right))
        if op.arg is not None:
            inputs = (*inputs, op.arg)
        raise AnomalyError(
            f"detect_anomaly: {op.name} produced {data!r} from "
            f"{describe_call(op.name, inputs)} in the forward pass\n"
            f"  the node was created {_format(frames)}"
        )
    assert _plain_node is not None
    out = _plain_node(data, op, left, right)
    _created[out] = frames
    return out


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Turn on anomaly detection for the ``with`` block (process-wide; blocks may nest).

    Inside it, the first op whose result is NaN or ±inf, and the first gradient that
    ``backward()`` sends as NaN or ±inf, raise :class:`AnomalyError` naming the op, its input
    values (and, in backward, the incoming gradient) and where the node was created.
    """
    global _depth, _plain_node
    from . import value

    with _lock:
        if _depth == 0:
            _plain_node = value._node
            value._node = _checking_node
            # + and * make their nodes without _node while every result is finite: no
            # number equals NaN, so theirs go through the checking _node as well.
            value._FINITE = math.nan
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                assert _plain_node is not None
                value._node = _plain_node
                value._FINITE = 0.0

"""Running a learner's code with a time limit, in the same thread.

A learner's ``backward()`` may loop forever (a ``while`` over a list that keeps growing, a
topological sort that revisits nodes). The grader must then report a failing item, not hang.

How the time limit works: :func:`run_bounded` installs a *trace function*
(:func:`sys.settrace`) while the learner's code runs. Python calls it at every new frame and
every line, and it raises :class:`LearnerTimeout` in the learner's code once the deadline has
passed. Why not the alternatives:

* a subprocess would have to pickle the learner's class, which lives in a notebook cell, and
  Pyodide (the browser lab) has no subprocesses at all;
* ``signal.alarm`` only works in the main thread and only on POSIX, and not in Pyodide;
* a watchdog thread cannot stop another thread's Python code, and Pyodide has no threads.

A trace function works wherever CPython does, notebooks and Pyodide included. Its costs: the
learner's code runs several times slower while it is traced (it is small), and a loop that
never returns to Python code (``sum(itertools.count())``) is not interrupted. Code outside
Python's library and this package (the learner's) is traced opcode by opcode, so that even a
one-line ``while True: pass`` is stopped.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, Generic, TypeVar

__all__ = ["LearnerTimeout", "Outcome", "run_bounded"]

T = TypeVar("T")


class LearnerTimeout(BaseException):
    """Raised inside the learner's code when its time is up.

    A ``BaseException`` (as ``KeyboardInterrupt``), so that a learner's ``except Exception:``
    inside the loop cannot swallow it.
    """


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What running learner code gave: a ``value``, or the ``error`` it raised, or a timeout."""

    value: T | None = None
    error: BaseException | None = None
    timed_out: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None and not self.timed_out


_LIBRARY_DIRS = tuple(
    {sys.prefix, sys.base_prefix, sys.exec_prefix, str(Path(__file__).resolve().parent.parent)}
)


def _is_learner_code(filename: str) -> bool:
    """Whether a frame runs code from outside Python's library and this package: the
    learner's (a notebook cell, a script, a test's engine)."""
    return not filename.startswith(_LIBRARY_DIRS) and not filename.startswith("<frozen")


def run_bounded(function: Callable[[], T], seconds: float) -> Outcome[T]:
    """Call ``function()`` and stop it after ``seconds``; never raises what it raises.

    Returns an :class:`Outcome` holding the result, or the exception (a ``RecursionError``
    included), or ``timed_out=True``. The trace function in force before (a debugger's, a
    coverage tool's) is put back afterwards.
    """
    start = time.monotonic()
    deadline = start + seconds

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        if time.monotonic() > deadline:
            raise LearnerTimeout
        if event == "call" and _is_learner_code(frame.f_code.co_filename):
            # A one-line loop (``while True: pass``) makes no line events: watch its opcodes.
            frame.f_trace_opcodes = True
        return tracer

    earlier = sys.gettrace()
    sys.settrace(tracer)
    try:
        value = function()
    except LearnerTimeout:
        return Outcome(timed_out=True, seconds=time.monotonic() - start)
    except Exception as error:  # the learner's bug, reported as a failing item
        return Outcome(error=error, seconds=time.monotonic() - start)
    finally:
        sys.settrace(earlier)
    return Outcome(value=value, seconds=time.monotonic() - start)

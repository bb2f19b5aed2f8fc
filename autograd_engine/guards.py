"""Guards: what Python learned from a Value's number while a graph was being recorded.

A recorded graph (:func:`~autograd_engine.compile_graph`) holds the *operations*, not the
Python that chose them. When the code that built the graph looked at a number::

    if h.item() > 0: ...          # a branch
    m = max(a, b)                 # a comparison of two Values picks one of them
    n = round(v)                  # a number the code then uses

that decision was taken once, on the values of that moment, and a replay on new values
would silently repeat it. Like ``torch.compile``, the engine therefore *logs* every such
look while recording, as a :class:`Guard`: the node, what was asked, and the answer. Each
``run()`` of the replay asks again on the new values (the nodes' values are computed by
the replay's forward pass anyway) and, where an answer changed, raises
:class:`FrozenGraphError` naming the node and the branch, before any gradient is written::

    with recording() as log:
        y = x * 2 if x > 0 else x * -3        # "x > 0" is logged
    replay = compile_graph(y, guards=log)
    x.data = -1.0
    replay.run()    # FrozenGraphError: x > 0 was True when recorded (x = 2.0), now False ...

What a guard sees: ``v.item()``, a read of ``v.data`` (so also ``Value(v.data)``,
``v.detach()``, ``str(v)``), ``int(v)``, ``round(v)``, ``bool(v)`` (and so ``if v:``), a
formatted number (``f"{v:.0f}"``, ``format(v, ".3f")``), and ``v < w``, ``v <= w``,
``v > w``, ``v >= w`` with ``w`` a Value or a number (so ``max``, ``min`` and ``sorted``
over Values). ``v.item()`` and ``v.data`` can be used for anything, so their guards hold
only while ``v`` is bit-for-bit the recorded number; a formatted number holds while it
formats to the same text, and the comparisons as long as their answer does. The replay
computes ``tanh``, ``exp``, ... with NumPy, which may differ from :mod:`math` in the last
bit, so an ``item`` or ``data`` guard on such a node can fail even on the values it was
recorded on: loud, never wrong (``fit(compiled=True)`` then takes that step eagerly). A
``data`` guard on a parameter fails after every update, so a model that reads its
parameters' ``.data`` is recorded anew at each step (``fit``'s default then trains eagerly,
saying why). ``float(v)`` (and so ``math.exp(v)``, ``np.float64(v)``) is no look at all: it
raises ``TypeError``, since the float would cut the graph without a word.

What a guard cannot see: numbers computed under ``no_grad()`` (leaves without a history, so
the replay cannot recompute them), a read of the slot ``v._data`` (the engine's own, for
checks that do not decide anything, such as a loss checking that its target is a number),
and anything done before recording started: :func:`compile_graph` without ``guards=``
checks nothing, since the Python that built the graph has already run.

Recording belongs to the thread (more exactly, the :mod:`contextvars` context, so also the
asyncio task) that records: a ``recording()`` block logs what *its* code looks at, never
what another thread does meanwhile, and blocks in several threads at once each get their
own log. It costs nothing when no thread records: each conversion checks one module global
(:data:`log`, ``None`` then); only while some thread records is the caller's own log looked
up, and a look made outside every block is dropped.
"""

from __future__ import annotations

import math
import operator
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from .value import Value

__all__ = ["FrozenGraphError", "Guard", "GuardLog", "current_log", "evaluate", "recording"]


class FrozenGraphError(RuntimeError):
    """A recorded graph, replayed on new values, would take another branch than recorded."""


class Guard(NamedTuple):
    """One look at a Value's number while recording, and its answer.

    Attributes:
        node: the Value looked at.
        test: ``"item"``, ``"data"`` (a read of ``node.data``), ``"int"``, ``"round"``,
            ``"bool"``, ``"format"`` (``format(node, spec)``, so ``f"{node:.2f}"``), or a
            comparison ``"<"``, ``"<="``, ``">"``, ``">="`` (``node test other``).
        other: the right side of a comparison (a Value or a number), ``round``'s
            ``ndigits``, ``format``'s spec, else None.
        outcome: the answer Python got (a bool, float, int or string).
        value: ``node``'s number at that moment.
    """

    node: Value
    test: str
    other: Any
    outcome: Any
    value: float


GuardLog = list[Guard]

# The log of this thread's (this context's) innermost recording() block, None outside one.
_own_log: ContextVar[GuardLog | None] = ContextVar("autograd_engine_guard_log", default=None)


class _CallersLog:
    """What :data:`log` is while any thread records: it files each guard in the log of the
    context that made the look, and drops a look made outside every block."""

    __slots__ = ()

    def append(self, guard: Guard) -> None:
        own = _own_log.get()
        if own is not None:
            own.append(guard)


#: None while no thread records (the common case, and the one check a conversion makes);
#: else the object whose ``append`` files a guard in the caller's own log.
log: _CallersLog | None = None
_callers_log = _CallersLog()
_blocks_open = 0  # recording() blocks open in the whole process
_blocks_lock = threading.Lock()

COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@contextmanager
def recording() -> Iterator[GuardLog]:
    """Log every conversion and comparison of a Value to a number made inside the block.

    Yields the log (a list of :class:`Guard`), to pass to ``compile_graph(root, guards=log)``.
    Blocks nest: an inner block's guards are also added to the outer log. Only looks made by
    this thread (this context) are logged; other threads may record at the same time.
    """
    global log, _blocks_open
    inner: GuardLog = []
    token = _own_log.set(inner)
    with _blocks_lock:
        _blocks_open += 1
        log = _callers_log
    try:
        yield inner
    finally:
        with _blocks_lock:
            _blocks_open -= 1
            if _blocks_open == 0:
                log = None
        _own_log.reset(token)
        outer = _own_log.get()
        if outer is not None:
            outer.extend(inner)


def current_log() -> GuardLog | None:
    """The log of the innermost ``recording()`` block this code runs in, or None."""
    return _own_log.get()


#: Guards that hold only while the node's number is the recorded one, bit for bit: the code
#: got the float itself and may have done anything with it.
EXACT_TESTS = frozenset({"item", "data"})


def evaluate(test: str, x: float, other: Any) -> Any:
    """The answer to ``test`` for a node whose number is ``x`` (``other`` as in Guard)."""
    if test in EXACT_TESTS:
        return x
    if test == "format":
        return format(x, other)
    if test == "bool":
        return x != 0
    if test == "int":
        return int(x)
    if test == "round":
        return round(x) if other is None else round(x, other)
    return COMPARISONS[test](x, other)


def same_answer(test: str, recorded: Any, now: Any) -> bool:
    """True when ``now`` is the answer recorded: ``item`` answers must match bit for bit
    (``-0.0`` is not ``0.0``; a NaN matches a NaN)."""
    if test in ("item", "data", "round") and isinstance(recorded, float) and isinstance(now, float):
        same_number = recorded == now and math.copysign(1, recorded) == math.copysign(1, now)
        return same_number or (math.isnan(recorded) and math.isnan(now))
    return bool(type(recorded) is type(now) and recorded == now)


def expression(test: str, name: str, other: str) -> str:
    """How a guard's question reads in Python: ``h.item()``, ``h > 0.5``, ``round(h, 2)``,
    ``h.data``, ``format(h, '.2f')``."""
    if test in COMPARISONS:
        return f"{name} {test} {other}"
    if test == "item":
        return f"{name}.item()"
    if test == "data":
        return f"{name}.data"
    if test == "format":
        return f"format({name}, {other})"
    if test == "round" and other != "None":
        return f"round({name}, {other})"
    return f"{test}({name})"


def node_name(node: Value) -> str:
    """A short name for a node in messages: its label, else its op."""
    if node.label:
        return node.label
    return f"<{node.op} node>" if node.op else "<leaf>"


def mismatch_message(
    text: str, recorded: Any, now: Any, recorded_value: float, now_value: float, name: str
) -> str:
    """The FrozenGraphError message for a guard whose answer changed."""
    now_text = "an error" if isinstance(now, Exception) else repr(now)
    return (
        f"{text} was {recorded!r} when the graph was recorded ({name} = {recorded_value!r}), "
        f"now {name} = {now_value!r} gives {now_text}: the Python that built the graph would "
        "take another branch or use another number, so replaying the recording would be "
        "wrong. Record the graph again on these values (fit(compiled=True) does this "
        "itself), or compute the choice with ops (relu, abs, autograd_engine.maximum, ...)."
    )

"""Scopes: naming the parts of a graph (``layers.0.neurons.3``) without slowing it down.

A big graph is easier to read in pieces: a neuron, a layer. A *scope* is such a piece::

    with scope("layer1") as path:            # nestable; paths are joined with ".":
        with scope("neuron0"):               # "layer1.neuron0"
            out = (w * x + b).tanh()
            record_outputs(out, inputs=[x])  # out is what the scope made, from x

``nn`` does this for you: every ``Module`` call enters a scope named by the module's path
inside its parent (the same path its parameters are named by, ``layers.0.neurons.3``) and
records its outputs and inputs. Drawings then name a scope's output by its path and can
collapse a whole scope into one box (``draw_dot(root, group="neuron")``).

Why outputs and inputs, rather than a tag on every node: making a node is the engine's hot
path, and scopes must cost nothing there. So node creation is untouched; a module call
makes one small tuple (its *frame*: which call, of what, from what inputs), and each output
gets one entry pointing to it in a dictionary keyed by weak references, which drops the
entry as the node is freed. Which nodes lie inside a scope is worked out only when a
drawing asks (:func:`scope_members`): everything the outputs were computed from, back to
the recorded inputs or to the outputs of another scope. With no scope active,
:func:`record_outputs` returns at once and nothing is stored.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from .grad_mode import grad_enabled, no_grad_anywhere
from .value import Value

__all__ = [
    "ScopeRecord",
    "call_in_scope",
    "current_scope",
    "pop_scope",
    "push_scope",
    "record_outputs",
    "scope",
    "scope_members",
    "scope_of",
]


# One scope call: (enclosing call or None, name, kind, call number, inputs). It is both what
# the context variable holds while the call runs (the innermost active scope, linked to the
# ones around it) and, afterwards, the record of what the call made: one tuple per module
# call, made before the call, serves both. Paths are joined only when a drawing asks.
_Frame = tuple[Any, str, str, int, tuple[Any, ...]]


class ScopeRecord:
    """What a scope recorded about its outputs: which scope call made them, from what.

    Attributes:
        path: the scope's full path, ``"layers.0.neurons.3"`` ("" for an unnamed scope,
            such as the top module of a network).
        levels: every enclosing scope as ``(path, kind, call)``, outermost first:
            ``(("", "mlp", 7), ("layers.0", "layer", 8), ("layers.0.neurons.3", "neuron", 12))``;
            ``call`` numbers scope entries, so two calls of one neuron (two examples of a
            batch) are two scopes with the same path.
        inputs: what the scope was called with (Values, or lists of them); the walk that
            finds a scope's nodes stops there.

    One scope call is one record: two records of the same call (from two
    :func:`scope_of` questions about its outputs) are equal and hash alike, and records of
    different calls are never equal, even with the same path. A record is a view made when
    asked for; ``path`` and ``levels`` are worked out on first use.
    """

    __slots__ = ("_frame", "_levels")

    def __init__(self, frame: _Frame) -> None:
        self._frame = frame
        self._levels: tuple[tuple[str, str, int], ...] | None = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ScopeRecord) and other._frame is self._frame

    def __hash__(self) -> int:
        return id(self._frame)

    def __repr__(self) -> str:
        return f"ScopeRecord(path={self.path!r}, kind={self.kind!r}, call={self.levels[-1][2]})"

    @property
    def inputs(self) -> tuple[Any, ...]:
        return self._frame[4]

    @property
    def levels(self) -> tuple[tuple[str, str, int], ...]:
        if self._levels is None:
            self._levels = _levels(self._frame)
        return self._levels

    @property
    def path(self) -> str:
        return self.levels[-1][0]

    @property
    def kind(self) -> str:
        """The innermost scope's kind (``"neuron"``), "" for a plain :func:`scope`."""
        return self.levels[-1][1]


def _levels(frame: _Frame | None) -> tuple[tuple[str, str, int], ...]:
    """A frame chain as ``(path, kind, call)`` levels, outermost first."""
    chain = []
    while frame is not None:
        chain.append(frame)
        frame = frame[0]
    levels = []
    path = ""
    for _, name, kind, call, _ in reversed(chain):
        path = f"{path}.{name}" if path and name else path or name
        levels.append((path, kind, call))
    return tuple(levels)


# The innermost active scope (its frame links to the enclosing ones), per thread and per
# asyncio task, as grad mode is: a model called in another thread meanwhile opens its
# scopes there, never inside this thread's.
_innermost: ContextVar[_Frame | None] = ContextVar("autograd_engine_scope", default=None)
_innermost_scope = _innermost.get
_enter, _leave = _innermost.set, _innermost.reset
_calls = itertools.count()
# Output node -> the frame of the innermost scope call that made it. The key is a weak
# reference to the node, and the reference's callback is this dictionary's own ``pop``: as
# the node is freed, Python calls ``_records.pop(key)`` and the entry goes with it, without
# a line of Python running. (A dead weak reference keeps its hash, and the dictionary finds
# its own key object by identity, so the pop always finds it.) So a record lives exactly as
# long as its node, and costs one weak reference per output.
_records: dict[weakref.ref[Value], _Frame] = {}
_ref = weakref.ref
_forget = _records.pop


def current_scope() -> str:
    """The path of the innermost active scope, "" when none is active.

    >>> with scope("layer1"), scope("neuron0"):
    ...     current_scope()
    'layer1.neuron0'
    >>> current_scope()
    ''
    """
    frame = _innermost_scope()
    return "" if frame is None else _levels(frame)[-1][0]


def push_scope(name: str, kind: str = "") -> None:
    """Enter a scope named ``name`` inside the current one.

    The fast form of :func:`scope` for code that runs once per module call (``nn``): pair it
    with :func:`pop_scope` in a ``try``/``finally``. An empty name adds no path component
    (the top module of a network), but still a level of kind ``kind``.
    """
    _enter((_innermost_scope(), name, kind, next(_calls), ()))


def pop_scope() -> None:
    """Leave the innermost scope entered by :func:`push_scope`."""
    frame = _innermost_scope()
    if frame is None:
        raise RuntimeError("pop_scope: no scope is active (every push_scope needs one pop)")
    _enter(frame[0])


@contextmanager
def scope(name: str, kind: str = "") -> Iterator[str]:
    """Name the part of a graph built inside the ``with`` block; yields the full path.

    Scopes nest, and their names join with ``"."``. Record what the block made with
    :func:`record_outputs` (``nn`` modules do it themselves).

    Raises:
        TypeError: ``name`` or ``kind`` is not a string.
    """
    if not isinstance(name, str) or not isinstance(kind, str):
        raise TypeError(f"scope: name and kind must be strings, not {name!r}, {kind!r}")
    push_scope(name, kind)
    try:
        yield current_scope()
    finally:
        pop_scope()


def record_outputs(outputs: Any, inputs: Iterable[Any] = ()) -> None:
    """Record ``outputs`` (a Value, or a list/tuple of them) as made by the current scope.

    ``inputs`` are what the scope computed them from (Values or lists of Values): the nodes
    where the scope begins. An output already recorded by an inner scope keeps that record
    (a neuron's output is also its layer's); a list whose first item is such an output is
    taken to come from inner scopes altogether (a layer's list of neuron outputs) and adds
    nothing, which keeps a layer call cheap. Does nothing when no scope is active.
    """
    frame = _innermost_scope()
    if frame is not None:
        parent, name, kind, call, _ = frame
        _record(outputs, (parent, name, kind, call, tuple(inputs)))


def _record(outputs: Any, frame: _Frame) -> None:
    """Record ``outputs`` as made by the scope call ``frame`` (see :func:`record_outputs`)."""
    if type(outputs) is Value:
        # Kept only if no inner scope recorded this output first (setdefault keeps theirs;
        # the new weak reference is then dropped at once, and its callback with it).
        _records.setdefault(_ref(outputs, _forget), frame)
        return
    if not isinstance(outputs, list | tuple) or not outputs:
        return
    first = outputs[0]
    if isinstance(first, Value) and _ref(first) in _records:
        return
    for item in outputs:
        if isinstance(item, Value):
            _records.setdefault(_ref(item, _forget), frame)


def call_in_scope(
    name: str, kind: str, function: Callable[..., Any], args: tuple[Any, ...], kwargs: Any
) -> Any:
    """``function(*args, **kwargs)`` inside a scope, recording its result as made from ``args``.

    What an ``nn`` module call does: :func:`push_scope`, the call, :func:`record_outputs`
    (while graphs are recorded) and :func:`pop_scope`, in one function, because it runs for
    every neuron of every example. The frame it enters is also the record its outputs get.
    """
    frame = (_innermost_scope(), name, kind, next(_calls), args)
    token = _enter(frame)
    try:
        out = function(*args, **kwargs) if kwargs else function(*args)
    finally:
        _leave(token)
    if not no_grad_anywhere or grad_enabled():  # recording (see grad_mode.no_grad_anywhere)
        if type(out) is Value:  # a neuron's output: _record's first case, a call saved
            _records.setdefault(_ref(out, _forget), frame)
        else:
            _record(out, frame)
    return out


def scope_of(node: Value) -> ScopeRecord | None:
    """The record of the scope that output ``node``, or None if no scope recorded it."""
    frame = _records.get(_ref(node))
    return None if frame is None else ScopeRecord(frame)


def _values(items: Iterable[Any]) -> Iterator[Value]:
    for item in items:
        if isinstance(item, Value):
            yield item
        elif isinstance(item, list | tuple):
            yield from _values(item)


def scope_members(order: list[Value]) -> dict[Value, ScopeRecord]:
    """For each node of ``order`` made inside a scope, the innermost scope's record.

    A scope holds its outputs and everything they were computed from, back to (not
    including) its recorded inputs and the outputs of scopes outside it. Inner scopes are
    claimed first, so each node gets the innermost scope it is in. Nodes in no scope are
    left out, and so are nodes that separate calls share (a neuron's weights, read by its
    call on every example of a batch, or an RNN cell's at every time step).
    """
    in_graph = set(order)
    by_record: dict[ScopeRecord, list[Value]] = {}
    records: dict[Value, ScopeRecord] = {}
    views: dict[int, ScopeRecord] = {}  # one view per scope call, so `is` tells calls apart
    for node in order:
        frame = _records.get(_ref(node))
        if frame is not None:
            record = views.get(id(frame))
            if record is None:
                record = views[id(frame)] = ScopeRecord(frame)
            records[node] = record
            by_record.setdefault(record, []).append(node)
    members: dict[Value, ScopeRecord] = {}
    shared: set[Value] = set()
    # Deepest scopes first; ties in the order their outputs were computed (deterministic).
    for record in sorted(by_record, key=lambda r: -len(r.levels)):
        stops = {id(value) for value in _values(record.inputs)}
        stack = list(by_record[record])
        seen: set[Value] = set()
        while stack:
            node = stack.pop()
            if node in seen or id(node) in stops or node not in in_graph:
                continue
            seen.add(node)
            other = records.get(node)
            if other is not None and other is not record and not _inside(other, record):
                continue  # another scope's output that this one read: its boundary
            owner = members.setdefault(node, record)
            if owner is not record and not _inside(owner, record):
                shared.add(node)  # reached from two separate calls: in neither
            stack.extend(node.parents)
    for node in shared:
        del members[node]
    return members


def _inside(inner: ScopeRecord, outer: ScopeRecord) -> bool:
    """True if ``inner``'s scope is ``outer``'s or nested in it (same call, not same path)."""
    depth = len(outer.levels)
    return len(inner.levels) >= depth and inner.levels[:depth] == outer.levels

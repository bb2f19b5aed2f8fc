"""Walking the graph: topological order, the backward pass, and the backward pass step by step.

Reverse-mode differentiation is the chain rule organised so that each shared term is
computed once. For an output y and a node v with consumers c1, c2, ...::

    dy/dv = sum over consumers c of  dy/dc * dc/dv

dy/dc is c's own gradient, already complete if every consumer is visited before v: that is
what a *reverse topological order* guarantees. dc/dv is the local derivative from the op
table. So the backward pass visits nodes from the output back to the leaves, and at each
node runs its op's local-gradient rule once, sending ``g * dc/dv`` along each edge to a parent.

Everything here is iterative (an explicit stack, no recursion), so a chain of a million
nodes is as fine as a chain of three.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import anomaly, ops
from . import value as _value
from .gc_pause import collector_paused

if TYPE_CHECKING:
    from .value import Value

_INF = math.inf
_ADD, _MUL, _RELU = ops.ADD, ops.MUL, ops.RELU

__all__ = ["BackwardStep", "backward", "backward_steps", "topological_order"]


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, each once, parents before children; ``root`` is last.

    A depth-first search with an explicit stack: a node is appended only after all of its
    parents have been, so reading the list backwards gives a valid order for the backward
    pass. Parents are explored in argument order, so the order is deterministic.

    This is the plain version, a set of the nodes already listed; ``backward()`` makes the
    same order with a faster walk that marks nodes in their ``.grad`` (:func:`_walk`), which
    only a pass that overwrites those gradients anyway may do.
    """
    order: list[Value] = []
    listed: set[Value] = set()  # Values hash by identity
    # (node, expanded): a node is pushed once to explore its parents, then once more, under
    # them, to be listed when they all have been.
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if node in listed:
            continue  # pushed by two consumers before either reached it
        if expanded:
            listed.add(node)
            order.append(node)
            continue
        stack.append((node, True))
        for parent in reversed(node.parents):  # reversed: the first parent is popped first
            if parent not in listed:
                stack.append((parent, False))
    return order


# The explicit stack starts with this many Nones under the root. Popping a None means the
# stack is empty (one test, where ``while stack`` would be another). And CPython gives a
# list's spare room back when it falls below half full: a stack that keeps emptying and
# refilling would ask for memory and give it back again and again, while one standing on
# 512 Nones stays above half of anything a network's walk pushes.
_STACK_FLOOR = 512


def _fresh_zeros() -> tuple[float, float]:
    """Two float objects, each 0.0, that no node's ``.grad`` can hold yet: made now, they
    are distinct from every object alive (CPython makes a new float each time; were floats
    ever cached, the check below would say so rather than let a walk misread its marks)."""
    entered, listed = float(0), float(0)
    if entered is listed:
        raise RuntimeError("float(0) returned a shared object: the backward walk needs fresh ones")
    return entered, listed


def _walk(
    root: Value,
    order: list[Value],
    leaves: list[tuple[Value, float | None]],
    constants: list[Value],
) -> None:
    """The walk of ``backward()``: :func:`topological_order`'s order, made faster by
    marking each node in its own ``.grad`` instead of keeping a set.

    Every node ``root`` depends on, parents first: the non-leaves appended to ``order``, each
    leaf to ``leaves`` with the ``.grad`` it had (to add back at the end), the
    :class:`~autograd_engine.value.Constant` ones to ``constants``.

    The marks: two float objects of this walk, ENTERED (its parents are being explored) and
    LISTED (it is listed), both 0.0. Checking a slot for one object (``is``) is several
    times cheaper than looking a node up in a set of tens of thousands, and a mark costs the
    node no slot of its own. The pass overwrites every gradient of the graph anyway: each
    sum must start at zero, and LISTED *is* that zero, so listing a node also clears its sum.
    Only ``backward()`` may walk this way, under its lock; anything else that needs the
    order uses :func:`topological_order`, which leaves ``.grad`` alone.

    It is a quarter of a training step, so it is written for the interpreter: each line
    below is a bytecode or two, and the common shapes of a network (a chain of sums, a
    product of two listed nodes, a one-input op) take the fewest of them. Counted with
    valgrind on micrograd's demo graph: about 1,360 machine instructions per node, where
    the same walk with one general path for every node took 1,800.
    """
    constant = _value.Constant
    entered, listed = _fresh_zeros()
    # Nodes still to explore. A node whose parents are not all listed is pushed back once,
    # under them, when first reached; popped again, every parent above it has been listed,
    # so it is listed.
    stack: list[Value | None] = [None] * _STACK_FLOOR
    stack.append(root)
    push, pop, emit = stack.append, stack.pop, order.append  # looked up once, not per node
    while True:
        node = pop()
        if node is None:
            break  # the floor: every node has been listed
        mark = node.grad
        if mark is entered:
            node.grad = listed
            emit(node)
            continue
        if mark is listed:
            continue  # pushed by two consumers before either reached it
        # A node not reached before. Its first parent, when it must be explored, is taken
        # next at once (as if pushed and popped): down a chain of sums, a push and a pop less
        # per node. That parent cannot be ENTERED (on the path above): it would be its own
        # ancestor, and a graph has no cycles.
        while True:
            left = node._left
            if left is None:  # a leaf has nothing to wait for
                if type(node) is constant:
                    constants.append(node)
                else:
                    leaves.append((node, node.grad))  # before it is overwritten
                node.grad = listed
                break
            right = node._right
            if right is None:  # a one-input op (relu, exp, ...)
                if left.grad is listed:
                    node.grad = listed
                    emit(node)
                    break
                node.grad = entered
                push(node)
                node = left
                continue
            try:
                right_listed = right.grad is listed  # type: ignore[union-attr]
            except AttributeError:  # rare: a tuple, the rest of an op's 3+ inputs
                node.grad = entered
                push(node)
                for parent in reversed(right):  # type: ignore[arg-type]
                    if parent.grad is not listed:
                        push(parent)  # in reverse: the first is explored first
                if left.grad is listed:
                    break
                node = left
                continue
            if right_listed:
                if left.grad is listed:
                    # Both parents listed already (a weight times an input seen before: half
                    # the nodes of a network): the node is listed now.
                    node.grad = listed
                    emit(node)
                    break
                node.grad = entered
                push(node)
            else:
                node.grad = entered
                push(node)
                push(right)  # type: ignore[arg-type]  # explored after the first parent
                if left.grad is listed:
                    break
            node = left


def _float(gradient: object) -> float:
    try:
        return float(gradient)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TypeError(
            f"backward: gradient must be a real number, not {type(gradient).__name__}"
        ) from None


def backward(root: Value, gradient: float = 1.0) -> None:
    """Fill ``.grad`` of every node in ``root``'s graph with d(root)/d(node) times ``gradient``.

    Semantics (the same as PyTorch's):

    * every *non-leaf* node's ``.grad`` holds d(root)/d(node) for *this call*, never stale
      from an earlier call;
    * *leaves* (inputs, parameters) *accumulate*: this call adds its gradient to their
      ``.grad``. Calling ``backward()`` twice gives leaves exactly twice the gradient; zero
      them between steps. A leaf whose ``.grad`` is ``None`` counts as zero (PyTorch's
      ``p.grad = None``): it receives this call's gradient;
    * a :class:`~autograd_engine.value.Constant` (a number mixed into an expression) gets
      no gradient at all: its ``.grad`` stays 0.0;
    * *all or nothing*: if any rule raises, or a gradient overflows (see the policy table in
      :mod:`autograd_engine.ops`), the error names the op, its inputs and the incoming
      gradient, and no leaf ``.grad`` has changed;
    * several threads may call it, even on one shared graph, and each call is exact: passes
      take turns, holding one process-wide lock from start to end. Nothing real is lost by
      that: a pass is pure Python, and the GIL already runs one thread's Python at a time;
    * Python's cycle collector is paused for the pass and resumes after it
      (:func:`~autograd_engine.gc_pause.collector_paused`): the pass makes no cycles.

    Each node's local-gradient rule runs once, in reverse topological order, so each edge of
    the graph carries exactly one product of the chain rule.
    """
    seed = _float(gradient)
    # The pass makes no cycles and runs no user code: the cycle collector waits till its end.
    with _one_pass_at_a_time(), collector_paused():
        # The non-leaves in topological order; the leaves and constants apart, since the
        # chain-rule loop has nothing to do at a leaf. The walk also sets every .grad of
        # the graph to zero, a leaf's too (this call's part alone), keeping what each leaf
        # held to add back at the end, or to put back; a leaf's None (zero) as None.
        order: list[Value] = []
        kept: list[tuple[Value, float | None]] = []
        constants: list[Value] = []
        try:
            _walk(root, order, kept, constants)
        except BaseException:  # interrupted (Ctrl-C, out of memory): put the leaves back
            _put_back([leaf for leaf, _ in kept], [grad for _, grad in kept], constants)
            raise
        leaves = [leaf for leaf, _ in kept]
        earlier: list[float | None] = [grad for _, grad in kept]
        try:
            root.grad = seed
            checksum = 0.0  # the sum of every gradient: finite only if each one is
            op: Any  # a node's op (never None: order holds no leaves)
            a: Any  # a node's first and second parent (the second may be a tuple, or None)
            b: Any
            # The chain rule, one node at a time, from the root back to the leaves.
            for node in reversed(order):
                op = node._op
                g = node.grad  # complete: every consumer of node came before it
                checksum += g
                # Each parent's sum gets one term: g * d(node)/d(parent). The parents are
                # node.parents, read from the node's slots: _left, then _right (see Value).
                # +, * and relu are most nodes of a network: their rules from the op table
                # (ops._add_backward, ops._mul_backward, ops._relu_backward) are written out
                # here, the same products in the same order, which saves a call (and for
                # relu a tuple) per node: a quarter of the pass.
                if op is _ADD:
                    node._left.grad += g  # type: ignore[union-attr]  # d(a+b)/da = 1
                    node._right.grad += g  # type: ignore[union-attr]  # d(a+b)/db = 1
                    continue
                a = node._left
                if op is _MUL:
                    b = node._right
                    a.grad += g * b._data  # d(a*b)/da = b
                    b.grad += g * a._data  # d(a*b)/db = a
                    continue
                if op is _RELU:
                    # relu'(x) = 1 if x > 0 else 0 (and 1 for NaN, as PyTorch): g * 1.0 is g
                    if a._data <= 0:
                        a.grad += g * 0.0
                    else:
                        a.grad += g
                    continue
                b = node._right
                if b is None:
                    (grad_a,) = op.backward(g, node._data, a._data)
                    a.grad += grad_a
                elif type(b) is not tuple:
                    grad_a, grad_b = op.backward(g, node._data, a._data, b._data)
                    a.grad += grad_a
                    b.grad += grad_b
                else:
                    parents = node.parents
                    parent_grads = op.backward(g, node._data, *(p._data for p in parents))
                    for parent, parent_grad in zip(parents, parent_grads, strict=True):
                        parent.grad += parent_grad
            for node in constants:
                node.grad = 0.0  # a constant gets no gradient: what rules sent it is dropped
            # A sum of floats is finite only if every term is, so one comparison checks every
            # gradient: the non-leaves' (summed as the loop read them, while each node was at
            # hand: a second walk over a big graph's nodes costs more) and the leaves'.
            checksum += sum([leaf.grad for leaf in leaves])
            finite = -_INF < checksum < _INF
        except (ArithmeticError, ValueError):
            finite = False
        except BaseException:
            _put_back(leaves, earlier, constants)
            raise
        if not finite:
            # Rare: some gradient is NaN/inf or a rule raised. Redo the pass edge by edge,
            # which raises naming the op if the policy forbids it (or lets IEEE propagation
            # through), and otherwise gives the same numbers.
            _put_back(leaves, earlier, constants)
            grads: dict[Value, float] = {}
            for _ in accumulate_steps(root, seed, grads):
                pass
            for node, g in grads.items():
                node.grad = g
        _add_earlier(leaves, earlier)


# One backward pass at a time in the whole process, and the thread running it.
_lock = threading.Lock()
_pass_thread: int | None = None


@contextmanager
def _one_pass_at_a_time() -> Iterator[None]:
    """Hold the backward lock for one pass; a pass started from inside a pass is an error.

    The error rather than waiting for ever: a rule that calls ``backward()`` would otherwise
    wait for the lock its own pass holds.
    """
    global _pass_thread
    thread = threading.get_ident()
    if _pass_thread == thread:
        raise RuntimeError(
            "backward() was called during a backward pass in the same thread (from a "
            "local-gradient rule?); a rule must return gradients, not start another pass"
        )
    with _lock:
        _pass_thread = thread
        try:
            yield
        finally:
            _pass_thread = None


def _put_back(leaves: list[Value], earlier: list[float | None], constants: list[Value]) -> None:
    """Undo a pass that failed: every leaf's ``.grad`` as it was, constants' at 0.0."""
    for leaf, grad in zip(leaves, earlier, strict=True):
        leaf.grad = grad  # type: ignore[assignment]  # a None is put back as it was
    for node in constants:
        node.grad = 0.0


def _add_earlier(leaves: list[Value], earlier: list[float | None]) -> None:
    """Leaves hold this call's gradient alone: add what they held before, all or none.

    A ``.grad`` of ``None`` counts as zero, as in PyTorch: that leaf gets this call's
    gradient as it is.
    """
    totals: list[float] = [
        leaf.grad if before is None else before + leaf.grad
        for leaf, before in zip(leaves, earlier, strict=True)
    ]
    if not -_INF < sum(totals) < _INF:
        for leaf, before, total in zip(leaves, earlier, totals, strict=True):
            if not -_INF < total < _INF and before is not None and _finite(before, leaf.grad):
                new = leaf.grad
                _put_back(leaves, earlier, [])
                _check_sum(leaf, before, new)  # two finite numbers overflowed: raises
    for leaf, total in zip(leaves, totals, strict=True):
        leaf.grad = total


@dataclass(frozen=True, slots=True)
class BackwardStep:
    """One step of the backward pass: a node's local-gradient rule has just run.

    Attributes:
        node: the node whose rule ran.
        grad: d(root)/d(node), complete at this point (all its consumers came earlier).
        parent_grads: what the rule sent to each parent, in ``node.parents`` order:
            ``grad * d(node)/d(parent)``, one term of each parent's chain-rule sum.
    """

    node: Value
    grad: Any
    parent_grads: tuple[Any, ...]


def accumulate_steps(
    root: Value, seed: Any, grads: dict[Value, Any], *, create_graph: bool = False
) -> Iterator[BackwardStep]:
    """The backward pass as a generator, keeping gradients in ``grads`` (never in ``.grad``).

    ``grads`` maps node -> d(root)/d(node) and is filled in as steps are taken. With
    ``create_graph`` the rules run on Values, so each gradient is itself a graph.
    Constants get no entry. This is also the careful pass of :func:`backward`: every
    gradient sent along an edge is held to the numerical policy (a NaN/inf made from finite
    values raises, naming the op; under ``detect_anomaly()`` any NaN/inf raises), and an
    error inside a rule is reported with the op, its inputs and the incoming gradient.
    """
    constant = _value.Constant
    strict = anomaly.is_enabled()
    grads[root] = seed
    for node in reversed(topological_order(root)):
        op = node._op
        if op is None:
            continue
        g = grads[node]
        try:
            if create_graph:
                parent_grads = op.backward(g, node, *node.parents)
            else:
                parent_grads = op.backward(g, node.data, *(p.data for p in node.parents))
        except anomaly.AnomalyError:
            raise
        except (ArithmeticError, ValueError) as error:
            raise _rule_error(error, node, g) from error
        for index, (parent, parent_grad) in enumerate(zip(node.parents, parent_grads, strict=True)):
            if type(parent) is constant:
                continue  # a constant gets no gradient: what its rule sent is dropped
            if not -_INF < _data(parent_grad) < _INF:
                _check_edge(node, g, index, parent_grad, strict)
            if parent in grads:
                total = grads[parent] + parent_grad
                if not -_INF < _data(total) < _INF:
                    _check_sum(parent, grads[parent], parent_grad)
                grads[parent] = total
            else:
                grads[parent] = parent_grad
        yield BackwardStep(node, g, tuple(parent_grads))


def _data(x: Any) -> float:
    """The float in a gradient, which is a float, or a Value under ``create_graph``."""
    return x.data if isinstance(x, _value.Value) else x


def _finite(*xs: Any) -> bool:
    return all(-_INF < _data(x) < _INF for x in xs)


def _where(node: Value, g: Any) -> str:
    """The op at ``node`` with its input values, output and incoming gradient, for messages."""
    op = node._op
    assert op is not None
    inputs = tuple(_data(p) for p in node.parents)
    return (
        f"{op.name} at {ops.describe_call(op.name, inputs)} (output {node.data!r}, "
        f"incoming gradient {_data(g)!r})"
    )


def _check_edge(node: Value, g: Any, index: int, parent_grad: Any, strict: bool) -> None:
    """A NaN/inf gradient sent along an edge: raise unless the policy lets it through."""
    sent = f"sends {_data(parent_grad)!r} to its input {index}"
    if strict:
        raise anomaly.AnomalyError(
            f"detect_anomaly: in backward(), {_where(node, g)} {sent}\n"
            f"  the node was created {anomaly.creation_site(node)}"
        )
    op = node._op
    assert op is not None
    own = () if op.arg is None else (op.arg,)
    if not _finite(g, node.data, *(p.data for p in node.parents), *own):
        return  # NaN/inf already in the forward values or in g: IEEE propagation
    if _data(parent_grad) != _data(parent_grad):
        raise ValueError(
            f"backward: invalid operation (IEEE would give nan): {_where(node, g)} {sent}"
        )
    raise OverflowError(f"backward: the gradient overflows a float: {_where(node, g)} {sent}")


def _check_sum(parent: Value, earlier: Any, new: Any) -> None:
    """Two gradient contributions to one node summed to NaN/inf: overflow if both finite."""
    if _finite(earlier, new):
        raise OverflowError(
            f"backward: the gradient of {parent!r} overflows a float when its contributions "
            f"{_data(earlier)!r} and {_data(new)!r} are added"
        )


def _rule_error(error: Exception, node: Value, g: Any) -> Exception:
    """An error raised inside a local-gradient rule, retold naming the op and its values."""
    if isinstance(error, OverflowError):  # Python's own text, "(34, 'Numerical result ...')"
        text = f"backward: the local gradient overflows a float: {_where(node, g)}"
    else:
        text = f"backward: {_where(node, g)}: {error}"
    try:
        return type(error)(text)
    except TypeError:  # an exception class of a user's that takes other arguments
        return error


def backward_steps(root: Value, gradient: float = 1.0) -> Iterator[BackwardStep]:
    """Yield the backward pass one node at a time, leaving every ``.grad`` untouched.

    One :class:`BackwardStep` per non-leaf node, in the order ``backward()`` runs the rules.
    Summing each step's ``parent_grads`` into its parents reproduces ``backward()`` exactly;
    this is what the graph drawings and the step-through viewer show.
    """
    yield from accumulate_steps(root, _float(gradient), {})

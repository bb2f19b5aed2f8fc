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

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .value import Value

__all__ = ["BackwardStep", "backward", "backward_steps", "topological_order"]


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, each once, parents before children; ``root`` is last.

    A depth-first search with an explicit stack: a node is appended only after all of its
    parents have been, so reading the list backwards gives a valid order for the backward
    pass. Parents are explored in argument order, so the order is deterministic.
    """
    order: list[Value] = []
    visited: set[Value] = set()
    # Nodes still to explore. A node pushed back under a None is listed when the None is
    # popped: by then everything pushed above it, its parents, has been listed.
    stack: list[Value | None] = [root]
    while stack:
        node = stack.pop()
        if node is None:
            order.append(stack.pop())  # type: ignore[arg-type]
        elif node not in visited:
            visited.add(node)
            parents = node.parents
            if parents:
                stack.append(node)
                stack.append(None)
                # Pushed in reverse so the first parent is explored (and listed) first.
                for parent in reversed(parents):
                    if parent not in visited:
                        stack.append(parent)
            else:
                order.append(node)  # a leaf has nothing to wait for
    return order


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

    * every *non-leaf* node's ``.grad`` holds d(root)/d(node) for *this call*: it is reset
      first, so it is never stale from an earlier call;
    * *leaves* (inputs, parameters) *accumulate*: this call adds to their ``.grad``. Calling
      ``backward()`` twice gives leaves exactly twice the gradient; zero them between steps.

    Each node's local-gradient rule runs once, in reverse topological order, so each edge of
    the graph carries exactly one product of the chain rule.
    """
    seed = _float(gradient)
    order = topological_order(root)
    for node in order:
        if node._op is not None:
            node.grad = 0.0
    root.grad += seed
    for node in reversed(order):
        op = node._op
        if op is None:
            continue
        parents = node.parents
        if len(parents) == 2:
            a, b = parents
            grad_a, grad_b = op.backward(node.grad, node.data, a.data, b.data)
            a.grad += grad_a
            b.grad += grad_b
        elif len(parents) == 1:
            (x,) = parents
            (grad_x,) = op.backward(node.grad, node.data, x.data)
            x.grad += grad_x
        else:
            grads = op.backward(node.grad, node.data, *(p.data for p in parents))
            for parent, parent_grad in zip(parents, grads, strict=True):
                parent.grad += parent_grad


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
    """
    grads[root] = seed
    for node in reversed(topological_order(root)):
        op = node._op
        if op is None:
            continue
        g = grads[node]
        if create_graph:
            parent_grads = op.backward(g, node, *node.parents)
        else:
            parent_grads = op.backward(g, node.data, *(p.data for p in node.parents))
        for parent, parent_grad in zip(node.parents, parent_grads, strict=True):
            grads[parent] = grads[parent] + parent_grad if parent in grads else parent_grad
        yield BackwardStep(node, g, tuple(parent_grads))


def backward_steps(root: Value, gradient: float = 1.0) -> Iterator[BackwardStep]:
    """Yield the backward pass one node at a time, leaving every ``.grad`` untouched.

    One :class:`BackwardStep` per non-leaf node, in the order ``backward()`` runs the rules.
    Summing each step's ``parent_grads`` into its parents reproduces ``backward()`` exactly;
    this is what the graph drawings and the step-through viewer show.
    """
    yield from accumulate_steps(root, _float(gradient), {})

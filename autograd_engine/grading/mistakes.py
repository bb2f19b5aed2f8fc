"""The classic mistakes of a hand-written backward pass, and how each one is recognised.

A diagnosis is a *re-enactment*: for each classic mistake the grader computes what an engine
making exactly that mistake would put in every node's ``.grad`` on the failing expression,
and names the mistake whose numbers match the learner's at every node. Nothing is guessed
from the learner's source code.

Each re-enactment runs the backward pass by hand over the expression's nodes, with this
project's engine supplying every correct local derivative (see :func:`local_derivatives`),
then changes one thing: the order nodes fire in, ``=`` for ``+=``, a local derivative not
multiplied by the incoming gradient, or one op's rule replaced by a known wrong one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..value import Value
from .catalog import OPS
from .expressions import Apply, Expr, Num

__all__ = ["Mistake", "diagnose", "local_derivatives", "simulate"]


@dataclass(frozen=True)
class Mistake:
    """A classic mistake: ``key`` (stable, for code), ``title`` (what it is, for the learner)
    and ``advice`` (what to change)."""

    key: str
    title: str
    advice: str

    def __str__(self) -> str:
        return self.title


OVERWRITE = "overwrite"
ORDER = "order"
NO_INCOMING = "no_incoming"
SIGN = "sign"
MISSING_FACTOR = "missing_factor"
SWAPPED = "swapped"
INPUT_FOR_OUTPUT = "input_for_output"
POWER_RULE = "power_rule"
RELU_AT_ZERO = "relu_at_zero"
WRONG_RULE = "wrong_rule"
NOT_RESET = "not_reset"
RECURSION = "recursion"
PARENTS = "parents"
FORWARD = "forward"

_ADVICE = {
    OVERWRITE: "A node used more than once receives one gradient per use. Add each to its "
    "grad (`self.grad += ...`) instead of assigning it (`self.grad = ...`).",
    ORDER: "A node may pass its gradient on only once every node that uses it has sent it "
    "theirs. Sort the graph topologically (parents before children) and run the rules in "
    "the reverse of that order, from the output back to the leaves.",
    NO_INCOMING: "Multiply each local derivative by the gradient arriving from above "
    "(`out.grad`): `self.grad += local * out.grad`. That product is the chain rule.",
    SIGN: "Check the sign of the local derivative in this rule.",
    MISSING_FACTOR: "A factor of the local derivative is missing: differentiate the op again "
    "on paper and compare factor by factor.",
    SWAPPED: "For out = a * b, d(out)/da = b and d(out)/db = a: each input gets the *other* "
    "input's value.",
    INPUT_FOR_OUTPUT: "This derivative is a function of the op's output; the rule used the "
    "input instead (`self.data` where `out.data` belongs).",
    POWER_RULE: "d(x**n)/dx = n * x**(n - 1): lower the exponent by one.",
    RELU_AT_ZERO: "relu'(0) is 0 by convention (PyTorch, micrograd): pass the gradient only "
    "where the output is > 0, not >= 0.",
    WRONG_RULE: "Differentiate the op again on paper and compare with the rule.",
    NOT_RESET: "A second backward() must not start from the gradients the first one left in "
    "the inner nodes: set every node's grad to 0 at the start of backward() (or at least "
    "the non-leaf ones: then leaves accumulate, as in PyTorch).",
    RECURSION: "Build the topological order with a loop and an explicit stack instead of a "
    "recursive function: Python allows only about 1000 nested calls.",
    PARENTS: "Each op must record its inputs as the new node's parents (`_prev` or `parents`): "
    "without them backward() cannot reach the inputs.",
    FORWARD: "The op computes the wrong number before any gradient is involved: check its "
    "forward formula.",
}


def mistake(key: str, title: str) -> Mistake:
    """The mistake ``key`` with a ``title`` saying where it was seen."""
    return Mistake(key, title, _ADVICE[key])


# --- local derivatives, from this project's engine -------------------------------------------


def local_derivatives(node: Apply, values: dict[Expr, float]) -> list[float | None]:
    """d(node)/d(argument) for each argument of ``node`` (None for a plain number), computed by
    this project's engine on fresh leaves holding the arguments' values."""
    fresh = [None if isinstance(arg, Num) else Value(values[arg]) for arg in node.args]
    args = [
        arg.value if isinstance(arg, Num) else leaf
        for arg, leaf in zip(node.args, fresh, strict=True)
    ]
    out = OPS[node.op].apply(*args)
    out.backward()
    return [None if leaf is None else leaf.grad for leaf in fresh]


# --- the re-enactment ---------------------------------------------------------------------

Rule = Callable[[Apply, list[float | None], dict[Expr, float]], list[float | None]]
"""Replaces the local derivatives of one node: (node, correct locals, values) -> locals."""


@dataclass
class Graph:
    """What a re-enactment needs: the nodes in topological order, each node's value and
    correct local derivatives, and the output."""

    order: list[Expr]
    values: dict[Expr, float]
    local: dict[Apply, list[float | None]]
    root: Expr

    @classmethod
    def of(cls, order: list[Expr], values: dict[Expr, float], root: Expr) -> Graph:
        local = {node: local_derivatives(node, values) for node in order if isinstance(node, Apply)}
        return cls(order, values, local, root)


def _firing_order(graph: Graph, schedule: str, reverse_args: bool) -> Iterator[Expr]:
    """The nodes in the order an engine runs their rules: ``"reverse"`` (correct), or one
    of the wrong orders: ``"forward"``, ``"depth_first"`` (each node when first reached from
    the output), ``"breadth_first"``."""
    if schedule == "reverse":
        yield from reversed(graph.order)
    elif schedule == "forward":
        yield from graph.order
    else:
        seen: set[Expr] = set()
        pending: list[Expr] = [graph.root]
        while pending:
            node = pending.pop() if schedule == "depth_first" else pending.pop(0)
            if node in seen:
                continue
            seen.add(node)
            yield node
            if isinstance(node, Apply):
                args = [arg for arg in node.args if not isinstance(arg, Num)]
                if reverse_args == (schedule == "depth_first"):
                    args.reverse()
                pending.extend(args)


def simulate(
    graph: Graph,
    *,
    rules: dict[str, Rule] | None = None,
    no_incoming: frozenset[str] = frozenset(),
    schedule: str = "reverse",
    reverse_args: bool = False,
    start: dict[Expr, float] | None = None,
) -> dict[Expr, float]:
    """Every node's gradient after a backward pass that may make one classic mistake.

    Args:
        rules: for an op name, a wrong rule used at its nodes instead of the right one.
        no_incoming: the ops whose rule forgets to multiply by the incoming gradient.
        schedule: the order the nodes fire in (see :func:`_firing_order`).
        start: the gradients already in the nodes (a second backward() without a reset).
    """
    grads = dict.fromkeys(graph.order, 0.0) if start is None else dict(start)
    grads[graph.root] = 1.0
    for node in _firing_order(graph, schedule, reverse_args):
        if not isinstance(node, Apply):
            continue
        local = graph.local[node]
        if rules and node.op in rules:
            local = rules[node.op](node, local, graph.values)
        g = grads[node]
        # A wrong rule may list fewer derivatives than inputs (none for the exponent of x**n).
        for arg, derivative in zip(node.args, local, strict=False):
            if isinstance(arg, Num) or derivative is None:
                continue
            grads[arg] += derivative if node.op in no_incoming else derivative * g
    return grads


def _overwrite_matches(graph: Graph, received: dict[Expr, float]) -> bool:
    """Whether ``=`` instead of ``+=`` explains ``received``, whatever order the learner's
    engine fires in: each node must hold exactly one of the gradients its uses sent it."""
    grads: dict[Expr, float] = {graph.root: 1.0}
    sent: dict[Expr, list[float]] = {node: [] for node in graph.order}
    fan_out = False
    for node in reversed(graph.order):
        if node is not graph.root:
            options = sent[node]
            fan_out = fan_out or len(options) > 1
            chosen = [x for x in options if close(x, received[node])]
            if not chosen and options:
                return False
            grads[node] = chosen[0] if chosen else 0.0
        if isinstance(node, Apply):
            for arg, derivative in zip(node.args, graph.local[node], strict=True):
                if not isinstance(arg, Num) and derivative is not None:
                    sent[arg].append(derivative * grads[node])
    return fan_out and all(close(grads[node], received[node]) for node in graph.order)


def close(expected: float, received: float) -> bool:
    """Equal up to rounding (relative 1e-6, absolute 1e-9); a NaN is never close."""
    return math.isclose(expected, received, rel_tol=1e-6, abs_tol=1e-9)


def _matches(simulated: dict[Expr, float], received: dict[Expr, float]) -> bool:
    return all(close(simulated[node], received[node]) for node in received)


# --- known wrong rules, op by op ------------------------------------------------------------


def _wrong_rules() -> list[tuple[str, str, str, Rule]]:
    """(op, mistake key, title, wrong rule): the slips that come up again and again."""

    def out(node: Apply, values: dict[Expr, float]) -> float:
        return values[node]

    def arg(node: Apply, values: dict[Expr, float], k: int) -> float:
        a = node.args[k]
        return a.value if isinstance(a, Num) else values[a]

    def only(*locals_: Callable[[Apply, dict[Expr, float]], float]) -> Rule:
        return lambda node, right, values: [f(node, values) for f in locals_]

    return [
        ("mul", SWAPPED, "`*` sends each input its own value instead of the other's",
         only(lambda n, v: arg(n, v, 0), lambda n, v: arg(n, v, 1))),
        ("tanh", MISSING_FACTOR, "tanh's derivative as 1 - t instead of 1 - t² (t = tanh x)",
         only(lambda n, v: 1 - out(n, v))),
        ("tanh", SIGN, "a sign in tanh's derivative: 1 + t² instead of 1 - t²",
         only(lambda n, v: 1 + out(n, v) ** 2)),
        ("tanh", INPUT_FOR_OUTPUT, "tanh's derivative as 1 - x² instead of 1 - tanh(x)²",
         only(lambda n, v: 1 - arg(n, v, 0) ** 2)),
        ("exp", INPUT_FOR_OUTPUT, "exp's derivative as x instead of exp(x)",
         only(lambda n, v: arg(n, v, 0))),
        ("exp", MISSING_FACTOR, "exp's derivative as 1 instead of exp(x)",
         only(lambda n, v: 1.0)),
        ("pow", POWER_RULE, "the power rule as n·xⁿ instead of n·xⁿ⁻¹",
         only(lambda n, v: arg(n, v, 1) * arg(n, v, 0) ** arg(n, v, 1))),
        ("pow", MISSING_FACTOR, "the power rule without its factor n: xⁿ⁻¹ instead of n·xⁿ⁻¹",
         only(lambda n, v: arg(n, v, 0) ** (arg(n, v, 1) - 1))),
        ("relu", RELU_AT_ZERO, "relu'(0) taken as 1 (`>=` where `>` belongs)",
         only(lambda n, v: 1.0 if arg(n, v, 0) >= 0 else 0.0)),
        ("div", MISSING_FACTOR, "d(a/b)/db as -1/b² instead of -a/b² (the factor a is missing)",
         only(lambda n, v: 1 / arg(n, v, 1), lambda n, v: -1 / arg(n, v, 1) ** 2)),
        ("div", MISSING_FACTOR, "d(a/b)/db as -a/b instead of -a/b² (a factor 1/b is missing)",
         only(lambda n, v: 1 / arg(n, v, 1), lambda n, v: -arg(n, v, 0) / arg(n, v, 1))),
        ("div", SWAPPED, "`/` differentiated as `*`: b and a instead of 1/b and -a/b²",
         only(lambda n, v: arg(n, v, 1), lambda n, v: arg(n, v, 0))),
        ("sigmoid", MISSING_FACTOR, "sigmoid's derivative as s instead of s·(1 - s)",
         only(lambda n, v: out(n, v))),
        ("sigmoid", INPUT_FOR_OUTPUT, "sigmoid's derivative as x·(1 - x) instead of s·(1 - s)",
         only(lambda n, v: arg(n, v, 0) * (1 - arg(n, v, 0)))),
        ("log", WRONG_RULE, "log's derivative as x instead of 1/x",
         only(lambda n, v: arg(n, v, 0))),
    ]  # fmt: skip


_SYMBOL = {"add": "+", "mul": "*", "sub": "-", "div": "/", "neg": "unary -", "pow": "**"}


def op_title(op: str) -> str:
    """How a report names an op: ``*``, ``tanh``."""
    return f"`{_SYMBOL.get(op, op)}`"


def _flip(k: int) -> Rule:
    """A rule that sends the opposite of the right gradient to input ``k``."""

    def flipped(
        node: Apply, right: list[float | None], values: dict[Expr, float]
    ) -> list[float | None]:
        return [(-d if d is not None and i == k else d) for i, d in enumerate(right)]

    return flipped


def _candidates(graph: Graph) -> Iterator[tuple[Mistake, dict[str, Any]]]:
    """Every re-enactment worth trying on ``graph``, the most specific first: the mistake,
    and the arguments of :func:`simulate` that re-enact it."""
    present = sorted({node.op for node in graph.order if isinstance(node, Apply)})
    for op, key, title, rule in _wrong_rules():
        if op in present:
            yield mistake(key, title), {"rules": {op: rule}}
    for op in present:
        for k in range(OPS[op].arity):
            which = "" if OPS[op].arity == 1 else f" (the gradient of input {k + 1})"
            yield (
                mistake(SIGN, f"a sign in the rule of {op_title(op)}{which}"),
                {"rules": {op: _flip(k)}},
            )
    for op in present:
        title = f"the local derivative of {op_title(op)} without the incoming gradient"
        yield mistake(NO_INCOMING, title), {"no_incoming": frozenset([op])}
    title = "the local derivative without the incoming gradient"
    yield mistake(NO_INCOMING, title), {"no_incoming": frozenset(present)}
    for schedule in ("forward", "depth_first", "breadth_first"):
        title = f"no reverse topological order (the nodes fire {schedule.replace('_', ' ')})"
        for reverse_args in (False, True):
            yield mistake(ORDER, title), {"schedule": schedule, "reverse_args": reverse_args}


def diagnose(graph: Graph, received: dict[Expr, float]) -> Mistake | None:
    """The classic mistake that gives exactly the ``received`` gradients, or None."""
    correct = simulate(graph)
    if _matches(correct, received):
        return None
    for found, how in _candidates(graph):
        try:
            if _matches(simulate(graph, **how), received):
                return found
        except (ArithmeticError, ValueError):
            continue
    if _overwrite_matches(graph, received):
        return mistake(
            OVERWRITE, "`=` instead of `+=`: a node used twice kept only one of its gradients"
        )
    return None

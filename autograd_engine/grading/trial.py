"""One expression, built in this project's engine and in the learner's, compared node by node.

The expected numbers come from this project's engine (its non-leaf nodes keep this pass's
gradient, so every node can be compared); finite differences check the leaves once more.
Nodes are compared in the order the backward pass visits them, this project's reverse
topological order (output first), so the *first divergence* is the node nearest the output
whose gradient is wrong: every node above it is right, so the mistake is in what its users
sent it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..checks import central_difference
from ..graph import topological_order
from ..value import Value
from .bounded import run_bounded
from .expressions import Apply, Built, Expr, Leaf, Num, build, formula, names, text
from .learner import Learner, describe_error
from .mistakes import FORWARD, PARENTS, Graph, Mistake, close, diagnose, mistake

__all__ = ["NodeRow", "Trial", "run_trial"]


@dataclass(frozen=True)
class NodeRow:
    """One node of a compared expression.

    ``expected``/``received`` are gradients (``received`` is None when the learner's node
    could not be read); ``finite_difference`` is given for leaves.
    """

    name: str
    formula: str
    data: float
    received_data: float | None
    expected: float
    received: float | None
    finite_difference: float | None = None
    is_leaf: bool = False

    @property
    def agrees(self) -> bool:
        return self.received is not None and close(self.expected, self.received)


@dataclass
class Trial:
    """The outcome of comparing one expression: ``passed``, or what went wrong."""

    expression: str
    rows: list[NodeRow] = field(default_factory=list)
    problem: str = ""
    first_divergence: str | None = None
    mistake: Mistake | None = None

    @property
    def passed(self) -> bool:
        return not self.problem


def expected_in_this_engine(root: Expr) -> tuple[dict[Expr, Any], list[Expr]] | None:
    """This engine's node for every node of ``root``, after ``backward()``, and the nodes in
    the order backward visits them. None if the expression is outside an op's domain here."""
    try:
        built = build(root, Value)
        built.root.backward()
    except (ArithmeticError, ValueError):
        return None
    by_id = {id(obj): node for node, obj in built.objects.items()}
    order = [by_id[id(v)] for v in reversed(topological_order(built.root)) if id(v) in by_id]
    return built.objects, order


def _finite_difference(root: Expr, leaf: Leaf) -> float | None:
    """d(root)/d(leaf) by a central difference, this engine evaluating forward only (None
    where a nudge leaves an op's domain)."""

    def f(x: Value) -> Value:
        result: Value = build(root, Value, {leaf: x.data}).root
        return result

    try:
        return central_difference(f, [leaf.value], 0)[0]
    except (ArithmeticError, ValueError):
        return None


def _parents_problem(root: Expr, order: list[Expr], built: Built, learner: Learner) -> Trial | None:
    """A failing trial if some learner node does not reach one of its inputs by its parents."""
    name_of = names(root)
    for node in order:
        if not isinstance(node, Apply):
            continue
        for arg in node.args:
            if isinstance(arg, Num):
                continue
            if learner.reaches(built.objects[node], built.objects[arg]) is False:
                trial = Trial(text(root))
                trial.problem = (
                    f"{formula(node, name_of)}: the node does not list {name_of[arg]} among its "
                    "parents (`_prev` or `parents`), so backward() cannot reach it"
                )
                trial.first_divergence = name_of[arg]
                trial.mistake = mistake(
                    PARENTS, f"{name_of[node]} does not record its input {name_of[arg]}"
                )
                return trial
    return None


def run_trial(root: Expr, learner: Learner, passes: int = 1) -> Trial | None:
    """Compare ``root`` in both engines after ``passes`` calls of ``backward()`` (1 or 2).

    Returns None when ``root`` is outside an op's domain (``log`` of a negative number);
    the caller draws another expression.
    """
    ours = expected_in_this_engine(root)
    if ours is None:
        return None
    objects, backward_order = ours
    name_of = names(root)
    trial = Trial(text(root))

    def learner_side() -> tuple[dict[Expr, float], dict[Expr, float], Any]:
        built = build(root, learner.leaf)
        data = {node: learner.number(obj, "data") for node, obj in built.objects.items()}
        for _ in range(passes):
            built.root.backward()
        grads = {node: learner.number(obj, "grad") for node, obj in built.objects.items()}
        return data, grads, built

    outcome = run_bounded(learner_side, learner.seconds)
    if outcome.timed_out:
        trial.problem = (
            f"building {trial.expression} and calling backward() did not finish within "
            f"{learner.seconds:g} s: is there a loop that never ends (a stack or list that "
            "keeps growing, a node visited again and again)?"
        )
        return trial
    if outcome.error is not None or outcome.value is None:
        error = outcome.error or RuntimeError("no result")
        trial.problem = f"{trial.expression} raised {describe_error(error)}"
        return trial
    data, grads, built = outcome.value
    for node in backward_order:
        expected = objects[node].grad * (passes if isinstance(node, Leaf) else 1)
        trial.rows.append(
            NodeRow(
                name_of[node],
                formula(node, name_of),
                objects[node].data,
                data[node],
                expected,
                grads[node],
                _finite_difference(root, node) if isinstance(node, Leaf) and passes == 1 else None,
                isinstance(node, Leaf),
            )
        )
    # Forward first: a wrong value makes every gradient below it wrong too.
    for row in trial.rows:
        if not close(row.data, row.received_data if row.received_data is not None else math.nan):
            trial.problem = (
                f"the forward value of {row.formula} is {row.received_data!r}, "
                f"expected {row.data!r}"
            )
            trial.first_divergence = row.name
            trial.mistake = mistake(FORWARD, f"a wrong forward value at {row.name}")
            return trial
    missing_parent = _parents_problem(root, backward_order, built, learner)
    if missing_parent is not None:
        missing_parent.rows = trial.rows
        return missing_parent
    for row in trial.rows:
        if not row.agrees:
            trial.first_divergence = row.name
            trial.problem = (
                f"the gradient of {row.name} is {row.received:.6g}, expected {row.expected:.6g}"
            )
            break
    if trial.problem and passes == 1:
        graph = Graph.of(
            list(reversed(backward_order)), {n: objects[n].data for n in backward_order}, root
        )
        trial.mistake = diagnose(graph, grads)
    return trial

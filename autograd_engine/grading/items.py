"""The graded battery: each item builds expressions from the ops the learner's class has and
compares them with this project's engine (see :mod:`.trial`)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .bounded import run_bounded
from .expressions import Apply, Expr, Leaf, Num
from .learner import Learner, describe_error
from .mistakes import NOT_RESET, RECURSION, Graph, close, mistake, simulate
from .report import Item
from .search import smallest_failure
from .trial import Trial, expected_in_this_engine, run_trial

__all__ = ["ITEMS", "ItemSpec"]


def _item(name: str, trial: Trial | None, passed_message: str) -> Item:
    if trial is None or trial.passed:
        return Item(name, True, message=passed_message)
    return Item(
        name,
        False,
        trial.mistake,
        trial.first_divergence,
        trial.expression,
        trial.problem,
        trial.rows,
    )


X, Y, Z = Leaf("x", 2.0), Leaf("y", -3.0), Leaf("z", 0.5)


def _op(name: str, *args: Expr | float) -> Apply:
    return Apply(name, tuple(Num(float(a)) if isinstance(a, int | float) else a for a in args))


def _op_examples(op: str) -> list[Expr]:
    """Small fixed expressions for one op: alone, then composed with itself."""
    if op == "pow":
        return [*(_op("pow", X, n) for n in (2, 3, -1)), _op("pow", Z, 0.5)]
    if op in ("log",):
        return [_op(op, Z), _op(op, _op(op, Leaf("x", 3.0)))]
    if op in ("relu",):
        return [_op(op, X), _op(op, Leaf("x", -1.0)), _op(op, Leaf("x", 0.0)), _op(op, _op(op, X))]
    if op in ("neg", "exp", "tanh", "sigmoid"):
        return [_op(op, Z), _op(op, _op(op, Z))]
    return [_op(op, X, Y), _op(op, _op(op, X, Y), Z)]


def grade_op(op: str) -> Callable[[Learner, list[str]], Item]:
    def grade(learner: Learner, ops: list[str]) -> Item:
        trial = smallest_failure(
            lambda e: run_trial(e, learner), _op_examples(op), [op], max_examples=25, seconds=3
        )
        return _item(op, trial, f"the local rule of {op} agrees with this engine")

    return grade


def grade_fan_out(learner: Learner, ops: list[str]) -> Item:
    examples: list[Expr] = []
    for op in ("add", "mul", "sub"):
        if op in ops:
            examples.append(_op(op, X, X))
    if "add" in ops and "mul" in ops:
        product = _op("mul", X, Y)
        examples += [_op("add", _op("mul", X, Y), X), _op("add", product, _op("mul", product, Z))]
    trial = smallest_failure(lambda e: run_trial(e, learner), examples)
    return _item("fan-out", trial, "a node used twice gets the sum of both gradients")


def _lecture() -> Expr:
    a, b, c, f = Leaf("a", 2.0), Leaf("b", -3.0), Leaf("c", 10.0), Leaf("f", -2.0)
    return _op("mul", _op("add", _op("mul", a, b), c), f)


def grade_lecture(learner: Learner, ops: list[str]) -> Item:
    trial = run_trial(_lecture(), learner)
    return _item("lecture graph", trial, "L = (a*b + c) * f: a, b, c, f get 6, -4, -2, 4")


MAZUR_WEIGHTS = [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]
MAZUR_AFTER_ONE_STEP = [
    0.149780716, 0.19956143, 0.24975114, 0.29950229,
    0.35891648, 0.408666186, 0.511301270, 0.561370121,
]  # fmt: skip


def _mazur(ops: list[str]) -> tuple[Expr, list[Leaf]]:
    """Matt Mazur's 2-2-2 logistic network and its squared error (his worked example)."""

    def sigmoid(x: Expr) -> Expr:
        if "sigmoid" in ops:
            return _op("sigmoid", x)
        return _op("pow", _op("add", _op("exp", _op("neg", x)), 1), -1)

    i1, i2 = Leaf("i1", 0.05), Leaf("i2", 0.10)
    w = [Leaf(f"w{k + 1}", x) for k, x in enumerate(MAZUR_WEIGHTS)]
    b1, b2 = Leaf("b1", 0.35), Leaf("b2", 0.60)

    def neuron(wa: Leaf, wb: Leaf, xa: Expr, xb: Expr, b: Leaf) -> Expr:
        return sigmoid(_op("add", _op("add", _op("mul", wa, xa), _op("mul", wb, xb)), b))

    h1, h2 = neuron(w[0], w[1], i1, i2, b1), neuron(w[2], w[3], i1, i2, b1)
    o1, o2 = neuron(w[4], w[5], h1, h2, b2), neuron(w[6], w[7], h1, h2, b2)
    half_square = [
        _op("mul", _op("pow", _op("sub", o, t), 2), 0.5) for o, t in ((o1, 0.01), (o2, 0.99))
    ]
    return _op("add", *half_square), w


def grade_mazur(learner: Learner, ops: list[str]) -> Item:
    error, weights = _mazur(ops)
    trial = run_trial(error, learner)
    item = _item("Mazur's network", trial, "E = 0.298371109; one step of lr 0.5 gives his weights")
    if item.passed and trial is not None:
        received = {row.name: row.received for row in trial.rows}
        for weight, published in zip(weights, MAZUR_AFTER_ONE_STEP, strict=True):
            grad = received[weight.name] or 0.0
            if abs(weight.value - 0.5 * grad - published) > 5e-9:
                item.passed = False
                step = weight.value - 0.5 * grad
                item.message = f"{weight.name} after one step is {step!r}, published {published}"
    return item


def grade_backward_twice(learner: Learner, ops: list[str]) -> Item:
    """``backward()`` twice on one graph: leaves accumulate (PyTorch: twice the gradient) or
    are reset (once); inner nodes must hold this pass's gradient, never a stale one."""
    root = _lecture()
    once = run_trial(root, learner)
    if once is None or not once.passed:
        return _item("backward twice", once, "")
    twice = run_trial(root, learner, passes=2)
    assert twice is not None
    twice.expression += (
        "  (backward() called twice; expected: leaves twice one pass's gradient, as PyTorch)"
    )
    if twice.passed:
        return _item("backward twice", twice, "leaves accumulate, inner nodes are not stale")
    if not twice.rows:  # an exception or a timeout on the second call
        return _item("backward twice", twice, "")
    leaves_once = all(
        close(r.expected / (2 if r.is_leaf else 1), r.received or 0.0) for r in twice.rows
    )
    if leaves_once:
        return Item("backward twice", True, message="backward() resets the gradients first")
    ours = expected_in_this_engine(root)
    assert ours is not None
    objects, order = ours
    graph = Graph.of(list(reversed(order)), {n: objects[n].data for n in order}, root)
    first = simulate(graph)
    stale = simulate(graph, start=first)
    by_name = {row.name: row.received for row in twice.rows}
    from .expressions import names

    name_of = names(root)
    if all(close(stale[n], by_name[name_of[n]] or 0.0) for n in order):
        twice.mistake = mistake(
            NOT_RESET,
            "gradients not reset: the second backward() started from the inner nodes' "
            "gradients of the first",
        )
    return _item("backward twice", twice, "")


DEPTHS = (100, 1000, 10_000)


def grade_deep_chain(learner: Learner, ops: list[str]) -> Item:
    """A chain y = x * k * k * ... deeper than Python's recursion limit."""
    worked = 0
    for depth in DEPTHS:

        def chain(depth: int = depth) -> float:
            x, k = learner.leaf(1.0), learner.leaf(1.0001)
            y = x
            for _ in range(depth):
                y = y * k
            y.backward()
            return learner.number(x, "grad")

        outcome = run_bounded(chain, learner.seconds * 5)
        expected = 1.0001**depth
        if isinstance(outcome.error, RecursionError):
            limit = sys.getrecursionlimit()
            return Item(
                "deep chain",
                False,
                mistake(RECURSION, "a recursive topological sort"),
                message=(
                    f"backward() on a chain {depth} nodes deep raised RecursionError"
                    + (f" (a chain {worked} deep worked)" if worked else "")
                    + f". Your rules can be right and still meet this: Python allows about "
                    f"{limit} nested calls, and a recursive topological sort makes one per "
                    "level of the graph. A recurrent network unrolled over a long sequence is "
                    "that deep."
                ),
            )
        if not outcome.ok:
            why = "did not finish in time" if outcome.timed_out else describe_error(outcome.error)  # type: ignore[arg-type]
            return Item("deep chain", False, message=f"a chain {depth} nodes deep: {why}")
        if not close(expected, outcome.value or 0.0):
            return Item(
                "deep chain",
                False,
                message=f"a chain {depth} nodes deep: x.grad is {outcome.value!r}, "
                f"expected 1.0001**{depth} = {expected!r}",
            )
        worked = depth
    return Item("deep chain", True, message=f"a chain {DEPTHS[-1]} nodes deep works")


def grade_numbers(reflected: bool) -> Callable[[Learner, list[str]], Item]:
    name = "reflected operators" if reflected else "numbers mixed in"

    def grade(learner: Learner, ops: list[str]) -> Item:
        examples: list[Expr] = []
        for op, number in (("add", 2), ("mul", 3), ("sub", 2), ("div", 4)):
            if op in ops:
                examples.append(_op(op, number, X) if reflected else _op(op, X, number))
        if "pow" in ops and not reflected:
            examples.append(_op("pow", X, 3))
        trial = smallest_failure(lambda e: run_trial(e, learner), examples)
        what = "2 + x, 3 * x, ..." if reflected else "x + 2, x * 3, ..."
        return _item(name, trial, f"{what} work with a plain number")

    return grade


def grade_random(learner: Learner, ops: list[str]) -> Item:
    graded = [op for op in ops if op != "log"]  # log's domain rejects most random trees
    trial = smallest_failure(
        lambda e: run_trial(e, learner), [], graded, max_examples=50, seconds=5
    )
    return _item("random expressions", trial, f"random trees of {', '.join(graded)} agree")


@dataclass(frozen=True)
class ItemSpec:
    """An item of the battery: its name, the ops it needs (all of ``needs``, and one of
    each group in ``needs_one_of``), and the function that grades it."""

    name: str
    grade: Callable[[Learner, list[str]], Item]
    needs: tuple[str, ...] = ()
    needs_one_of: tuple[tuple[str, ...], ...] = ()

    def missing(self, ops: Sequence[str]) -> list[str]:
        lacking = [op for op in self.needs if op not in ops]
        lacking += [" or ".join(group) for group in self.needs_one_of if not set(group) & set(ops)]
        return lacking


def grade_leaf(learner: Learner, ops: list[str]) -> Item:
    """``Value(2.0)`` holds 2.0 in ``data`` and 0 in ``grad``."""
    outcome = run_bounded(lambda: learner.leaf(2.0), learner.seconds)
    if not outcome.ok:
        why = "did not finish" if outcome.timed_out else describe_error(outcome.error)  # type: ignore[arg-type]
        return Item("leaf", False, message=f"{learner.name}(2.0) raised {why}")
    leaf = outcome.value
    try:
        data, grad = learner.number(leaf, "data"), learner.number(leaf, "grad")
    except (AttributeError, TypeError, ValueError) as error:
        return Item(
            "leaf",
            False,
            message=f"reading .data and .grad of {learner.name}(2.0): {describe_error(error)}",
        )
    if data != 2.0 or grad != 0.0:
        return Item(
            "leaf",
            False,
            message=f"{learner.name}(2.0) has data {data!r} and grad {grad!r}: expected 2.0 and 0",
        )
    return Item("leaf", True, message=f"{learner.name}(2.0) holds data 2.0 and grad 0")


def _items() -> list[ItemSpec]:
    from .catalog import OPS

    return [
        ItemSpec("leaf", grade_leaf),
        *(ItemSpec(op, grade_op(op), (op,)) for op in OPS),
        ItemSpec("fan-out", grade_fan_out, needs_one_of=(("add", "mul", "sub"),)),
        ItemSpec("lecture graph", grade_lecture, ("add", "mul")),
        ItemSpec(
            "Mazur's network", grade_mazur, ("add", "mul", "sub", "pow"), (("sigmoid", "exp"),)
        ),
        ItemSpec("backward twice", grade_backward_twice, ("add", "mul")),
        ItemSpec("deep chain", grade_deep_chain, ("mul",)),
        ItemSpec(
            "reflected operators", grade_numbers(True), needs_one_of=(("add", "mul", "sub", "div"),)
        ),
        ItemSpec(
            "numbers mixed in",
            grade_numbers(False),
            needs_one_of=(("add", "mul", "sub", "div", "pow"),),
        ),
        ItemSpec("random expressions", grade_random, needs_one_of=(("add", "mul", "sub", "div"),)),
    ]


ITEMS: list[ItemSpec] = _items()
"""The whole battery, in the order reports list it."""

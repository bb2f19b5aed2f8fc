"""Finding the smallest expression on which a learner's engine goes wrong.

Fixed examples are tried first, smallest first. Then hypothesis draws random expression trees
from the ops being graded and, when one fails, *shrinks* it: it tries smaller trees and
simpler numbers for as long as they still fail. The grader keeps the smallest failure it has
seen (fewest ops and numbers, then shortest text), so what a learner reads is as small as the
search could make it. The search is derandomized (the same report on every run), bounded in
examples and in seconds, and works without hypothesis too (fixed examples only).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from .catalog import OPS
from .expressions import Apply, Expr, Leaf, Num, size, text
from .trial import Trial

__all__ = ["expression_trees", "smallest_failure"]

VARIABLES = ("x", "y", "z")
EXPONENTS = (2.0, 3.0, -1.0, 0.5)


def _smaller(a: Trial, b: Trial | None, sizes: dict[str, int]) -> bool:
    return b is None or (sizes[a.expression], len(a.expression)) < (
        sizes[b.expression],
        len(b.expression),
    )


def _apply(op: str, args: tuple[Expr, ...]) -> Apply:
    return Apply(op, args)


def expression_trees(ops: Sequence[str], max_leaves: int = 5) -> Any:
    """A hypothesis strategy for trees over ``ops`` and the variables x, y, z.

    Each variable has one value per tree (halves from -3 to 3, shrinking towards 0), so a
    variable drawn twice is one node used twice: fan-out comes for free. ``pow`` takes a
    plain number as its exponent.
    """
    from hypothesis import strategies as st

    @st.composite
    def trees(draw: Any) -> Expr:
        values = {name: draw(st.integers(-6, 6)) / 2 for name in VARIABLES}
        leaf = st.sampled_from([Leaf(name, values[name]) for name in VARIABLES])

        def extend(children: Any) -> Any:
            options = []
            for op in ops:
                spec = OPS[op]
                if spec.exponent_is_number:
                    pairs = st.tuples(children, st.sampled_from(EXPONENTS).map(Num))
                    options.append(pairs.map(partial(_apply, op)))
                elif spec.arity == 1:
                    options.append(st.tuples(children).map(partial(_apply, op)))
                else:
                    options.append(st.tuples(children, children).map(partial(_apply, op)))
            return st.one_of(options)

        tree: Expr = draw(st.recursive(leaf, extend, max_leaves=max_leaves))
        return tree

    return trees()


def smallest_failure(
    check: Callable[[Expr], Trial | None],
    examples: Sequence[Expr],
    ops: Sequence[str] = (),
    *,
    max_examples: int = 60,
    seconds: float = 4.0,
) -> Trial | None:
    """The smallest failing trial found, or None if every expression tried passed.

    Args:
        check: compares one expression in both engines (None: outside an op's domain).
        examples: fixed expressions, tried first, in order; the first failure ends the search.
        ops: the ops of the random trees (none: no random search).
        max_examples, seconds: the random search's bounds.
    """
    for example in examples:
        trial = check(example)
        if trial is not None and not trial.passed:
            return trial
    if not ops:
        return None
    try:
        from hypothesis import HealthCheck, Phase, given, reject, settings
    except ImportError:  # the random search is an extra; the fixed examples still ran
        return None

    deadline = time.monotonic() + seconds
    best: Trial | None = None
    sizes: dict[str, int] = {}

    @settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=False,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(expression_trees(ops))
    def search(expression: Expr) -> None:
        nonlocal best
        if time.monotonic() > deadline:
            return  # out of time: every later tree "passes", so the search winds down
        if not isinstance(expression, Apply):
            reject()
        trial = check(expression)
        if trial is None:
            reject()
        assert trial is not None
        if not trial.passed:
            sizes[trial.expression] = size(expression)
            if _smaller(trial, best, sizes):
                best = trial
            raise AssertionError(text(expression))

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # hypothesis's notes on its own strategy's repr
            search()
    except Exception:  # a failure found (kept in best), or the search gave up: both fine
        pass
    return best

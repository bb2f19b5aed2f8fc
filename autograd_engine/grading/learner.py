"""Reading a learner's engine through micrograd's interface, and finding which ops it has.

All a learner's class must have: ``MyValue(number)`` makes a leaf, ``.data`` and ``.grad``
hold numbers, ``.backward()`` fills the gradients, and the ops it supports are Python's
operators and methods (``+``, ``*``, ``.tanh()``...). The parents of a node are read from
``_prev`` (micrograd's name) or ``parents`` when the class has either.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .bounded import run_bounded
from .catalog import OPS, OpSpec

__all__ = ["Learner", "describe_error"]


def describe_error(error: BaseException) -> str:
    """``TypeError: unsupported operand ...`` plus where in the learner's code it was raised."""
    where = ""
    trace = error.__traceback__
    while trace is not None:
        code = trace.tb_frame.f_code
        if "autograd_engine" not in code.co_filename:
            where = f" (in {code.co_name}, line {trace.tb_lineno})"
        trace = trace.tb_next
    message = str(error)
    if isinstance(error, RecursionError):
        message = "maximum recursion depth exceeded"
    return (
        f"{type(error).__name__}: {message}{where}" if message else f"{type(error).__name__}{where}"
    )


@dataclass
class Learner:
    """A learner's value class, with the few ways the grader reads it."""

    cls: type
    seconds: float = 2.0

    @property
    def name(self) -> str:
        return getattr(self.cls, "__qualname__", repr(self.cls))

    def leaf(self, number: float) -> Any:
        return self.cls(number)

    @staticmethod
    def number(obj: Any, attribute: str) -> float:
        """``obj.data`` or ``obj.grad`` as a float; ``None`` counts as 0 (as in PyTorch)."""
        raw = getattr(obj, attribute)
        return 0.0 if raw is None else float(raw)

    @staticmethod
    def parents(obj: Any) -> Iterable[Any] | None:
        """The node's inputs, from ``_prev`` or ``parents``; None if the class has neither."""
        for attribute in ("_prev", "parents"):
            found = getattr(obj, attribute, None)
            if found is not None and not callable(found):
                return list(found)
        return None

    def reaches(self, out: Any, target: Any, limit: int = 10_000) -> bool | None:
        """Whether ``target`` is among the nodes ``out`` was computed from (None: unknown)."""
        stack, seen = [out], {id(out)}
        while stack and len(seen) < limit:
            node = stack.pop()
            parents = self.parents(node)
            if parents is None:
                return None
            for parent in parents:
                if parent is target:
                    return True
                if id(parent) not in seen:
                    seen.add(id(parent))
                    stack.append(parent)
        return False

    def why_missing(self, spec: OpSpec) -> str | None:
        """None if the class has ``spec``'s op, else why it counts as missing.

        An op is missing when Python cannot find it (no method, no operator) or when its
        body is still the exercise's ``raise NotImplementedError``. An op that exists but
        fails in any other way is *not* missing: it is graded, and fails.
        """
        if spec.exponent_is_number:
            attempt = run_bounded(lambda: spec.apply(self.leaf(0.5), 2), self.seconds)
        elif spec.arity == 2:
            attempt = run_bounded(lambda: spec.apply(self.leaf(0.5), self.leaf(0.25)), self.seconds)
        else:
            attempt = run_bounded(lambda: spec.apply(self.leaf(0.5)), self.seconds)
        error = attempt.error
        if error is None:
            return None
        if isinstance(error, NotImplementedError):
            return f"`{spec.method}` is not written yet ({describe_error(error)})"
        if isinstance(error, AttributeError) and spec.method in str(error):
            return f"the class has no `{spec.method}` method"
        if isinstance(error, TypeError) and "unsupported operand" in str(error):
            return f"the class has no `{spec.method}`"
        if isinstance(error, TypeError) and "bad operand type" in str(error):
            return f"the class has no `{spec.method}`"
        return None

    def supported(self) -> tuple[list[str], dict[str, str]]:
        """The names of the ops the class has, and for the others why they were skipped."""
        have, missing = [], {}
        for name, spec in OPS.items():
            reason = self.why_missing(spec)
            if reason is None:
                have.append(name)
            else:
                missing[name] = reason
        return have, missing

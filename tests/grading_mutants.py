"""Mutant engines: the reference solution of the build-your-own track with one classic
mistake put in, each with the item that must catch it and what the grader must say."""

from __future__ import annotations

from dataclasses import dataclass

from tests.grading_solutions.solutions import SOLUTIONS, engine_source, load_engine

RECURSIVE_BACKWARD = """def backward(self):
    order, visited = [], set()

    def build(v):
        if v not in visited:
            visited.add(v)
            for parent in v._prev:
                build(parent)
            order.append(v)

    build(self)
    for node in order:
        if node._prev:
            node.grad = 0.0
    self.grad = 1.0
    for node in reversed(order):
        node._backward()
"""

DIVISION_MISSING_A = """def __truediv__(self, other):
    out = Value(self.data / other.data, (self, other))

    def _backward():
        self.grad += out.grad / other.data
        other.grad += -out.grad / other.data**2

    out._backward = _backward
    return out
"""


@dataclass(frozen=True)
class Mutant:
    """``old`` replaced by ``new`` in the reference engine; ``item`` must fail with the
    mistake ``key`` and the first divergence ``node``."""

    name: str
    old: str
    new: str
    item: str
    key: str
    node: str | None

    def engine(self) -> type:
        source = engine_source()
        assert source.count(self.old) >= 1, self.old
        return load_engine(source.replace(self.old, self.new))


MUTANTS = [
    Mutant("add assigns", "self.grad += out.grad\n        other.grad += out.grad",
           "self.grad = out.grad\n        other.grad = out.grad", "add", "overwrite", "y"),
    Mutant("mul assigns", "self.grad += other.data * out.grad\n        other.grad += self.data * out.grad",
           "self.grad = other.data * out.grad\n        other.grad = self.data * out.grad", "mul", "overwrite", "y"),
    Mutant("forward order", "for node in reversed(order):", "for node in order:",
           "lecture graph", "order", "c"),
    Mutant("mul without out.grad", "self.grad += other.data * out.grad\n        other.grad += self.data * out.grad",
           "self.grad += other.data\n        other.grad += self.data", "mul", "no_incoming", "y"),
    Mutant("add sign", "other.grad += out.grad", "other.grad -= out.grad", "add", "sign", "y"),
    Mutant("mul swapped", "self.grad += other.data * out.grad\n        other.grad += self.data * out.grad",
           "self.grad += self.data * out.grad\n        other.grad += other.data * out.grad", "mul", "swapped", "y"),
    Mutant("mul forgets parents", "out = Value(self.data * other.data, (self, other))",
           "out = Value(self.data * other.data)", "mul", "parents", "x"),
    Mutant("tanh sign", "(1 - t**2)", "(1 + t**2)", "tanh", "sign", "z"),
    Mutant("tanh square", "(1 - t**2)", "(1 - t)", "tanh", "missing_factor", "z"),
    Mutant("tanh of the input", "(1 - t**2)", "(1 - self.data**2)", "tanh", "input_for_output", "z"),
    Mutant("exp of the input", "self.grad += out.data * out.grad", "self.grad += self.data * out.grad",
           "exp", "input_for_output", "z"),
    Mutant("pow keeps n", "n * self.data ** (n - 1)", "n * self.data**n", "pow", "power_rule", "x"),
    Mutant("pow without n", "n * self.data ** (n - 1)", "self.data ** (n - 1)", "pow", "missing_factor", "x"),
    Mutant("relu at 0", "(self.data > 0) * out.grad", "(self.data >= 0) * out.grad",
           "relu", "relu_at_zero", "x"),
    Mutant("division misses a", "def __truediv__(self, other):\n    return self * other**-1\n",
           DIVISION_MISSING_A, "div", "missing_factor", "y"),
    Mutant("gradients not reset", "        if node._prev:\n            node.grad = 0.0", "        pass",
           "backward twice", "not_reset", "t2"),
    Mutant("recursive sort", SOLUTIONS["backward"].split("\n\n\nValue.backward")[0] + "\n",
           RECURSIVE_BACKWARD, "deep chain", "recursion", None),
]  # fmt: skip

"""The reference solution of each exercise of ``notebooks/build-your-own``, by exercise name.

Each is the exact text of a filled-in exercise cell: the track's test puts it in the cell
tagged with that name and runs the notebook. :func:`engine_source` joins the engine's
exercises into one program, which the mutant tests change one line at a time.
"""

from __future__ import annotations

SOLUTIONS: dict[str, str] = {}

SOLUTIONS["leaf"] = """class Value:
    def __init__(self, data, _children=()):
        self.data = data
        self.grad = 0.0
        self._prev = tuple(_children)  # the inputs this node was computed from
        self._backward = lambda: None  # a leaf has no rule

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"
"""

SOLUTIONS["add_mul"] = """def __add__(self, other):
    other = other if isinstance(other, Value) else Value(other)
    out = Value(self.data + other.data, (self, other))

    def _backward():
        self.grad += out.grad
        other.grad += out.grad

    out._backward = _backward
    return out


def __mul__(self, other):
    other = other if isinstance(other, Value) else Value(other)
    out = Value(self.data * other.data, (self, other))

    def _backward():
        self.grad += other.data * out.grad
        other.grad += self.data * out.grad

    out._backward = _backward
    return out


Value.__add__ = __add__
Value.__mul__ = __mul__
"""

SOLUTIONS["backward"] = """def backward(self):
    # Topological order with an explicit stack: parents before children.
    order, visited, stack = [], set(), [(self, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))
            stack.extend((parent, False) for parent in node._prev)
    for node in order:
        if node._prev:
            node.grad = 0.0  # inner nodes start this pass from zero; leaves accumulate
    self.grad = 1.0
    for node in reversed(order):
        node._backward()


Value.backward = backward
"""

SOLUTIONS["functions"] = """import math


def tanh(self):
    t = math.tanh(self.data)
    out = Value(t, (self,))

    def _backward():
        self.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


def exp(self):
    out = Value(math.exp(self.data), (self,))

    def _backward():
        self.grad += out.data * out.grad

    out._backward = _backward
    return out


def __pow__(self, n):
    out = Value(self.data**n, (self,))

    def _backward():
        self.grad += n * self.data ** (n - 1) * out.grad

    out._backward = _backward
    return out


def relu(self):
    out = Value(self.data if self.data > 0 else 0.0, (self,))

    def _backward():
        self.grad += (self.data > 0) * out.grad

    out._backward = _backward
    return out


Value.tanh = tanh
Value.exp = exp
Value.__pow__ = __pow__
Value.relu = relu
"""

SOLUTIONS["composed"] = """def __neg__(self):
    return self * -1


def __sub__(self, other):
    return self + (-other)


def __truediv__(self, other):
    return self * other**-1


def __radd__(self, other):
    return self + other


def __rmul__(self, other):
    return self * other


def __rsub__(self, other):
    return (-self) + other


def __rtruediv__(self, other):
    return Value(other) / self


Value.__neg__ = __neg__
Value.__sub__ = __sub__
Value.__truediv__ = __truediv__
Value.__radd__ = __radd__
Value.__rmul__ = __rmul__
Value.__rsub__ = __rsub__
Value.__rtruediv__ = __rtruediv__
"""

SOLUTIONS["mlp"] = """import random


class Neuron:
    def __init__(self, nin, rng):
        self.w = [Value(rng.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)

    def __call__(self, x):
        activation = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return activation.tanh()

    def parameters(self):
        return self.w + [self.b]


class Layer:
    def __init__(self, nin, nout, rng):
        self.neurons = [Neuron(nin, rng) for _ in range(nout)]

    def __call__(self, x):
        outs = [neuron(x) for neuron in self.neurons]
        return outs[0] if len(outs) == 1 else outs

    def parameters(self):
        return [p for neuron in self.neurons for p in neuron.parameters()]


class MLP:
    def __init__(self, nin, nouts, seed=0):
        rng = random.Random(seed)
        sizes = [nin] + nouts
        self.layers = [Layer(sizes[i], sizes[i + 1], rng) for i in range(len(nouts))]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]
"""

SOLUTIONS["train"] = """def train(model, xs, ys, steps=50, lr=0.1):
    losses = []
    for _ in range(steps):
        loss = sum((model(x) - y) ** 2 for x, y in zip(xs, ys))
        for p in model.parameters():
            p.grad = 0.0
        loss.backward()
        for p in model.parameters():
            p.data -= lr * p.grad
        losses.append(loss.data)
    return losses
"""

ENGINE_EXERCISES = ("leaf", "add_mul", "backward", "functions", "composed")


def engine_source() -> str:
    """The whole reference engine: its exercises' cells, one after another."""
    return "\n\n".join(SOLUTIONS[name] for name in ENGINE_EXERCISES)


def load_engine(source: str | None = None) -> type:
    """Run ``source`` (the reference engine by default) and return its ``Value`` class."""
    namespace: dict[str, object] = {}
    exec(compile(source or engine_source(), "<learner engine>", "exec"), namespace)
    value_class = namespace["Value"]
    assert isinstance(value_class, type)
    return value_class

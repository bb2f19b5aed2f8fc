"""The workload every engine runs: one training step of micrograd's own demo.

micrograd's ``demo.ipynb`` trains ``MLP(2, [16, 16, 1])`` on 100 two-moons points with a
max-margin (hinge) loss plus L2 regularization::

    scores = [model(x) for x in inputs]
    losses = [(1 + -y * score).relu() for y, score in zip(ys, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    total_loss = data_loss + reg_loss

and one step is: build that graph (forward), zero the gradients, ``backward()``, and an SGD
update ``p.data -= learning_rate * p.grad``. :func:`scalar_demo_loss` writes it once, for any
engine whose scalars support ``+``, ``*`` and ``.relu()``, with micrograd's neuron formula
``sum((wi * xi for wi, xi in zip(w, x)), b)``, so every scalar engine builds the same graph
with the same number of nodes. Every engine starts from the same numbers: :func:`make_problem`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

__all__ = [
    "LAYER_SIZES",
    "LEARNING_RATE",
    "REGULARIZATION",
    "Problem",
    "branchy_relu",
    "make_problem",
    "scalar_demo_loss",
    "two_moons",
]

#: micrograd's demo network: 2 inputs, two hidden layers of 16 relu neurons, 1 linear output.
LAYER_SIZES = (2, 16, 16, 1)
#: The L2 coefficient (``alpha`` in micrograd's demo).
REGULARIZATION = 1e-4
#: The SGD step used by every engine (the demo's first-step learning rate).
LEARNING_RATE = 1.0


def two_moons(
    n: int = 100, noise: float = 0.1, seed: int = 0
) -> tuple[list[list[float]], list[int]]:
    """Two interleaved half circles with Gaussian noise, labels -1 and +1 (like sklearn's).

    The upper moon is the half circle (cos t, sin t); the lower one (1 - cos t, 0.5 - sin t),
    for t evenly spaced over [0, pi]. Points are shuffled with the same seeded generator.
    """
    rng = random.Random(seed)
    n_upper = n // 2
    n_lower = n - n_upper
    points: list[tuple[float, float, int]] = []
    for i in range(n_upper):
        t = math.pi * i / max(n_upper - 1, 1)
        points.append((math.cos(t), math.sin(t), -1))
    for i in range(n_lower):
        t = math.pi * i / max(n_lower - 1, 1)
        points.append((1.0 - math.cos(t), 0.5 - math.sin(t), 1))
    rng.shuffle(points)
    xs = [[x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)] for x, y, _ in points]
    ys = [label for _, _, label in points]
    return xs, ys


@dataclass(frozen=True)
class Problem:
    """The numbers every engine starts from.

    Attributes:
        xs: the inputs, one ``[x0, x1]`` per point.
        ys: the labels, -1 or +1.
        layers: per layer, per neuron, ``(weights, bias)``: micrograd's initialization
            (weights uniform in [-1, 1], bias 0), drawn once from a seeded generator.
    """

    xs: list[list[float]]
    ys: list[int]
    layers: list[list[tuple[list[float], float]]]

    def parameters(self) -> list[float]:
        """Every parameter in micrograd's ``model.parameters()`` order (per neuron: w, then b)."""
        return [p for layer in self.layers for w, b in layer for p in (*w, b)]


def make_problem(n_points: int = 100, seed: int = 0) -> Problem:
    """The demo's data and initial weights, identical for every engine."""
    xs, ys = two_moons(n_points, noise=0.1, seed=seed)
    rng = random.Random(seed + 1)
    layers = [
        [([rng.uniform(-1.0, 1.0) for _ in range(n_in)], 0.0) for _ in range(n_out)]
        for n_in, n_out in pairwise(LAYER_SIZES)
    ]
    return Problem(xs, ys, layers)


def scalar_demo_loss(
    layers: Sequence[Sequence[tuple[Sequence[Any], Any]]],
    inputs: Sequence[Sequence[Any]],
    ys: Sequence[int],
    relu: Callable[[Any], Any],
) -> Any:
    """micrograd's demo loss, written once for any scalar engine.

    Args:
        layers: per layer, per neuron, ``(weights, bias)`` as the engine's scalars.
        inputs: one list of the engine's scalars per point.
        ys: the labels, -1 or +1 (plain ints, as in the demo).
        relu: the engine's relu, e.g. ``lambda v: v.relu()``.

    Returns:
        ``data_loss + reg_loss``, an engine scalar at the root of the whole graph.
    """
    last = len(layers) - 1
    scores = []
    for x in inputs:
        activations = list(x)
        for depth, layer in enumerate(layers):
            outputs = []
            for w, b in layer:
                act = sum((wi * xi for wi, xi in zip(w, activations, strict=True)), b)
                outputs.append(act if depth == last else relu(act))
            activations = outputs
        scores.append(activations[0])
    losses = [relu(1 + -y * score) for y, score in zip(ys, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    parameters = [p for layer in layers for w, b in layer for p in (*w, b)]
    reg_loss = REGULARIZATION * sum(p * p for p in parameters)
    return data_loss + reg_loss


def branchy_relu(h: Any) -> Any:
    """relu written as a Python branch on the Value: ``h if h > 0 else h * 0.0``.

    The same numbers and gradients as ``h.relu()``, but the choice is made by Python, so a
    recording (:func:`autograd_engine.guards.recording`) logs one guard (``h > 0``) per
    call: the kind of model whose compiled replay must re-check its branches on every run.
    """
    return h if h > 0 else h * 0.0

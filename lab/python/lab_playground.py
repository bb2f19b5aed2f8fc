"""The lab's Playground, as Python sees it: a network that trains a step at a time.

The page's Web Worker (``worker.js``) holds one :class:`Session` in its own Pyodide and
calls :meth:`Session.train` in short slices, posting :meth:`Session.state` and
:meth:`Session.grid` to the page between them, so the page never waits on Python.

Training is this project's ``nn``, eager: an :class:`~nn.layers.MLP` with one logit out,
:func:`~nn.losses.binary_cross_entropy_with_logits` on a minibatch plus the L1 or L2 penalty
on the weights (not the biases), ``loss.backward()``, and :class:`~nn.optim.SGD`, as
TensorFlow Playground trains with plain gradient descent. Only the pictures (the decision
boundary, each neuron's output over the plane) and the reported losses are computed from
the weights' floats, because they read thousands of points that need no gradient.
"""

from __future__ import annotations

import math
import random
from array import array
from collections.abc import Callable, Sequence
from typing import Any

from autograd_engine import Value
from nn.datasets import make_circles, make_moons, make_spirals, make_xor, train_test_split
from nn.layers import MLP
from nn.losses import binary_cross_entropy_with_logits
from nn.optim import SGD

__all__ = ["DATASETS", "FEATURES", "Session", "example_loss", "example_page", "make_data"]

#: Where the data and the pictures live: the square [-EXTENT, EXTENT]².
EXTENT = 3.0
DATASETS = ("circles", "xor", "blobs", "spirals", "moons")
#: Input features a network can read, by name, from a point (x1, x2).
FEATURES: dict[str, Callable[[float, float], float]] = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: x1 * x1,
    "x2^2": lambda x1, x2: x2 * x2,
    "x1*x2": lambda x1, x2: x1 * x2,
    "sin(x1)": lambda x1, x2: math.sin(x1),
    "sin(x2)": lambda x1, x2: math.sin(x2),
}
#: The activations on floats, matching ``nn.activations`` exactly (leaky slope 0.01).
_FLOAT_ACTIVATIONS: dict[str, Callable[[float], float]] = {
    "tanh": math.tanh,
    "relu": lambda z: z if z > 0.0 else 0.0,
    "leaky_relu": lambda z: z if z > 0.0 else 0.01 * z,
    "sigmoid": lambda z: 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z)),
    "linear": lambda z: z,
}


def _rescale(points: list[list[float]]) -> list[list[float]]:
    """Centre ``points`` and scale them so the farthest coordinate sits at 0.8 × EXTENT."""
    cx = sum(p[0] for p in points) / len(points)
    cy = sum(p[1] for p in points) / len(points)
    reach = max(max(abs(p[0] - cx), abs(p[1] - cy)) for p in points) or 1.0
    scale = 0.8 * EXTENT / reach
    return [[(p[0] - cx) * scale, (p[1] - cy) * scale] for p in points]


def _blobs(n: int, noise: float, seed: int) -> tuple[list[list[float]], list[int]]:
    """Two Gaussian blobs centred at (±1, ±1), their spread growing with ``noise``."""
    rng = random.Random(seed)
    sigma = 0.3 + 1.2 * noise
    points, labels = [], []
    for i in range(n):
        label = i % 2
        centre = 1.0 if label else -1.0
        points.append([centre + rng.gauss(0, sigma), centre + rng.gauss(0, sigma)])
        labels.append(label)
    return points, labels


def make_data(name: str, n: int, noise: float, seed: int) -> tuple[list[list[float]], list[int]]:
    """``n`` labelled points (0 or 1) of data set ``name``, ``noise`` in [0, 0.5].

    The generators are ``nn.datasets``' (spirals with two arms), their noise parameter set
    to ``noise``; the points are then centred and scaled into the Playground's square.

    Raises:
        ValueError: an unknown data set or a noise outside [0, 0.5].
    """
    if not 0.0 <= noise <= 0.5:
        raise ValueError(f"noise must be in [0, 0.5], got {noise!r}")
    if name == "moons":
        points, labels = make_moons(n, noise=noise, seed=seed)
    elif name == "circles":
        points, labels = make_circles(n, noise=noise, seed=seed)
    elif name == "xor":
        points, labels = make_xor(n, noise=noise, seed=seed)
    elif name == "spirals":
        points, labels = make_spirals(n, n_classes=2, noise=noise, seed=seed)
    elif name == "blobs":
        return _blobs(n, noise, seed)
    else:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")
    return _rescale(points), labels


def _check_config(config: dict[str, Any]) -> None:
    features = config["features"]
    if not features or any(f not in FEATURES for f in features):
        raise ValueError(
            f"features must be a non-empty list of {', '.join(FEATURES)}; got {features!r}"
        )
    if config["regularization"] not in ("none", "l1", "l2"):
        raise ValueError(f"regularization must be none, l1 or l2, not {config['regularization']!r}")
    if config["activation"] not in _FLOAT_ACTIVATIONS:
        raise ValueError(f"unknown activation {config['activation']!r}")
    size = config["batch_size"]
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {size!r}")
    if not 10 <= config["train_percent"] <= 90:
        raise ValueError(f"train_percent must be 10 to 90, got {config['train_percent']!r}")


#: The settings a Session starts from (the page sends the same keys).
DEFAULTS: dict[str, Any] = {
    "dataset": "circles",
    "noise": 0.0,
    "train_percent": 50,
    "points": 200,
    "features": ["x1", "x2"],
    "hidden": [4, 2],
    "activation": "tanh",
    "learning_rate": 0.03,
    "batch_size": 10,
    "regularization": "none",
    "regularization_rate": 0.0,
    "seed": 0,
}


def build_model(config: dict[str, Any]) -> MLP:
    """The network ``config`` describes: features in, its hidden sizes, one logit out."""
    return MLP(
        len(config["features"]),
        [*config["hidden"], 1],
        config["activation"],
        seed=config["seed"],
    )


def feature_row(features: Sequence[str], x1: float, x2: float) -> list[float]:
    """The network's inputs for the point (x1, x2)."""
    return [FEATURES[name](x1, x2) for name in features]


def _penalty(model: MLP, kind: str, rate: float) -> Value | None:
    """``rate × Σ|w|`` (L1) or ``rate × Σ w²`` (L2) over the weights, biases left out."""
    if kind == "none" or rate == 0.0:
        return None
    weights = [w for layer in model.layers for neuron in layer.neurons for w in neuron.w]
    terms = [abs(w) if kind == "l1" else w * w for w in weights]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return rate * total


class Session:
    """One Playground run: its data split, its network, and training one minibatch at a time.

    Args:
        config: the settings, keys as :data:`DEFAULTS` (missing ones take those values).

    Attributes:
        steps: minibatch steps taken; ``seen``: examples they read (epochs: seen / training
            points).
        gradients: each parameter's gradient from the last step (zeros before the first).
    """

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        self.config = {**DEFAULTS, **(config or {})}
        _check_config(self.config)
        points, labels = make_data(
            self.config["dataset"], self.config["points"], self.config["noise"], self.config["seed"]
        )
        test_size = 1.0 - self.config["train_percent"] / 100.0
        self.x_train, self.x_test, self.y_train, self.y_test = train_test_split(
            points, labels, test_size=test_size, seed=self.config["seed"]
        )
        self.features: list[str] = list(self.config["features"])
        self.model = build_model(self.config)
        self.parameters = self.model.parameters()
        self.optimizer = SGD(self.parameters, lr=self.config["learning_rate"])
        self.gradients = [0.0] * len(self.parameters)
        self.rng = random.Random(self.config["seed"])
        self.order: list[int] = []
        self.steps = 0
        self.seen = 0
        self.rows_train = [feature_row(self.features, *p) for p in self.x_train]
        self.rows_test = [feature_row(self.features, *p) for p in self.x_test]

    def set(self, key: str, value: Any) -> None:
        """Change a setting that needs no new network: learning rate, regularisation."""
        if key not in ("learning_rate", "regularization", "regularization_rate", "batch_size"):
            raise ValueError(f"{key} needs a new network (reset), not set()")
        trial = {**self.config, key: value}
        _check_config(trial)
        self.config = trial
        self.optimizer.lr = float(self.config["learning_rate"])

    def _batch(self) -> list[int]:
        size = min(self.config["batch_size"], len(self.rows_train))
        if len(self.order) < size:
            fresh = list(range(len(self.rows_train)))
            self.rng.shuffle(fresh)
            self.order += fresh
        batch, self.order = self.order[:size], self.order[size:]
        return batch

    def step(self) -> float:
        """One step of minibatch gradient descent; returns the batch's loss (penalty included).

        Raises:
            FloatingPointError: the loss or a new weight is not finite (lower the learning
                rate); the weights are then unchanged.
        """
        batch = self._batch()
        logits = [self.model(self.rows_train[i]) for i in batch]
        loss = binary_cross_entropy_with_logits(logits, [self.y_train[i] for i in batch])
        penalty = _penalty(
            self.model, self.config["regularization"], self.config["regularization_rate"]
        )
        if penalty is not None:
            loss = loss + penalty
        if not math.isfinite(loss.data):
            raise FloatingPointError(f"the loss is {loss.data}: lower the learning rate")
        self.optimizer.zero_grad()
        loss.backward()
        self.gradients = [p.grad for p in self.parameters]
        self.optimizer.step()
        self.steps += 1
        self.seen += len(batch)
        return loss.data

    def train(self, steps: int) -> None:
        """Take ``steps`` steps (see :meth:`step`)."""
        for _ in range(steps):
            self.step()

    # --- reading the network with floats (no graph) ------------------------------------

    def weights(self) -> list[list[tuple[list[float], float]]]:
        """Per layer, per neuron: (its weights, its bias) as floats."""
        return [
            [([w.data for w in n.w], n.b.data) for n in layer.neurons]
            for layer in self.model.layers
        ]

    def activations(self, row: Sequence[float]) -> list[list[float]]:
        """Every neuron's output for one input row, layer by layer (the last is the logit)."""
        return _forward(self.weights(), self._activation_functions(), row)

    def _activation_functions(self) -> list[Callable[[float], float]]:
        return [_FLOAT_ACTIVATIONS[layer.neurons[0].activation] for layer in self.model.layers]

    def losses(self) -> tuple[float, float]:
        """The data loss (binary cross-entropy, no penalty) on the training and test points."""

        def mean_loss(rows: list[list[float]], labels: list[int]) -> float:
            if not rows:
                return 0.0
            logits = self._columns(rows)[-1][0]
            total = 0.0
            for z, y in zip(logits, labels, strict=True):
                total += max(z, 0.0) + math.log1p(math.exp(-abs(z))) - y * z
            return total / len(rows)

        return mean_loss(self.rows_train, self.y_train), mean_loss(self.rows_test, self.y_test)

    def _columns(self, rows: list[list[float]]) -> list[list[list[float]]]:
        """Each layer's outputs for many rows at once: per layer, per neuron, a list over rows.

        The same sums as ``nn.Neuron`` (bias first, then each weight times its input), done a
        column at a time so that thousands of points cost a few list comprehensions each.
        """
        inputs = [list(column) for column in zip(*rows, strict=True)]
        layers = []
        for layer, function in zip(self.weights(), self._activation_functions(), strict=True):
            outputs = []
            for w, b in layer:
                total = [b] * len(rows)
                for wi, column in zip(w, inputs, strict=True):
                    total = [t + wi * x for t, x in zip(total, column, strict=True)]
                outputs.append([function(t) for t in total])
            layers.append(outputs)
            inputs = outputs
        return layers

    def grid(self, resolution: int) -> array[float]:
        """Every picture's pixels: for a ``resolution``² grid over the square, row by row from
        the top, the value of every input feature (in :data:`FEATURES`' order, used or not),
        then of each neuron (the last is the
        output's probability σ(z)). Returned as float32s, picture after picture."""
        step = 2 * EXTENT / (resolution - 1)
        points = [
            (-EXTENT + c * step, EXTENT - r * step)
            for r in range(resolution)
            for c in range(resolution)
        ]
        joined: array[float] = array("f")
        for function in FEATURES.values():  # every feature, read by the network or not
            joined.extend(function(x1, x2) for x1, x2 in points)
        layers = self._columns([feature_row(self.features, x1, x2) for x1, x2 in points])
        for outputs in layers[:-1]:
            for column in outputs:
                joined.extend(column)
        sigmoid = _FLOAT_ACTIVATIONS["sigmoid"]
        joined.extend(sigmoid(z) for z in layers[-1][0])
        return joined

    def state(self) -> dict[str, Any]:
        """What the page shows besides the pictures: steps, epochs, both losses, each
        layer's weights and biases and their gradients from the last step."""
        train_loss, test_loss = self.losses()
        layers, k = [], 0
        for layer in self.model.layers:
            neurons = []
            for neuron in layer.neurons:
                count = len(neuron.w)
                neurons.append(
                    {
                        "w": [w.data for w in neuron.w],
                        "b": neuron.b.data,
                        "w_grad": self.gradients[k : k + count],
                        "b_grad": self.gradients[k + count],
                    }
                )
                k += count + 1
            layers.append(neurons)
        return {
            "steps": self.steps,
            "epochs": self.seen / len(self.rows_train),
            "train_loss": train_loss,
            "test_loss": test_loss,
            "layers": layers,
        }

    def points(self) -> dict[str, Any]:
        """The data for the plot: training and test points with their labels."""
        return {
            "train": [[*p, y] for p, y in zip(self.x_train, self.y_train, strict=True)],
            "test": [[*p, y] for p, y in zip(self.x_test, self.y_test, strict=True)],
        }


def _forward(
    weights: list[list[tuple[list[float], float]]],
    functions: list[Callable[[float], float]],
    row: Sequence[float],
) -> list[list[float]]:
    """Each layer's outputs for ``row``, summed in the order ``nn.Neuron`` sums them."""
    outputs: list[list[float]] = []
    x = list(row)
    for layer, function in zip(weights, functions, strict=True):
        out = []
        for w, b in layer:
            total = b
            for wi, xi in zip(w, x, strict=True):
                total += wi * xi
            out.append(function(total))
        outputs.append(out)
        x = out
    return outputs


def example_loss(
    config: dict[str, Any], layers: list[list[dict[str, Any]]], point: Sequence[float], label: int
) -> tuple[Value, list[Value]]:
    """The loss of one example at the given weights, as a graph to step through.

    Args:
        config: the Session's settings (features, sizes, activation).
        layers: weights as :meth:`Session.state` gives them.
        point, label: the example, (x1, x2) and 0 or 1.

    Returns:
        The loss (labelled ``loss``) and the network's parameters.
    """
    config = {**DEFAULTS, **config}
    model = build_model(config)
    for layer, neurons in zip(model.layers, layers, strict=True):
        for neuron, given in zip(layer.neurons, neurons, strict=True):
            for w, value in zip(neuron.w, given["w"], strict=True):
                w.data = float(value)
            neuron.b.data = float(given["b"])
    names = config["features"]
    inputs = [
        Value(v, label=name) for name, v in zip(names, feature_row(names, *point), strict=True)
    ]
    logit = model(inputs)
    assert isinstance(logit, Value)
    logit.label = "z"
    loss = binary_cross_entropy_with_logits([logit], [label])
    loss.label = "loss"
    return loss, model.parameters()


#: Above this many nodes the stepper on one example shows one box per neuron.
NODE_BY_NODE_LIMIT = 200


def example_page(
    config: dict[str, Any], layers: list[list[dict[str, Any]]], point: Sequence[float], label: int
) -> str:
    """The stepper page of :func:`example_loss`: node by node for a small network, one box
    per neuron (``group="neuron"``) above :data:`NODE_BY_NODE_LIMIT` nodes."""
    from autograd_engine import topological_order
    from autograd_engine.viz import BackwardStepper

    loss, parameters = example_loss(config, layers, point, label)
    nodes = sum(1 for node in topological_order(loss) if not node.is_constant)
    group = None if nodes <= NODE_BY_NODE_LIMIT else "neuron"
    stepper = BackwardStepper(loss, params=parameters, group=group)
    where = ", ".join(f"{v:.2f}" for v in point)
    view = "node by node" if group is None else f"one box per neuron ({nodes} nodes)"
    return stepper.html(title=f"One example ({where}), label {label}: backward, {view}")

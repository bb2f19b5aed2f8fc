"""The demo's training recipes: a data set, a network, a loss and an optimizer for each.

``moons`` is micrograd's demo, step for step: 100 two-moons points with noise 0.1,
``MLP(2, [16, 16, 1])``, the max-margin (hinge) loss on labels ±1 plus an L2 penalty
1e-4 * sum(p²), and plain SGD with the learning rate falling from 1.0 as
1.0 - 0.9 * k / 100 over 100 full-batch steps. ``circles`` and ``xor`` use the same recipe.

``spirals`` (3 classes) and ``iris`` (3 species, 4 measurements) need a score per class, so
they use softmax cross-entropy and Adam; ``iris`` is the classic 4-5-3 network (one tanh
hidden layer of 5) and is scored on a held-out, stratified quarter of the flowers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from autograd_engine import Value

from .datasets import (
    IRIS_FEATURES,
    load_iris,
    make_circles,
    make_moons,
    make_spirals,
    make_xor,
    train_test_split,
)
from .layers import MLP
from .losses import cross_entropy, hinge_loss
from .optim import SGD, Adam, Optimizer
from .train import LossFn

__all__ = ["DATASETS", "Recipe", "make_recipe"]

DATASETS = ("moons", "circles", "spirals", "xor", "iris")


@dataclass
class Recipe:
    """Everything :func:`nn.train.fit` needs, plus what the demo reports and draws.

    ``labels`` are the class labels (0, 1, ...) for accuracy and plots; ``targets`` are what
    the loss takes (±1 for the hinge loss, else the labels themselves).
    """

    name: str
    model: MLP
    X: list[list[float]]
    labels: list[int]
    targets: list[Any]
    loss_fn: LossFn
    optimizer: Optimizer
    lr_schedule: Callable[[int], float] | None
    X_test: list[list[float]] | None = None
    labels_test: list[int] | None = None
    feature_names: Sequence[str] | None = None
    plot_features: tuple[int, int] = (0, 1)


def l2_penalty(parameters: Sequence[Value], alpha: float) -> Value:
    """alpha * sum(p²): micrograd's regularisation term, which keeps the weights small."""
    total = parameters[0] * parameters[0]
    for p in parameters[1:]:
        total = total + p * p
    return total * alpha


def _micrograd_recipe(
    name: str, features: list[list[float]], labels: list[int], seed: int, steps: int
) -> Recipe:
    model = MLP(2, [16, 16, 1], seed=seed)
    parameters = model.parameters()

    def loss_fn(scores: list[Any], targets: Sequence[Any]) -> Value:
        return hinge_loss(scores, targets) + l2_penalty(parameters, 1e-4)

    return Recipe(
        name=name,
        model=model,
        X=features,
        labels=labels,
        targets=[2 * label - 1 for label in labels],  # the hinge loss wants ±1
        loss_fn=loss_fn,
        optimizer=SGD(parameters, lr=1.0),
        lr_schedule=lambda k: 1.0 - 0.9 * k / steps,
    )


def make_recipe(dataset: str, seed: int = 1337, steps: int = 100) -> Recipe:
    """The recipe for ``dataset`` (one of :data:`DATASETS`), seeded by ``seed``.

    With the defaults, ``"moons"`` is micrograd's demo (which seeds with 1337).
    """
    if dataset == "moons":
        return _micrograd_recipe(dataset, *make_moons(100, noise=0.1, seed=seed), seed, steps)
    if dataset == "circles":
        return _micrograd_recipe(dataset, *make_circles(100, noise=0.1, seed=seed), seed, steps)
    if dataset == "xor":
        return _micrograd_recipe(dataset, *make_xor(100, noise=0.1, seed=seed), seed, steps)
    if dataset == "spirals":
        features, labels = make_spirals(150, n_classes=3, noise=0.2, seed=seed)
        model = MLP(2, [16, 16, 3], seed=seed)
        return Recipe(
            name=dataset,
            model=model,
            X=features,
            labels=labels,
            targets=labels,
            loss_fn=cross_entropy,
            optimizer=Adam(model.parameters(), lr=0.05),
            lr_schedule=None,
        )
    if dataset == "iris":
        train_x, test_x, train_y, test_y = train_test_split(*load_iris(), test_size=0.25, seed=seed)
        model = MLP(4, [5, 3], activation="tanh", seed=seed)
        return Recipe(
            name=dataset,
            model=model,
            X=train_x,
            labels=train_y,
            targets=train_y,
            loss_fn=cross_entropy,
            optimizer=Adam(model.parameters(), lr=0.05),
            lr_schedule=None,
            X_test=test_x,
            labels_test=test_y,
            feature_names=IRIS_FEATURES,
            plot_features=(2, 3),  # petal length and width separate the species best
        )
    raise ValueError(f"unknown dataset {dataset!r}; choose one of: {', '.join(DATASETS)}")

"""Data sets: their geometry, labels, seeding, the bundled Iris data, splitting and batching."""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from nn.datasets import (
    IRIS_CLASSES,
    batches,
    load_iris,
    make_circles,
    make_moons,
    make_spirals,
    make_xor,
    train_test_split,
)

GENERATORS: list[tuple[str, Callable[..., tuple[list[list[float]], list[int]]]]] = [
    ("moons", make_moons),
    ("circles", make_circles),
    ("spirals", make_spirals),
    ("xor", make_xor),
]


@pytest.mark.parametrize(("name", "make"), GENERATORS, ids=[g[0] for g in GENERATORS])
def test_generators_return_lists_of_points_and_int_labels(name: str, make: Any) -> None:
    X, y = make(n_samples=60, seed=0)
    assert len(X) == len(y) == 60
    assert all(len(row) == 2 and all(isinstance(v, float) for v in row) for row in X)
    assert all(type(label) is int for label in y)
    assert set(y) == set(range(max(y) + 1))


@pytest.mark.parametrize(("name", "make"), GENERATORS, ids=[g[0] for g in GENERATORS])
def test_seeding(name: str, make: Any) -> None:
    assert make(n_samples=30, seed=1) == make(n_samples=30, seed=1)
    assert make(n_samples=30, seed=1) != make(n_samples=30, seed=2)
    random.seed(9)
    first = make(n_samples=30)
    random.seed(9)
    assert make(n_samples=30) == first  # seed=None follows the global random module


def test_moons_without_noise_lie_on_their_half_circles() -> None:
    X, y = make_moons(n_samples=101, noise=0.0, seed=0)
    assert Counter(y) == {0: 50, 1: 51}  # sklearn: the outer moon gets n // 2
    for (a, b), label in zip(X, y, strict=True):
        if label == 0:  # upper moon: unit circle around (0, 0), above the axis
            assert math.hypot(a, b) == pytest.approx(1.0)
            assert b >= -1e-12
        else:  # lower moon: unit circle around (1, 0.5), below its centre
            assert math.hypot(a - 1, b - 0.5) == pytest.approx(1.0)
            assert b <= 0.5 + 1e-12


def test_moons_noise_has_the_requested_spread() -> None:
    clean, _ = make_moons(n_samples=2000, noise=0.0, seed=3)
    noisy, _ = make_moons(n_samples=2000, noise=0.1, seed=3)
    # Same shuffle (the noise is drawn after it), so the difference is the noise itself.
    deltas = [
        n - c for rn, rc in zip(noisy, clean, strict=True) for n, c in zip(rn, rc, strict=True)
    ]
    spread = math.sqrt(sum(d * d for d in deltas) / len(deltas))
    assert spread == pytest.approx(0.1, rel=0.05)


def test_circles_radii() -> None:
    X, y = make_circles(n_samples=40, noise=0.0, factor=0.3, seed=0)
    for (a, b), label in zip(X, y, strict=True):
        assert math.hypot(a, b) == pytest.approx(1.0 if label == 0 else 0.3)


def test_spirals_have_k_balanced_classes_within_the_unit_disc() -> None:
    X, y = make_spirals(n_samples=100, n_classes=4, noise=0.0, seed=0)
    assert Counter(y) == {0: 25, 1: 25, 2: 25, 3: 25}
    assert all(math.hypot(a, b) <= 1.0 + 1e-12 for a, b in X)


def test_xor_without_noise_is_the_truth_table() -> None:
    X, y = make_xor(n_samples=8, noise=0.0, seed=0)
    for (a, b), label in zip(X, y, strict=True):
        assert label == (int(a) ^ int(b))
    assert Counter(map(tuple, X)) == {(0.0, 0.0): 2, (0.0, 1.0): 2, (1.0, 0.0): 2, (1.0, 1.0): 2}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: make_moons(n_samples=0), "n_samples must be an int >= 1"),
        (lambda: make_moons(noise=-0.1), "noise must be a number >= 0"),
        (lambda: make_circles(factor=1.5), "factor must be in \\[0, 1\\)"),
        (lambda: make_spirals(n_classes=1), "n_classes must be an int >= 2"),
        (lambda: make_spirals(n_samples=2, n_classes=3), "cannot cover 3 classes"),
    ],
)
def test_generator_arguments_are_checked(call: Callable[[], Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


# --- Iris ---------------------------------------------------------------------------------


def test_iris_is_fishers_data() -> None:
    X, y = load_iris()
    assert len(X) == 150
    assert Counter(y) == {0: 50, 1: 50, 2: 50}
    assert X[0] == [5.1, 3.5, 1.4, 0.2]
    assert IRIS_CLASSES[y[0]] == "setosa"
    assert X[-1] == [5.9, 3.0, 5.1, 1.8]
    assert IRIS_CLASSES[y[-1]] == "virginica"
    # The column means every copy of the data set agrees on.
    means = [sum(row[i] for row in X) / 150 for i in range(4)]
    assert means == pytest.approx([5.843333, 3.057333, 3.758000, 1.199333], abs=1e-6)


def test_iris_is_read_from_inside_the_package() -> None:
    from importlib import resources

    assert resources.files("nn").joinpath("data/iris.csv").is_file()


# --- splitting and batching ---------------------------------------------------------------


def test_train_test_split_is_a_stratified_partition() -> None:
    X, y = load_iris()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=0)
    assert len(X_test) == 30
    assert len(X_train) == 120
    assert Counter(y_test) == {0: 10, 1: 10, 2: 10}
    pairs = sorted(zip(map(tuple, X_train + X_test), y_train + y_test, strict=True))
    assert pairs == sorted(zip(map(tuple, X), y, strict=True))  # nothing lost, nothing duplicated


def test_train_test_split_keeps_uneven_class_shares() -> None:
    y = [0] * 80 + [1] * 20
    X = [[float(i)] for i in range(100)]
    _, _, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=1)
    assert Counter(y_test) == {0: 20, 1: 5}
    assert Counter(y_train) == {0: 60, 1: 15}


def test_train_test_split_seeding_and_unstratified_mode() -> None:
    X = [[float(i)] for i in range(10)]
    y = [i * 0.5 for i in range(10)]  # regression targets: every value distinct
    with pytest.raises(ValueError, match="stratify=False"):
        train_test_split(X, y, test_size=0.3, seed=0)
    first = train_test_split(X, y, test_size=0.3, seed=0, stratify=False)
    assert first == train_test_split(X, y, test_size=3, seed=0, stratify=False)
    assert first != train_test_split(X, y, test_size=0.3, seed=1, stratify=False)
    assert len(first[1]) == 3


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: train_test_split([[1.0]] * 3, [0, 1], seed=0), "3 examples but y has 2"),
        (lambda: train_test_split([], [], seed=0), "empty"),
        (lambda: train_test_split([[1.0]] * 4, [0, 0, 1, 1], test_size=1.5), "test_size"),
        (lambda: train_test_split([[1.0]] * 4, [0, 0, 1, 1], test_size=4), "at least one"),
        (lambda: batches([[1.0]], [0], batch_size=0), "batch_size must be a positive int"),
        (lambda: batches([[1.0], [2.0]], [0], batch_size=1), "2 examples but y has 1"),
    ],
)
def test_split_and_batch_arguments_are_checked(call: Callable[[], Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_batches_cover_every_example_once() -> None:
    X = [[float(i)] for i in range(10)]
    y = list(range(10))
    in_order = list(batches(X, y, batch_size=4))
    assert [len(b) for b, _ in in_order] == [4, 4, 2]
    assert [label for _, labels in in_order for label in labels] == y
    shuffled = list(batches(X, y, batch_size=3, shuffle=True, seed=0))
    labels = [label for _, batch_labels in shuffled for label in batch_labels]
    assert sorted(labels) == y
    assert labels != y
    assert all(
        row == [float(label)] for xs, ls in shuffled for row, label in zip(xs, ls, strict=True)
    )
    assert shuffled == list(batches(X, y, batch_size=3, shuffle=True, seed=0))

"""Small data sets, in pure Python, and the two chores every training loop needs.

Generators follow scikit-learn's conventions: they return ``(X, y)`` with ``X`` a list of
feature lists and ``y`` a list of integer labels 0, 1, ... . Randomness follows the rule of
:mod:`nn.init`: ``seed=None`` draws from the global :mod:`random` module (so
``random.seed`` reproduces it), an int seeds a private generator.

* :func:`make_moons`: two interleaving half circles, micrograd's demo data.
* :func:`make_circles`: a small circle inside a large one.
* :func:`make_spirals`: k interleaved spiral arms (the CS231n classic).
* :func:`make_xor`: noisy copies of XOR's four points, the problem a single neuron cannot solve.
* :func:`load_iris`: Fisher's Iris measurements, 150 flowers, 3 species, bundled as CSV.
* :func:`load_digits`: 1,797 handwritten digits as 8x8 images, scikit-learn's copy, bundled.
* :func:`train_test_split` (stratified) and :func:`batches`.

>>> X, y = make_xor(4, noise=0, seed=0)    # XOR's truth table, shuffled
>>> sorted(zip(map(tuple, X), y))
[((0.0, 0.0), 0), ((0.0, 1.0), 1), ((1.0, 0.0), 1), ((1.0, 1.0), 0)]
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import numbers
import random
from collections.abc import Iterator, Sequence
from importlib import resources
from typing import Any, TypeVar

__all__ = [
    "IRIS_CLASSES",
    "IRIS_FEATURES",
    "batches",
    "load_digits",
    "load_iris",
    "make_circles",
    "make_moons",
    "make_spirals",
    "make_xor",
    "train_test_split",
]

Row = list[float]
Dataset = tuple[list[Row], list[int]]
T = TypeVar("T")
L = TypeVar("L")

#: The Iris feature names (centimetres), in column order.
IRIS_FEATURES = ("sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm")
#: The Iris species; label i of :func:`load_iris` is ``IRIS_CLASSES[i]``.
IRIS_CLASSES = ("setosa", "versicolor", "virginica")


class _Random:
    """The global ``random`` module or a private ``random.Random(seed)``, behind one name."""

    def __init__(self, seed: int | None) -> None:
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise TypeError(f"seed must be an int or None, not {type(seed).__name__}")
        self.generator: Any = random if seed is None else random.Random(seed)

    def gauss(self, sigma: float) -> float:
        return float(self.generator.gauss(0.0, sigma))

    def shuffle(self, items: list[Any]) -> None:
        self.generator.shuffle(items)


def _check_samples(name: str, n_samples: object, minimum: int = 1) -> int:
    if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < minimum:
        raise ValueError(f"{name}: n_samples must be an int >= {minimum}, got {n_samples!r}")
    return n_samples


def _check_noise(name: str, noise: object) -> float:
    if noise is None:
        return 0.0
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not float(noise) >= 0:
        raise ValueError(f"{name}: noise must be a number >= 0 (or None), got {noise!r}")
    return float(noise)


def _linspace(start: float, stop: float, count: int, endpoint: bool = True) -> list[float]:
    """``count`` evenly spaced numbers from start to stop, like ``numpy.linspace``."""
    if count == 1:
        return [start]
    step = (stop - start) / (count - 1 if endpoint else count)
    return [start + i * step for i in range(count)]


def _finish(points: list[Row], labels: list[int], noise: float, rng: _Random) -> Dataset:
    """Shuffle the examples, then add Gaussian noise of std ``noise`` to every coordinate."""
    order = list(range(len(points)))
    rng.shuffle(order)
    features = []
    for i in order:
        features.append([c + rng.gauss(noise) if noise else c for c in points[i]])
    return features, [labels[i] for i in order]


def make_moons(n_samples: int = 100, noise: float | None = 0.1, seed: int | None = None) -> Dataset:
    """Two interleaving half circles, labels 0 (upper) and 1 (lower), as scikit-learn's.

    The upper moon is (cos t, sin t) and the lower one (1 - cos t, 0.5 - sin t) for t
    evenly spaced in [0, pi]; Gaussian noise of standard deviation ``noise`` is added.
    """
    n = _check_samples("make_moons", n_samples)
    sigma = _check_noise("make_moons", noise)
    n_outer = n // 2
    n_inner = n - n_outer
    points = [[math.cos(t), math.sin(t)] for t in _linspace(0.0, math.pi, n_outer)]
    points += [[1.0 - math.cos(t), 0.5 - math.sin(t)] for t in _linspace(0.0, math.pi, n_inner)]
    return _finish(points, [0] * n_outer + [1] * n_inner, sigma, _Random(seed))


def make_circles(
    n_samples: int = 100, noise: float | None = 0.1, factor: float = 0.5, seed: int | None = None
) -> Dataset:
    """A circle of radius ``factor`` (label 1) inside the unit circle (label 0).

    As scikit-learn's ``make_circles``, except that ``factor`` defaults to 0.5 (theirs is
    0.8) so that the default ``noise`` of 0.1 leaves a gap between the circles.
    """
    n = _check_samples("make_circles", n_samples)
    sigma = _check_noise("make_circles", noise)
    if isinstance(factor, bool) or not isinstance(factor, numbers.Real) or not 0 <= factor < 1:
        raise ValueError(f"make_circles: factor must be in [0, 1), got {factor!r}")
    n_outer = n // 2
    n_inner = n - n_outer
    outer = _linspace(0.0, 2 * math.pi, n_outer, endpoint=False)
    inner = _linspace(0.0, 2 * math.pi, n_inner, endpoint=False)
    points = [[math.cos(t), math.sin(t)] for t in outer]
    points += [[factor * math.cos(t), factor * math.sin(t)] for t in inner]
    return _finish(points, [0] * n_outer + [1] * n_inner, sigma, _Random(seed))


def make_spirals(
    n_samples: int = 100, n_classes: int = 3, noise: float | None = 0.2, seed: int | None = None
) -> Dataset:
    """``n_classes`` spiral arms winding out from the origin, one class per arm.

    Arm j has points at radius r in [0, 1] and angle 4j + 4r (plus Gaussian noise of std
    ``noise`` on the angle): the two-dimensional data set of Stanford's CS231n notes.
    Examples are split as evenly as possible between the classes, then shuffled.
    """
    n = _check_samples("make_spirals", n_samples)
    sigma = _check_noise("make_spirals", noise)
    if isinstance(n_classes, bool) or not isinstance(n_classes, int) or n_classes < 2:
        raise ValueError(f"make_spirals: n_classes must be an int >= 2, got {n_classes!r}")
    if n < n_classes:
        raise ValueError(f"make_spirals: {n} samples cannot cover {n_classes} classes")
    rng = _Random(seed)
    points: list[Row] = []
    labels: list[int] = []
    for label in range(n_classes):
        count = n // n_classes + (1 if label < n % n_classes else 0)
        for r in _linspace(0.0, 1.0, count):
            angle = 4.0 * label + 4.0 * r + (rng.gauss(sigma) if sigma else 0.0)
            points.append([r * math.sin(angle), r * math.cos(angle)])
            labels.append(label)
    return _finish(points, labels, 0.0, rng)


def make_xor(n_samples: int = 100, noise: float | None = 0.1, seed: int | None = None) -> Dataset:
    """XOR: noisy copies of the corners (0,0)->0, (0,1)->1, (1,0)->1, (1,1)->0.

    Corners are used in turn, so ``make_xor(4, noise=0)`` is exactly XOR's truth table
    (shuffled). No single neuron separates the classes; one hidden layer does.
    """
    n = _check_samples("make_xor", n_samples)
    sigma = _check_noise("make_xor", noise)
    corners = [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]
    points = [list(corners[i % 4]) for i in range(n)]
    labels = [int(a) ^ int(b) for a, b in (corners[i % 4] for i in range(n))]
    return _finish(points, labels, sigma, _Random(seed))


def load_iris() -> Dataset:
    """Fisher's Iris data (1936): 150 flowers, 4 measurements in cm, 3 species, 50 each.

    Returns ``(X, y)``: ``X[i]`` follows :data:`IRIS_FEATURES`, ``y[i]`` indexes
    :data:`IRIS_CLASSES`. Read from the copy bundled in ``nn/data/iris.csv`` (the same data
    scikit-learn and R ship), in the file's order.
    """
    text = resources.files("nn").joinpath("data/iris.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    header = tuple(rows[0])
    if header != (*IRIS_FEATURES, "species"):
        raise ValueError(f"nn/data/iris.csv has an unexpected header: {header}")
    features, labels = [], []
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != 5 or row[4] not in IRIS_CLASSES:
            raise ValueError(f"nn/data/iris.csv line {line} is malformed: {row}")
        features.append([float(value) for value in row[:4]])
        labels.append(IRIS_CLASSES.index(row[4]))
    return features, labels


#: The digits' images are 8x8: :func:`load_digits` gives each as this many numbers.
DIGITS_PIXELS = 64


def load_digits() -> Dataset:
    """The 8x8 handwritten digits: 1,797 images, 64 pixel counts each, the digit 0-9.

    Returns ``(X, y)``: ``X[i]`` is image i read row by row, 64 floats from 0.0 (white) to
    16.0 (every pixel of that 4x4 block on); ``y[i]`` is its digit. Read from
    ``nn/data/digits.csv.gz``, byte for byte the copy scikit-learn ships (UCI's data,
    CC BY 4.0; source and licence in ``nn/data/DIGITS.md``), in the file's order.
    Scale it before training (``x / 16``): tanh units saturate on counts up to 16.

    >>> X, y = load_digits()
    >>> len(X), len(X[0]), sorted(set(y)) == list(range(10))
    (1797, 64, True)
    """
    packed = resources.files("nn").joinpath("data/digits.csv.gz").read_bytes()
    text = gzip.decompress(packed).decode("ascii")
    features, labels = [], []
    for line, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        numbers_of_row = [float(value) for value in row]
        digit = numbers_of_row[-1] if len(row) == DIGITS_PIXELS + 1 else -1.0
        pixels = numbers_of_row[:-1]
        if digit not in range(10) or not all(0.0 <= p <= 16.0 for p in pixels):
            raise ValueError(f"nn/data/digits.csv.gz line {line} is malformed: {row}")
        features.append(pixels)
        labels.append(int(digit))
    return features, labels


def _check_pair(name: str, features: Sequence[object], labels: Sequence[object]) -> None:
    if len(features) != len(labels):
        raise ValueError(f"{name}: X has {len(features)} examples but y has {len(labels)} labels")
    if len(features) == 0:
        raise ValueError(f"{name}: the data set is empty")


def _test_count(test_size: float, n: int) -> int:
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real):
        raise TypeError(f"train_test_split: test_size must be a number, got {test_size!r}")
    if isinstance(test_size, numbers.Integral):
        count = int(test_size)
    elif 0 < test_size < 1:
        count = math.ceil(test_size * n)  # scikit-learn rounds the test share up
    else:
        raise ValueError(
            "train_test_split: test_size must be a fraction in (0, 1) or a count, "
            f"got {test_size!r}"
        )
    if not 0 < count < n:
        raise ValueError(
            f"train_test_split: test_size {test_size!r} leaves {count} of {n} examples for "
            "testing; both parts need at least one"
        )
    return count


def _stratified_counts(
    groups: dict[Any, list[int]], n_test: int, n: int, rng: _Random
) -> dict[Any, int]:
    """How many of each class go to the test set: proportional shares, rounded so they
    add up to ``n_test`` (largest remainders first, ties broken at random)."""
    exact = {label: n_test * len(members) / n for label, members in groups.items()}
    counts = {label: math.floor(share) for label, share in exact.items()}
    order = list(groups)
    rng.shuffle(order)
    order.sort(key=lambda label: exact[label] - counts[label], reverse=True)
    for label in order[: n_test - sum(counts.values())]:
        counts[label] += 1
    return counts


def train_test_split(
    X: Sequence[T],  # noqa: N803 (scikit-learn's and PyTorch users' name for the features)
    y: Sequence[L],
    test_size: float = 0.25,
    seed: int | None = None,
    stratify: bool = True,
) -> tuple[list[T], list[T], list[L], list[L]]:
    """Split ``(X, y)`` at random into ``X_train, X_test, y_train, y_test`` (sklearn's order).

    Args:
        test_size: the fraction of examples to hold out (rounded up), or their number.
        seed: see the module docstring.
        stratify: keep each class's share the same in both parts (default). Needs labels
            (every class must have at least 2 examples); pass False for regression targets.
    """
    _check_pair("train_test_split", X, y)
    n = len(X)
    n_test = _test_count(test_size, n)
    rng = _Random(seed)
    if stratify:
        groups: dict[Any, list[int]] = {}
        for index, label in enumerate(y):
            groups.setdefault(label, []).append(index)
        smallest = min(groups, key=lambda label: len(groups[label]))
        if len(groups[smallest]) < 2:
            raise ValueError(
                f"train_test_split: class {smallest!r} has only 1 example; a stratified split "
                "needs at least 2 per class (pass stratify=False for regression targets)"
            )
        counts = _stratified_counts(groups, n_test, n, rng)
        test: list[int] = []
        train: list[int] = []
        for label, members in groups.items():
            members = list(members)
            rng.shuffle(members)
            test += members[: counts[label]]
            train += members[counts[label] :]
        rng.shuffle(test)
        rng.shuffle(train)
    else:
        order = list(range(n))
        rng.shuffle(order)
        test, train = order[:n_test], order[n_test:]
    return [X[i] for i in train], [X[i] for i in test], [y[i] for i in train], [y[i] for i in test]


def batches(
    X: Sequence[T],  # noqa: N803 (scikit-learn's and PyTorch users' name for the features)
    y: Sequence[L],
    batch_size: int,
    shuffle: bool = False,
    seed: int | None = None,
) -> Iterator[tuple[list[T], list[L]]]:
    """Yield ``(X_batch, y_batch)`` of ``batch_size`` examples (the last may be smaller).

    Like a ``torch.utils.data.DataLoader``: in order by default, or in a random order when
    ``shuffle`` (see the module docstring for ``seed``). Every example appears exactly once.
    """
    _check_pair("batches", X, y)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batches: batch_size must be a positive int, got {batch_size!r}")
    order = list(range(len(X)))
    if shuffle:
        _Random(seed).shuffle(order)
    # Checked above, generated below: a bad argument raises at the call, not at first use.
    return _chunks(X, y, order, batch_size)


def _chunks(
    features: Sequence[T], labels: Sequence[L], order: list[int], batch_size: int
) -> Iterator[tuple[list[T], list[L]]]:
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        yield [features[i] for i in chunk], [labels[i] for i in chunk]

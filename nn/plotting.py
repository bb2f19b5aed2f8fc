"""Picture of a trained classifier: its decision regions with the data drawn on top.

The model is evaluated on a grid of points covering the data; each grid cell is coloured
by the class the model predicts there, so the borders between colours are the decision
boundary. For data with more than two features, two of them vary over the grid and the
others are held at their mean (a slice through the input space).

Needs matplotlib (the ``nn`` extra). It is imported only when a plot is made, so ``nn``
itself works without it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from .module import Module
from .network_view import draw_network as draw_network  # the network view, see its module
from .train import predict

__all__ = ["class_margins", "plot_decision_boundary"]

#: Region and point colours, one per class (colour-blind-safe, from matplotlib's tab10).
CLASS_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


def class_margins(output: Any) -> list[float]:
    """For each class, how far its score is ahead of the best other class (> 0: it wins).

    One score s stands for two classes (class 1 where s > 0), so its margins are -s and s.
    The boundary between regions is where a margin crosses 0, which lets the plot draw it
    as a smooth contour instead of a staircase of grid cells.
    """
    scores = output if isinstance(output, list) else [0.0, output]
    if isinstance(output, list) and len(scores) == 1:
        scores = [0.0, scores[0]]
    return [
        score - max(other for j, other in enumerate(scores) if j != c)
        for c, score in enumerate(scores)
    ]


def _grid_axis(values: Sequence[float], steps: int) -> list[float]:
    low, high = min(values), max(values)
    margin = 0.1 * (high - low) + 0.25
    low, high = low - margin, high + margin
    return [low + (high - low) * i / (steps - 1) for i in range(steps)]


def plot_decision_boundary(
    model: Module,
    X: Sequence[Sequence[float]],  # noqa: N803
    labels: Sequence[int],
    path: str | os.PathLike[str],
    *,
    features: tuple[int, int] = (0, 1),
    feature_names: Sequence[str] | None = None,
    title: str = "",
    resolution: int = 60,
) -> None:
    """Save a PNG of ``model``'s decision regions with the examples ``(X, labels)`` on top.

    Args:
        model: a classifier: one score per input (class 1 where it is > 0) or a list of
            class scores (the largest wins).
        X, labels: the examples and their class labels 0, 1, ... .
        path: where to write the image (the format follows the extension, e.g. ``.png``).
        features: the two input columns to draw; any others are held at their mean.
        feature_names: axis labels, one per input column (default ``x0, x1, ...``).
        title: the plot's title.
        resolution: grid points along each axis (the model runs resolution² times).

    Raises:
        ImportError: matplotlib is not installed (the message says how to install it).
    """
    try:
        from matplotlib.colors import ListedColormap
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            "plotting needs matplotlib: pip install matplotlib "
            "(or pip install 'autograd-engine[nn]')"
        ) from None
    if not X:
        raise ValueError("plot_decision_boundary: no examples to plot")
    n_inputs = len(X[0])
    first, second = features
    names = list(feature_names) if feature_names else [f"x{i}" for i in range(n_inputs)]
    means = [sum(row[i] for row in X) / len(X) for i in range(n_inputs)]
    xs = _grid_axis([row[first] for row in X], resolution)
    ys = _grid_axis([row[second] for row in X], resolution)

    def point(u: float, v: float) -> list[float]:
        row = list(means)
        row[first], row[second] = u, v
        return row

    grid = [point(u, v) for v in ys for u in xs]
    margins = [class_margins(output) for output in predict(model, grid)]
    classes = max(len(margins[0]), max(labels) + 1)
    colors = ListedColormap(list(CLASS_COLORS[:classes]))
    figure = Figure(figsize=(6, 5), dpi=100)
    axes = figure.add_subplot()
    for c in range(len(margins[0])):
        rows = [
            [margins[j * resolution + i][c] for i in range(resolution)] for j in range(resolution)
        ]
        highest = max(max(row) for row in rows)
        if highest <= 0:
            continue  # this class wins nowhere on the grid
        top = highest + 1.0
        axes.contourf(xs, ys, rows, levels=[0.0, top], colors=[CLASS_COLORS[c]], alpha=0.3)
        if min(min(row) for row in rows) < 0:
            axes.contour(xs, ys, rows, levels=[0.0], colors="black", linewidths=0.8)
    axes.scatter(
        [row[first] for row in X],
        [row[second] for row in X],
        c=list(labels),
        cmap=colors,
        vmin=-0.5,
        vmax=classes - 0.5,
        s=28,
        edgecolors="black",
        linewidths=0.6,
    )
    axes.set_xlim(xs[0], xs[-1])
    axes.set_ylim(ys[0], ys[-1])
    axes.set_xlabel(names[first])
    axes.set_ylabel(names[second])
    if title:
        axes.set_title(title, fontsize=10)
    figure.tight_layout()
    figure.savefig(os.fspath(path))

"""Pictures of training: a classifier's decision regions, and the loss (or accuracy) curve.

* :func:`plot_decision_boundary`: the model is evaluated on a grid of points covering the
  data; each grid cell is coloured by the class the model predicts there, so the borders
  between colours are the decision boundary. For data with more than two features, two of
  them vary over the grid and the others are held at their mean (a slice through the input
  space).
* :func:`plot_history`: one metric of :func:`nn.train.fit`'s history, epoch by epoch, and
  optionally the same metric measured once more after training (``evaluate``). The two
  differ on purpose: the history's number for an epoch is a mean over the batches of that
  epoch, each measured *before* its own update; the evaluation sees the model *after* the
  last update.

Every picture is labelled by default (axis labels, a title, and a legend for its classes or
series), each overridable by a keyword. A function draws on the matplotlib ``ax`` you pass
(to compose figures in a notebook) or on a figure of its own, saves it to ``path`` when one
is given, and returns the figure. The output is deterministic: the same call writes the same
bytes (PNG, or SVG and PDF without a date).

Needs matplotlib (the ``nn`` extra). It is imported only when a plot is made, so ``nn``
itself works without it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from autograd_engine import palette

from .module import Module
from .network_view import draw_network as draw_network  # the network view, see its module
from .network_view import network_panel as network_panel  # the view as the stepper's panel
from .train import predict

__all__ = [
    "BINARY_COLORS",
    "CLASS_COLORS",
    "class_colours",
    "class_margins",
    "plot_decision_boundary",
    "plot_history",
]

#: Region and point colours, one per class, for three classes or more (colour-blind-safe,
#: from matplotlib's tab10).
CLASS_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")
#: Two classes are the two signs of one score (class 1 where it is > 0): coloured as every
#: picture colours signs (:mod:`autograd_engine.palette`), class 1 blue, class 0 orange.
BINARY_COLORS = (palette.NEGATIVE, palette.POSITIVE)


def class_colours(classes: int) -> tuple[str, ...]:
    """The colour of each class: :data:`BINARY_COLORS` for two, :data:`CLASS_COLORS` for more."""
    return BINARY_COLORS if classes <= 2 else CLASS_COLORS


def _matplotlib() -> tuple[Any, Any]:
    """matplotlib's ``Figure`` and ``Line2D``, or an ImportError that says how to get them."""
    try:
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D
    except ImportError:
        raise ImportError(
            "plotting needs matplotlib: pip install matplotlib "
            "(or pip install 'autograd-engine[nn]')"
        ) from None
    return Figure, Line2D


def _axes(ax: Any, figsize: tuple[float, float]) -> Any:
    """``ax`` itself, or the axes of a new figure (not registered with pyplot: no leak)."""
    if ax is not None:
        return ax
    figure_class, _ = _matplotlib()
    return figure_class(figsize=figsize, dpi=100).add_subplot()


def _save(figure: Any, path: str | os.PathLike[str] | None) -> None:
    """Write ``figure`` to ``path`` (format from the extension), byte for byte repeatable."""
    if path is None:
        return
    from matplotlib import rc_context

    path = os.fspath(path)
    # SVG and PDF carry a creation date and random ids by default: drop the one, seed the other.
    metadata = {"Date": None} if path.endswith(".svg") else None
    if path.endswith(".pdf"):
        metadata = {"CreationDate": None}
    figure.tight_layout()
    with rc_context({"svg.hashsalt": "nn.plotting"}):
        figure.savefig(path, metadata=metadata)


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
    path: str | os.PathLike[str] | None = None,
    *,
    ax: Any = None,
    features: tuple[int, int] = (0, 1),
    feature_names: Sequence[str] | None = None,
    class_names: Sequence[str] | None = None,
    title: str | None = None,
    resolution: int = 60,
    legend: bool = True,
) -> Any:
    """Draw ``model``'s decision regions with the examples ``(X, labels)`` on top.

    Each class gets one colour, for its region (pale) and its points (with a black edge):
    two classes are the signs of a score, orange below 0 and blue above, as in every other
    picture (:mod:`autograd_engine.palette`), more classes get matplotlib's tab10 colours;
    the black line is the decision boundary, where the winning class changes. The legend
    names the classes and the boundary.

    Args:
        model: a classifier: one score per input (class 1 where it is > 0) or a list of
            class scores (the largest wins).
        X, labels: the examples and their class labels 0, 1, ... .
        path: where to write the image (the format follows the extension, e.g. ``.png``);
            ``None``: do not save.
        ax: the matplotlib axes to draw on (e.g. from ``plt.subplots()``); ``None``: a new
            figure of its own.
        features: the two input columns to draw; any others are held at their mean.
        feature_names: axis labels, one per input column (default ``x0, x1, ...``).
        class_names: legend entries, one per class (default ``class 0, class 1, ...``).
        title: the plot's title (default ``"decision boundary"``; ``""`` for none).
        resolution: grid points along each axis (the model runs resolution² times).
        legend: draw the legend.

    Returns:
        The matplotlib figure drawn on.

    Raises:
        ImportError: matplotlib is not installed (the message says how to install it).
        ValueError: no examples, or fewer class names than classes.
    """
    _, line_class = _matplotlib()
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
    if class_names is None:
        class_names = [f"class {c}" for c in range(classes)]
    if len(class_names) < classes:
        raise ValueError(
            f"plot_decision_boundary: {classes} classes but {len(class_names)} class names "
            f"({list(class_names)!r}); pass one name per class"
        )
    axes = _axes(ax, (6, 5))
    colours = class_colours(max(classes, len(margins[0])))
    boundary_drawn = False
    for c in range(len(margins[0])):
        rows = [
            [margins[j * resolution + i][c] for i in range(resolution)] for j in range(resolution)
        ]
        highest = max(max(row) for row in rows)
        if highest <= 0:
            continue  # this class wins nowhere on the grid
        top = highest + 1.0
        axes.contourf(
            xs, ys, rows, levels=[0.0, top], colors=[colours[c % len(colours)]], alpha=0.3
        )
        if min(min(row) for row in rows) < 0:
            axes.contour(xs, ys, rows, levels=[0.0], colors="black", linewidths=0.8)
            boundary_drawn = True
    for c in range(classes):
        members = [row for row, label in zip(X, labels, strict=True) if label == c]
        axes.scatter(
            [row[first] for row in members],
            [row[second] for row in members],
            color=colours[c % len(colours)],
            s=28,
            edgecolors="black",
            linewidths=0.6,
            label=class_names[c],
        )
    axes.set_xlim(xs[0], xs[-1])
    axes.set_ylim(ys[0], ys[-1])
    axes.set_xlabel(names[first])
    axes.set_ylabel(names[second])
    axes.set_title("decision boundary" if title is None else title, fontsize=10)
    if legend:
        handles, texts = axes.get_legend_handles_labels()
        if boundary_drawn:
            handles.append(line_class([], [], color="black", linewidth=0.8))
            texts.append("decision boundary")
        axes.legend(handles, texts, loc="best", fontsize=8, framealpha=0.85)
    _save(axes.figure, path)
    return axes.figure


#: What a history's number for an epoch is, in a legend (see :func:`nn.train.fit`).
DURING_TRAINING = "during training, each batch before its update"
#: What an evaluation after training is, in a legend.
AFTER_TRAINING = "after the last update"


def _short(number: float, metric: str) -> str:
    """An accuracy in percent; else 4 decimals, as the demo prints a loss (3 significant
    digits for a number too small for that)."""
    if metric == "accuracy":
        return f"{number:.1%}"
    return f"{number:.4f}" if number == 0 or abs(number) >= 1e-3 else f"{number:.3g}"


def plot_history(
    history: Mapping[str, Sequence[float]],
    path: str | os.PathLike[str] | None = None,
    *,
    metric: str = "loss",
    final: float | None = None,
    ax: Any = None,
    title: str | None = None,
    xlabel: str = "epoch",
    ylabel: str | None = None,
    log_scale: bool = False,
    legend: bool = True,
) -> Any:
    """Draw one metric of ``fit``'s history against the epoch, and its value after training.

    ``history[metric][k]`` is drawn at epoch ``k + 1``. It is the mean over that epoch's
    batches, each measured on its batch just *before* its own update (``fit`` records what
    the step computed anyway, at no extra cost). ``final``, typically
    ``evaluate(model, X, y, loss_fn)[metric]``, is the same metric measured once more *after*
    the last update, drawn as a star at the last epoch: the gap between the last point of
    the curve and the star is that last update's effect (in full-batch training), which is
    why a demo's last logged loss and its final evaluation differ.

    Args:
        history: what :func:`nn.train.fit` returns, ``{"loss": [...], "accuracy": [...]}``.
        path: where to write the image (format from the extension); ``None``: do not save.
        metric: the key of ``history`` to draw.
        final: the metric evaluated after training, or ``None`` to leave it out.
        ax: the matplotlib axes to draw on; ``None``: a new figure of its own.
        title: the title (default: ``"<metric> during training"``; ``""`` for none).
        xlabel: the x-axis label (``"step"`` when an epoch is one full-batch step).
        ylabel: the y-axis label (default: the metric's name).
        log_scale: a logarithmic y-axis, for a loss that falls by orders of magnitude.
        legend: draw the legend (it says what the curve and the star measure).

    Returns:
        The matplotlib figure drawn on.

    Raises:
        ImportError: matplotlib is not installed (the message says how to install it).
        ValueError: ``metric`` is not in the history, or it is empty.
    """
    _matplotlib()
    if metric not in history:
        raise ValueError(f"plot_history: no {metric!r} in the history (it has {sorted(history)!r})")
    values = list(history[metric])
    if not values:
        raise ValueError(f"plot_history: the history's {metric!r} is empty: train first")
    axes = _axes(ax, (6, 3.6))
    epochs = range(1, len(values) + 1)
    label = f"{DURING_TRAINING} (last: {_short(values[-1], metric)})"
    axes.plot(epochs, values, color=CLASS_COLORS[0], linewidth=1.5, label=label)
    if final is not None:
        axes.plot(
            [len(values)],
            [final],
            "*",
            color=CLASS_COLORS[3],
            markersize=12,
            label=f"{AFTER_TRAINING}: {_short(final, metric)}",
        )
    if log_scale:
        axes.set_yscale("log")
    elif metric == "accuracy":
        axes.set_ylim(0.0, 1.05)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(metric if ylabel is None else ylabel)
    axes.set_title(f"{metric} during training" if title is None else title, fontsize=10)
    if legend:
        axes.legend(loc="best", fontsize=8, framealpha=0.85)
    _save(axes.figure, path)
    return axes.figure

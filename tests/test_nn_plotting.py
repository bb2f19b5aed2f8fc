"""nn.plotting: every picture is labelled by default (axis labels, title, legend), draws what
the model predicts, draws on the axes it is given, and writes the same bytes every time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("matplotlib")

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.contour import ContourSet
from matplotlib.figure import Figure

from autograd_engine.palette import NEGATIVE, POSITIVE
from nn import MLP
from nn.datasets import make_moons
from nn.module import Module
from nn.plotting import (
    AFTER_TRAINING,
    CLASS_COLORS,
    DURING_TRAINING,
    plot_decision_boundary,
    plot_history,
)


class Threshold(Module):
    """Class 1 where x0 > 0.5: its decision boundary is the vertical line x0 = 0.5."""

    def __call__(self, x: Any) -> Any:
        return x[0] - 0.5


class Constant(Module):
    """Class 1 everywhere: no boundary to draw."""

    def __call__(self, x: Any) -> Any:
        return 1.0


X = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
LABELS = [0, 1, 0, 1]
HISTORY = {"loss": [0.9, 0.5, 0.2, 0.1], "accuracy": [0.5, 0.75, 1.0, 1.0]}


def legend_texts(axes: Any) -> list[str]:
    legend = axes.get_legend()
    assert legend is not None, "the plot has no legend"
    return [text.get_text() for text in legend.get_texts()]


def test_decision_boundary_is_labelled_by_default() -> None:
    figure = plot_decision_boundary(Threshold(), X, LABELS, resolution=21)
    (axes,) = figure.axes
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("x0", "x1")
    assert axes.get_title() == "decision boundary"
    assert legend_texts(axes) == ["class 0", "class 1", "decision boundary"]


def test_decision_boundary_labels_can_be_overridden() -> None:
    figure = plot_decision_boundary(
        Threshold(),
        X,
        LABELS,
        feature_names=["petal length", "petal width"],
        class_names=["left", "right"],
        title="my model",
        resolution=11,
    )
    (axes,) = figure.axes
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("petal length", "petal width")
    assert axes.get_title() == "my model"
    assert legend_texts(axes) == ["left", "right", "decision boundary"]
    bare = plot_decision_boundary(Threshold(), X, LABELS, title="", legend=False, resolution=11)
    assert bare.axes[0].get_title() == ""
    assert bare.axes[0].get_legend() is None


def test_the_boundary_is_where_the_prediction_changes() -> None:
    figure = plot_decision_boundary(Threshold(), X, LABELS, resolution=41)
    contours = [c for c in figure.axes[0].collections if isinstance(c, ContourSet)]
    lines = [c for c in contours if not c.filled]
    left, right = [c for c in contours if c.filled]  # class 0's region, then class 1's

    def xs(contour: ContourSet) -> list[float]:
        return [float(x) for path in contour.get_paths() for x, _ in path.vertices]

    # The contour of margin 0 is the line x0 = 0.5, exactly (the margin is linear in x0).
    assert lines
    assert all(abs(x - 0.5) < 1e-9 for line in lines for x in xs(line))
    assert max(xs(left)) <= 0.5 + 1e-9
    assert min(xs(right)) >= 0.5 - 1e-9
    # Two classes are the two signs of the score: orange below 0, blue above (the palette).
    assert matplotlib.colors.to_hex(left.get_facecolor()[0]) == NEGATIVE
    assert matplotlib.colors.to_hex(right.get_facecolor()[0]) == POSITIVE


def test_a_model_that_predicts_one_class_has_no_boundary_in_its_legend() -> None:
    figure = plot_decision_boundary(Constant(), X, LABELS, resolution=11)
    assert legend_texts(figure.axes[0]) == ["class 0", "class 1"]


def test_each_class_has_its_colour_and_name() -> None:
    model = MLP(2, [4, 3], seed=0)
    features, labels = make_moons(30, noise=0.1, seed=0)
    labels = [label + (1 if i % 3 == 0 else 0) for i, label in enumerate(labels)]  # 3 classes
    figure = plot_decision_boundary(model, features, labels, resolution=15)
    axes = figure.axes[0]
    assert legend_texts(axes)[:3] == ["class 0", "class 1", "class 2"]
    for c, points in enumerate(axes.collections[-3:]):
        assert len(points.get_offsets()) == labels.count(c)
        assert matplotlib.colors.to_hex(points.get_facecolor()[0]) == CLASS_COLORS[c]


def test_too_few_class_names_is_an_error_that_says_so() -> None:
    with pytest.raises(ValueError, match="2 classes but 1 class names"):
        plot_decision_boundary(Threshold(), X, LABELS, class_names=["only"], resolution=5)


def test_it_draws_on_the_axes_it_is_given_and_leaves_pyplot_alone() -> None:
    before = plt.get_fignums()
    figure = Figure()
    left, right = figure.subplots(1, 2)
    assert plot_decision_boundary(Threshold(), X, LABELS, ax=left, resolution=5) is figure
    assert plot_history(HISTORY, ax=right, metric="accuracy") is figure
    assert len(figure.axes) == 2
    assert left.get_title() == "decision boundary"
    assert right.get_title() == "accuracy during training"
    plot_decision_boundary(Threshold(), X, LABELS, resolution=5)
    plot_history(HISTORY)
    assert plt.get_fignums() == before  # no figure left open in pyplot's registry


def test_history_is_labelled_and_says_what_each_loss_is() -> None:
    figure = plot_history(HISTORY, final=0.0512)
    (axes,) = figure.axes
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("epoch", "loss")
    assert axes.get_title() == "loss during training"
    assert legend_texts(axes) == [
        f"{DURING_TRAINING} (last: 0.1000)",
        f"{AFTER_TRAINING}: 0.0512",
    ]
    curve, star = axes.get_lines()
    assert list(curve.get_xdata()) == [1, 2, 3, 4]
    assert list(curve.get_ydata()) == HISTORY["loss"]
    assert (list(star.get_xdata()), list(star.get_ydata())) == ([4], [0.0512])


def test_history_options() -> None:
    figure = plot_history(
        HISTORY, metric="accuracy", xlabel="step", ylabel="share right", title="acc"
    )
    (axes,) = figure.axes
    assert (axes.get_xlabel(), axes.get_ylabel(), axes.get_title()) == (
        "step",
        "share right",
        "acc",
    )
    assert axes.get_ylim() == (0.0, 1.05)
    assert len(axes.get_lines()) == 1  # no final value: no star
    assert legend_texts(axes) == [f"{DURING_TRAINING} (last: 100.0%)"]
    assert plot_history(HISTORY, log_scale=True).axes[0].get_yscale() == "log"
    tiny = plot_history({"loss": [1e-5, 2e-6]}, final=1.5e-6)
    assert legend_texts(tiny.axes[0]) == [
        f"{DURING_TRAINING} (last: 2e-06)",
        f"{AFTER_TRAINING}: 1.5e-06",
    ]


@pytest.mark.parametrize(
    ("history", "message"),
    [
        ({"loss": [0.5]}, r"no 'accuracy' in the history \(it has \['loss'\]\)"),
        ({"accuracy": []}, "empty"),
    ],
)
def test_history_errors_name_the_problem(history: dict[str, list[float]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        plot_history(history, metric="accuracy")


@pytest.mark.parametrize("extension", ["png", "svg", "pdf"])
def test_the_same_call_writes_the_same_bytes(tmp_path: Path, extension: str) -> None:
    written = []
    for run in ("first", "second"):
        boundary = tmp_path / f"{run}-boundary.{extension}"
        history = tmp_path / f"{run}-history.{extension}"
        plot_decision_boundary(MLP(2, [4, 1], seed=3), X, LABELS, boundary, resolution=15)
        plot_history(HISTORY, history, final=0.05)
        written.append((boundary.read_bytes(), history.read_bytes()))
    assert written[0] == written[1]
    magic = {"png": b"\x89PNG", "svg": b"<?xml", "pdf": b"%PDF"}[extension]
    assert written[0][0].startswith(magic)

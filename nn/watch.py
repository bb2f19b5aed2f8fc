"""Watch a network learn: a :mod:`callback <nn.callbacks>` that draws training as it happens.

    from nn.watch import watch
    watcher = watch(X, labels, every=5, path="training.html")
    fit(model, X, y, loss_fn, optimizer, epochs=100, callbacks=[watcher])

Every ``every`` epochs (and before the first and after the last) it takes a *frame*:

* the **loss curve** so far (the mean loss of each epoch, as ``fit``'s history records it);
* the **decision boundary** for 2-D data, drawn by :func:`nn.plotting.plot_decision_boundary`
  (for more features: a slice through two of them, the others at their mean);
* the **network view**, :func:`nn.network_view.draw_network`: the weights as coloured lines,
  so you see them change colour and thickness as the boundary bends.

In Jupyter the three update in place (``ipywidgets``: an HTML panel for each SVG, an image
for the boundary). With ``path`` (outside Jupyter it defaults to ``training.html``;
``path=False`` writes none), the frames are written at the end of training as one
self-contained HTML page: a slider over the frames, play/pause, the epoch, loss and accuracy
of each frame, no network access. Share it, or open it in front of a class. Training that
fails (a learning rate too large makes the step diverge: ``FloatingPointError``) still
writes the page, up to the last good epoch, with the error on it: that too is worth
watching.

The page is small: each frame's network view is stored gzipped (the browser unpacks it
with ``DecompressionStream``), and each boundary image is a 64-colour PNG. micrograd's demo,
100 epochs every 5, is about 0.5 MB.

``python -m nn.watch OUTDIR [--dataset NAME] [--steps N]`` watches micrograd's demo learn
(or another recipe of :mod:`nn.recipes`) and writes ``OUTDIR/watch.html`` and the trained
network's view ``OUTDIR/network.svg``: the README's pictures (``make figures``; a link to
``watch.html#frame=6`` opens that frame).

The boundary is computed from a copy of the weights with plain float arithmetic (the same
function as the model, without building a graph, so a frame costs a fraction of a second);
a model that is not an MLP of known activations is evaluated by itself.
"""

from __future__ import annotations

import base64
import gzip
import html
import io
import json
import math
import operator
import os
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from .callbacks import Callback
from .module import Module
from .network_view import draw_network

__all__ = ["Frame", "Watch", "loss_curve_svg", "watch"]

_PAGE_TEMPLATE = Path(__file__).with_name("watch_page.html")


@dataclass(frozen=True)
class Frame:
    """One picture of training: after ``epoch`` epochs (0: before training).

    ``loss`` and ``accuracy`` are the history's numbers of that epoch (None for frame 0 and
    for regression's accuracy); ``boundary`` is a PNG (empty without data to draw) and
    ``network`` the network view's SVG.
    """

    epoch: int
    loss: float | None
    accuracy: float | None
    boundary: bytes
    network: str


# --- the decision boundary, quickly --------------------------------------------------------


def _relu(x: float) -> float:
    return x if x > 0 else 0.0 * x  # 0.0 * nan stays nan, as the engine's relu


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


_FLOAT_ACTIVATIONS: dict[str, Callable[[float], float]] = {
    "relu": _relu,
    "tanh": math.tanh,
    "sigmoid": _sigmoid,
    "leaky_relu": lambda x: x if x > 0 else 0.01 * x,
    "linear": lambda x: x,
}


class _FloatCopy:
    """An MLP's function evaluated with floats from a copy of its weights: no graph, fast.

    Not a Module: calling it skips the scope bookkeeping that a Module call does, which
    would cost more than the arithmetic here.
    """

    def __init__(self, model: Any) -> None:
        self.copy = [
            (
                [[w.data for w in neuron.w] for neuron in layer.neurons],
                [neuron.b.data for neuron in layer.neurons],
                _FLOAT_ACTIVATIONS[layer.neurons[0].activation],
            )
            for layer in model.layers
        ]

    def __call__(self, x: Sequence[float]) -> Any:
        values = [float(v) for v in x]
        for weights, biases, activation in self.copy:
            values = [
                activation(sum(map(operator.mul, row, values), b))  # the neuron's order
                for row, b in zip(weights, biases, strict=True)
            ]
        return values[0] if len(values) == 1 else values


def _picture_model(model: Module) -> Module:
    """A fast stand-in for ``model`` to draw its boundary, or the model itself."""
    layers = getattr(model, "layers", None)
    if not layers or not all(hasattr(layer, "neurons") for layer in layers):
        return model
    if any(layer.neurons[0].activation not in _FLOAT_ACTIVATIONS for layer in layers):
        return model
    return cast(Module, _FloatCopy(model))  # called like one by plot_decision_boundary


def _small_png(data: bytes) -> bytes:
    """The PNG with its colours reduced to a 64-colour palette (a third of the bytes)."""
    try:
        from PIL import Image  # matplotlib depends on Pillow
    except ImportError:  # pragma: no cover - matplotlib without Pillow does not exist
        return data
    with Image.open(io.BytesIO(data)) as image:
        reduced = image.convert("RGB").quantize(64)
        out = io.BytesIO()
        reduced.save(out, "PNG", optimize=True)
    return out.getvalue()


# --- the loss curve ------------------------------------------------------------------------

_CHART = {"width": 420, "height": 300, "left": 62, "right": 16, "top": 34, "bottom": 46}


def _chart_point(epoch: int, loss: float, epochs: int, top: float) -> tuple[float, float]:
    """Where (epoch, loss) is drawn in :func:`loss_curve_svg`'s axes."""
    c = _CHART
    inner_w = c["width"] - c["left"] - c["right"]
    inner_h = c["height"] - c["top"] - c["bottom"]
    x = c["left"] + inner_w * (epoch - 1) / max(epochs - 1, 1)
    shown = min(max(loss, 0.0), top) if math.isfinite(loss) else top
    y = c["top"] + inner_h * (1 - shown / top)
    return x, y


def _chart_top(losses: Sequence[float]) -> float:
    """The top of the loss axis: 4 round steps (1, 2 or 5 times a power of 10) above the
    largest finite loss, so the ticks read 0, 0.5, 1, 1.5, 2 rather than 0.439, 0.879."""
    largest = max((loss for loss in losses if math.isfinite(loss)), default=1.0)
    if largest <= 0:
        return 1.0
    base = 10.0 ** math.floor(math.log10(largest / 4))
    step = next(m * base for m in (1, 2, 2.5, 5, 10) if 4 * m * base >= largest)
    return 4 * step


def _epoch_ticks(epochs: int) -> list[int]:
    """1 and the multiples of a round step (1, 2, 5 times a power of 10): 1, 25, 50, 75, 100."""
    base = 10 ** max(0, math.floor(math.log10(max(epochs, 1) / 5)))
    step = next(m * base for m in (1, 2, 2.5, 5, 10) if epochs / (m * base) <= 5)
    step = max(1, round(step))
    return [1, *(m for m in range(step, epochs + 1, step) if m - 1 >= step / 2)]


def loss_curve_svg(losses: Sequence[float], epochs: int | None = None, title: str = "") -> str:
    """An SVG line chart of the loss per epoch (epoch 1 to ``epochs``), axes labelled.

    ``epochs`` fixes the x axis (default: as many as there are losses), so a chart drawn
    while training already has room for the epochs to come. A marker (``id="marker"``) sits
    on the last point; the watch page moves it to the frame shown.
    """
    c = _CHART
    epochs = max(epochs or len(losses), len(losses), 1)
    top = _chart_top(losses)
    width, height = c["width"], c["height"]
    x0, x1 = c["left"], width - c["right"]
    y0, y1 = height - c["bottom"], c["top"]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11" '
        'class="loss-curve"><rect width="100%" height="100%" fill="white"/>',
        f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="13" '
        f'font-weight="bold">{html.escape(title or "training loss")}</text>',
        f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="#333"/>',
        f'<line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke="#333"/>',
    ]
    for i in range(5):
        value = top * i / 4
        _, y = _chart_point(1, value, epochs, top)
        parts.append(
            f'<line x1="{x0 - 4}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{x0 - 7}" y="{y + 4:.1f}" text-anchor="end">{value:.4g}</text>'
        )
    for epoch in _epoch_ticks(epochs):
        x, _ = _chart_point(epoch, 0.0, epochs, top)
        parts.append(
            f'<line x1="{x:.1f}" y1="{y0}" x2="{x:.1f}" y2="{y0 + 4}" stroke="#333"/>'
            f'<text x="{x:.1f}" y="{y0 + 16}" text-anchor="middle">{epoch}</text>'
        )
    parts.append(
        f'<text x="{(x0 + x1) / 2}" y="{height - 10}" text-anchor="middle">epoch</text>'
        f'<text x="16" y="{(y0 + y1) / 2}" text-anchor="middle" '
        f'transform="rotate(-90 16 {(y0 + y1) / 2})">loss (mean over the epoch)</text>'
    )
    if losses:
        points = " ".join(
            "{:.1f},{:.1f}".format(*_chart_point(e + 1, loss, epochs, top))
            for e, loss in enumerate(losses)
        )
        # Dark grey and black: blue, orange, red and green each mean something else on this
        # page (:mod:`autograd_engine.palette`), and a loss has no sign to show.
        parts.append(f'<polyline points="{points}" fill="none" stroke="#444444" stroke-width="2"/>')
        x, y = _chart_point(len(losses), losses[-1], epochs, top)
        parts.append(
            f'<circle id="marker" cx="{x:.1f}" cy="{y:.1f}" r="5" fill="#000000" '
            'stroke="white" stroke-width="1.5"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


# --- the callback --------------------------------------------------------------------------


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (where widgets can be shown), else False."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _page_path(
    path: str | os.PathLike[str] | Literal[False] | None,
) -> str | os.PathLike[str] | None:
    """Where the page goes: ``path``; for None, ``training.html`` outside Jupyter (and
    nowhere in it, where the view is live); for False, nowhere."""
    if path is False:
        return None
    if path is None:
        return None if _in_notebook() else "training.html"
    return path


@dataclass(eq=False)
class Watch(Callback):
    """The callback :func:`watch` makes; its arguments are described there.

    Attributes:
        frames: the :class:`Frame` list taken so far.
        history: the training history (the one ``fit`` returns), kept for the page.
        error: the exception that ended training, or None.
        widget: in live mode, the ipywidgets box being updated (None before training).
    """

    X: Sequence[Sequence[float]] | None = None
    labels: Sequence[int] | None = None
    every: int = 5
    path: str | os.PathLike[str] | Literal[False] | None = None
    live: bool | None = None
    title: str = ""
    features: tuple[int, int] = (0, 1)
    feature_names: Sequence[str] | None = None
    resolution: int = 50
    frames: list[Frame] = field(default_factory=list)
    history: Mapping[str, Sequence[float]] = field(default_factory=dict)
    error: BaseException | None = None
    widget: Any = None
    epochs: int | None = None
    report: Callable[[str], None] | None = None
    container: Any = None

    def __post_init__(self) -> None:
        if isinstance(self.every, bool) or not isinstance(self.every, int) or self.every < 1:
            raise ValueError(f"watch: every must be a positive int, got {self.every!r}")
        if (self.X is None) != (self.labels is None):
            raise ValueError("watch: give both X and labels (to draw the boundary), or neither")
        if self.X is not None and self.labels is not None and len(self.X) != len(self.labels):
            raise ValueError(f"watch: X has {len(self.X)} rows but labels has {len(self.labels)}")
        if self.X is not None:
            width = len(self.X[0]) if len(self.X) else 0
            first, second = self.features
            if width < 2 or not (0 <= first < width and 0 <= second < width) or first == second:
                raise ValueError(
                    f"watch: the decision boundary is drawn over two input columns, "
                    f"features={self.features!r}, but X has {width} column(s); pass two "
                    "different columns of X, or leave X and labels out (no boundary)"
                )
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        self._views: dict[str, Any] = {}

    # The protocol.

    def on_train_begin(self, model: Module, history: Mapping[str, Sequence[float]]) -> None:
        self.frames = []
        self.history = history
        self.error = None
        if self.live is None:
            self.live = _in_notebook()
        if self.live:
            self._show_widgets()
        self._take(model, 0)

    def on_epoch_end(
        self, model: Module, epoch: int, history: Mapping[str, Sequence[float]]
    ) -> None:
        if (epoch + 1) % self.every == 0 or self.stop_training:
            self._take(model, epoch + 1)

    def on_train_end(
        self, model: Module, history: Mapping[str, Sequence[float]], error: BaseException | None
    ) -> None:
        self.error = error
        done = len(history["loss"])
        if self.frames and self.frames[-1].epoch != done:
            self._take(model, done)
        elif self.live:
            self._update_widgets()
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None
        target = _page_path(self.path)
        if target is not None:
            written = self.write_page(target)
            if self.report is not None:
                size = written.stat().st_size
                self.report(f"wrote {written} ({len(self.frames)} frames, {size / 1e3:.0f} kB)")

    # Frames.

    def _take(self, model: Module, epoch: int) -> None:
        loss = self.history["loss"][epoch - 1] if epoch > 0 else None
        accuracies = self.history.get("accuracy")
        accuracy = accuracies[epoch - 1] if epoch > 0 and accuracies else None
        boundary = self._boundary(model, epoch) if self.X is not None else b""
        network = draw_network(model, input_names=self._input_names(model))
        self.frames.append(Frame(epoch, loss, accuracy, boundary, network))
        if self.live:
            self._update_widgets()

    def _input_names(self, model: Module) -> Sequence[str] | None:
        if self.feature_names is None:
            return None
        layers = getattr(model, "layers", None)
        width = len(layers[0].neurons[0].w) if layers else len(self.feature_names)
        return self.feature_names if len(self.feature_names) == width else None

    def _boundary(self, model: Module, epoch: int) -> bytes:
        from .plotting import plot_decision_boundary

        assert self.X is not None
        assert self.labels is not None
        if self._scratch is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="nn-watch-")
        target = os.path.join(self._scratch.name, "boundary.png")
        when = "before training" if epoch == 0 else f"after epoch {epoch}"
        sliced = "\nother features held at their mean" if len(self.X[0]) > 2 else ""
        plot_decision_boundary(
            _picture_model(model),
            self.X,
            self.labels,
            target,
            features=self.features,
            feature_names=self.feature_names,
            title=f"decision boundary {when}{sliced}",
            resolution=self.resolution,
        )
        with open(target, "rb") as file:
            return _small_png(file.read())

    # Jupyter.

    def _show_widgets(self) -> None:
        try:
            import ipywidgets as widgets
            from IPython.display import display
        except ImportError as error:
            raise ImportError(
                "watching live needs ipywidgets: pip install ipywidgets (or pip install "
                "'autograd-engine[viz]'); or pass live=False to write a page instead"
            ) from error
        self._views = {
            "status": widgets.HTML(),
            "loss": widgets.HTML(),
            "boundary": widgets.Image(format="png", layout=widgets.Layout(width="420px")),
            "network": widgets.HTML(),
        }
        panels = [self._views["loss"]]
        if self.X is not None:
            panels.append(self._views["boundary"])
        self.widget = widgets.VBox(
            [self._views["status"], widgets.HBox(panels), self._views["network"]]
        )
        if self.container is not None:
            self.container.children = (self.widget,)
        else:
            display(self.widget)  # type: ignore[no-untyped-call]

    def _update_widgets(self) -> None:
        if not self._views or not self.frames:
            return
        frame = self.frames[-1]
        heading = f"{html.escape(self.title)}<br>" if self.title else ""
        self._views["status"].value = f"{heading}<b>{html.escape(self.status(frame))}</b>"
        self._views["loss"].value = loss_curve_svg(self.history["loss"], self.epochs)
        if frame.boundary:
            self._views["boundary"].value = frame.boundary
        self._views["network"].value = frame.network

    def status(self, frame: Frame) -> str:
        """The line shown over a frame: epoch, loss and accuracy (and how training ended)."""
        total = len(self.history.get("loss", ()))
        if frame.epoch == 0:
            text = "before training"
        else:
            text = f"epoch {frame.epoch} / {total}  ·  loss {frame.loss:.4f}"
            if frame.accuracy is not None:
                text += f"  ·  accuracy {frame.accuracy:.1%}"
        if self.error is not None and frame is self.frames[-1]:
            text += f"  ·  stopped: {type(self.error).__name__}: {self.error}"
        return text

    # The page.

    def page(self) -> str:
        """The self-contained HTML page of the frames taken (see the module docstring)."""
        losses = list(self.history.get("loss", ()))
        top = _chart_top(losses)
        frames = []
        for frame in self.frames:
            marker = (
                _chart_point(frame.epoch, frame.loss, len(losses), top)
                if frame.loss is not None
                else None
            )
            frames.append(
                {
                    "epoch": frame.epoch,
                    "loss": None if frame.loss is None else f"{frame.loss:.4f}",
                    "accuracy": None if frame.accuracy is None else f"{frame.accuracy:.1%}",
                    "marker": None
                    if marker is None
                    else [round(marker[0], 1), round(marker[1], 1)],
                    "boundary": base64.b64encode(frame.boundary).decode("ascii"),
                    "network": base64.b64encode(
                        gzip.compress(frame.network.encode("utf-8"), mtime=0)
                    ).decode("ascii"),
                }
            )
        error = None if self.error is None else f"{type(self.error).__name__}: {self.error}"
        data = json.dumps(
            {"frames": frames, "epochs": len(losses), "error": error}, separators=(",", ":")
        )
        title = self.title or "watching a network learn"
        chart = loss_curve_svg(losses, len(losses), "training loss") if losses else ""
        fills = {
            "title": html.escape(title),
            "chart": chart,
            # No "<" at all, as the stepper pages do: "</script>" would close the element,
            # and "<!--<script>" would make the parser skip the real "</script>" after it.
            "data": data.replace("<", "\\u003c"),
        }
        page = _PAGE_TEMPLATE.read_text(encoding="utf-8")
        # One pass, so that a title containing "{{data}}" stays text.
        return re.sub(r"\{\{(title|chart|data)\}\}", lambda m: fills[m.group(1)], page)

    def write_page(self, path: str | os.PathLike[str]) -> Path:
        """Write :meth:`page` to ``path`` (folders created); returns the path."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.page(), encoding="utf-8")
        return target


def watch(
    X: Sequence[Sequence[float]] | None = None,  # noqa: N803
    labels: Sequence[int] | None = None,
    *,
    every: int = 5,
    path: str | os.PathLike[str] | Literal[False] | None = None,
    live: bool | None = None,
    title: str = "",
    features: tuple[int, int] = (0, 1),
    feature_names: Sequence[str] | None = None,
    resolution: int = 50,
    epochs: int | None = None,
    report: Callable[[str], None] | None = None,
    container: Any = None,
) -> Watch:
    """A callback that shows training as it happens; pass it in ``fit(..., callbacks=[...])``.

    Args:
        X, labels: the examples and their class labels (0, 1, ...), to draw the decision
            boundary; leave both out for a model that is not a classifier.
        every: take a frame every this many epochs (and before the first, after the last).
        path: where to write the HTML page at the end of training. Default (None):
            nowhere in Jupyter (the view is live there), ``training.html`` in the current
            folder elsewhere. ``False``: no page (the frames stay on the callback).
        live: update ipywidgets in the notebook; default: True exactly in Jupyter.
        title: shown over the page and in the pictures.
        features, feature_names, resolution: passed to
            :func:`~nn.plotting.plot_decision_boundary`.
        epochs: the length of the live loss curve's x axis (default: the epochs so far).
        report: called with a line saying where the page was written (e.g. ``print``).
        container: in live mode, an ipywidgets box to show the view in (its children are
            replaced) instead of displaying it under the cell.

    Returns:
        A :class:`Watch`; after training, ``.frames`` holds what it drew.
    """
    return Watch(
        X=X,
        labels=labels,
        every=every,
        path=path,
        live=live,
        title=title,
        features=features,
        feature_names=feature_names,
        resolution=resolution,
        epochs=epochs,
        report=report,
        container=container,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m nn.watch OUTDIR``: the README's watch page and network view."""
    import argparse

    from .recipes import DATASETS, make_recipe
    from .train import fit

    parser = argparse.ArgumentParser(
        prog="python -m nn.watch", description="Watch a recipe of nn.recipes learn."
    )
    parser.add_argument("output", help="folder for watch.html and network.svg")
    parser.add_argument("--dataset", choices=DATASETS, default="moons", help="default: moons")
    parser.add_argument("--steps", type=int, default=100, help="training steps (default: 100)")
    args = parser.parse_args(argv)
    recipe = make_recipe(args.dataset, steps=args.steps)
    watcher = watch(
        recipe.X,
        recipe.labels,
        every=max(1, args.steps // 20),
        path=os.path.join(args.output, "watch.html"),
        live=False,
        title=f"{recipe.name}: {recipe.model!r} learning",
        features=recipe.plot_features,
        feature_names=recipe.feature_names,
        report=print,
    )
    fit(
        recipe.model,
        recipe.X,
        recipe.targets,
        recipe.loss_fn,
        recipe.optimizer,
        args.steps,
        progress=False,
        lr_schedule=recipe.lr_schedule,
        compiled=True,
        callbacks=[watcher],
    )
    network = os.path.join(args.output, "network.svg")
    title = f"{recipe.name}: {recipe.model!r} after {args.steps} steps"
    with open(network, "w", encoding="utf-8") as file:
        file.write(draw_network(recipe.model, title=title, input_names=recipe.feature_names))
    print(f"wrote {network}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

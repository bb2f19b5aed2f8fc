"""A TensorFlow-Playground-like panel for Jupyter, backed by this engine.

    from nn.playground import Playground
    panel = Playground()
    panel.widget            # the controls, then the live view of nn.watch

Choose a data set (moons, circles, spirals, xor), the hidden layers' activation and sizes,
the learning rate, the batch size and the number of epochs, then press *train*: an
:class:`~nn.layers.MLP` is built and trained by :func:`nn.train.fit` with Adam, and the
:func:`nn.watch.watch` callback redraws the loss curve, the decision boundary and the
network view every few epochs. *stop* ends training after the current epoch (it sets the
watcher's ``stop_training``, the callback protocol's way to stop).

Training runs in :func:`nn.train.fit`'s default mode: compiled (recorded once per batch
size, replayed: :mod:`nn.compiled`) where that is safe, eager otherwise. The status line
says which mode the run used (``history.mode``).

*train* runs in a background thread so that *stop* can be pressed; :meth:`Playground.run`
does the same training in the calling thread (what a script or a test uses). A run that
diverges (try a learning rate of 1 with sigmoid) does not raise: the status line shows the
error, and the pictures stop at the last good epoch.
"""

from __future__ import annotations

import threading

from .datasets import make_circles, make_moons, make_spirals, make_xor
from .layers import MLP
from .losses import binary_cross_entropy_with_logits, cross_entropy
from .optim import Adam
from .train import fit
from .watch import Watch, watch

__all__ = ["LEARNING_RATES", "PLAYGROUND_DATASETS", "Playground", "parse_sizes"]

PLAYGROUND_DATASETS = ("moons", "circles", "spirals", "xor")


def parse_sizes(text: str) -> list[int]:
    """``"8, 8"`` -> ``[8, 8]``: the hidden layers' sizes typed in the panel.

    Raises:
        ValueError: something that is not a comma-separated list of positive ints (the
            message quotes it); an empty text means no hidden layer (``[]``).
    """
    parts = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
    try:
        sizes = [int(part) for part in parts]
    except ValueError:
        raise ValueError(
            f"hidden sizes must be numbers separated by commas, got {text!r}"
        ) from None
    if any(size < 1 for size in sizes):
        raise ValueError(f"hidden sizes must be positive, got {text!r}")
    return sizes


def _data(dataset: str, seed: int) -> tuple[list[list[float]], list[int]]:
    if dataset == "moons":
        return make_moons(100, noise=0.1, seed=seed)
    if dataset == "circles":
        return make_circles(100, noise=0.1, seed=seed)
    if dataset == "xor":
        return make_xor(100, noise=0.1, seed=seed)
    if dataset == "spirals":
        return make_spirals(150, n_classes=3, noise=0.2, seed=seed)
    raise ValueError(f"unknown dataset {dataset!r}; choose one of {', '.join(PLAYGROUND_DATASETS)}")


#: The learning rates the panel's slider offers (``panel.learning_rate.value`` must be one).
LEARNING_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)


class Playground:
    """The panel: its controls are attributes (``dataset``, ``activation``, ``hidden``,
    ``learning_rate``, ``batch_size``, ``epochs``), so a notebook can also set them in code.

    Args:
        seed: seeds the data and the initial weights, so a run can be repeated exactly.
        every: take a frame every this many epochs.

    Attributes:
        widget: the whole panel (display it as a cell's last expression).
        watcher: the :class:`~nn.watch.Watch` of the current or last run.
        model, history: the last run's network and ``fit`` history.
    """

    def __init__(self, seed: int = 0, every: int = 5) -> None:
        try:
            import ipywidgets as widgets
        except ImportError as error:
            raise ImportError(
                "the Playground needs ipywidgets: pip install ipywidgets "
                "(or pip install 'autograd-engine[viz]')"
            ) from error
        self.seed = seed
        self.every = every
        style = {"description_width": "110px"}
        self.dataset = widgets.Dropdown(
            options=PLAYGROUND_DATASETS, value="moons", description="data set", style=style
        )
        self.activation = widgets.Dropdown(
            options=("relu", "tanh", "sigmoid", "leaky_relu"),
            value="tanh",
            description="activation",
            style=style,
        )
        self.hidden = widgets.Text(value="8, 8", description="hidden sizes", style=style)
        # The rates people try, as in the TensorFlow Playground: the slider lands on 0.03
        # exactly (a log slider in quarter decades would show 0.0316).
        self.learning_rate = widgets.SelectionSlider(
            options=[(f"{rate:g}", rate) for rate in LEARNING_RATES],
            value=0.03,
            description="learning rate",
            style=style,
        )
        self.batch_size = widgets.Dropdown(
            options=(("full batch", 0), ("10", 10), ("30", 30)),
            value=0,
            description="batch size",
            style=style,
        )
        self.epochs = widgets.IntSlider(
            value=60, min=5, max=500, step=5, description="epochs", style=style
        )
        self.train_button = widgets.Button(description="train", icon="play", button_style="success")
        self.stop_button = widgets.Button(description="stop", icon="stop", disabled=True)
        self.status = widgets.HTML(value="Choose the settings and press <b>train</b>.")
        self.view = widgets.VBox()
        self.train_button.on_click(lambda _: self.start())
        self.stop_button.on_click(lambda _: self.stop())
        controls = widgets.VBox(
            [
                self.dataset,
                self.activation,
                self.hidden,
                self.learning_rate,
                self.batch_size,
                self.epochs,
                widgets.HBox([self.train_button, self.stop_button]),
            ]
        )
        self.widget = widgets.VBox([controls, self.status, self.view])
        self.watcher: Watch | None = None
        self.model: MLP | None = None
        self.history: dict[str, list[float]] | None = None
        self.thread: threading.Thread | None = None

    def run(self, epochs: int | None = None) -> dict[str, list[float]] | None:
        """Train with the panel's settings in this thread; returns the history.

        Returns None (with the reason on the status line) when the settings are invalid or
        the training diverged; the pictures show the epochs that ran.
        """
        try:
            sizes = parse_sizes(self.hidden.value)
        except ValueError as error:
            self.status.value = f"<span style='color:#b00020'>{error}</span>"
            return None
        X, labels = _data(self.dataset.value, self.seed)  # noqa: N806 (the usual name)
        classes = max(labels) + 1
        model = MLP(
            2, [*sizes, 1 if classes == 2 else classes], self.activation.value, seed=self.seed
        )
        loss_fn = binary_cross_entropy_with_logits if classes == 2 else cross_entropy
        batch = self.batch_size.value or None
        total = self.epochs.value if epochs is None else epochs
        self.watcher = watch(
            X,
            labels,
            every=self.every,
            live=True,
            path=False,
            title=f"{self.dataset.value}, {model!r}",
            epochs=total,
            container=self.view,
        )
        self.model = model
        self.status.value = f"training {model!r} for {total} epochs…"
        self.train_button.disabled, self.stop_button.disabled = True, False
        try:
            self.history = fit(
                model,
                X,
                labels,
                loss_fn,
                Adam(model.parameters(), lr=self.learning_rate.value),
                total,
                batch_size=batch,
                progress=False,
                seed=self.seed,
                callbacks=[self.watcher],
            )
        except FloatingPointError as error:
            self.status.value = f"<span style='color:#b00020'>diverged: {error}</span>"
            return None
        finally:
            self.train_button.disabled, self.stop_button.disabled = False, True
        ran = len(self.history["loss"])
        stopped = " (stopped)" if ran < total else ""
        self.status.value = (
            f"trained {model!r} for {ran} epochs{stopped} ({self.history.mode}): loss "
            f"{self.history['loss'][-1]:.4f}, accuracy {self.history['accuracy'][-1]:.1%}"
        )
        return self.history

    def start(self) -> None:
        """*train*: :meth:`run` in a background thread, so that *stop* stays clickable."""
        if self.thread is not None and self.thread.is_alive():
            return
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """*stop*: end the current run after its epoch (a no-op when nothing runs)."""
        if self.watcher is not None:
            self.watcher.stop_training = True

"""``python -m nn.demo``: watch a network learn, micrograd's two-moons demo by default.

    python -m nn.demo [--dataset moons|circles|spirals|xor|iris] [--steps N] [--seed S]
                      [--output DIR] [--no-progress] [--compiled | --eager] [--watch]

It trains the recipe of :mod:`nn.recipes` for the chosen data set, shows a progress bar
(on a terminal; otherwise a line every 10 steps), and writes into the output folder
(default ``demo-output/``):

* ``decision_boundary.png``: the trained model's decision regions with the data on top;
* ``loss.png``: the loss step by step, and the final evaluation after the last step;
* ``neuron.svg``: the computation graph of one live neuron of layer 0 (the first whose relu
  passes a gradient) on the first example, after a fresh ``backward()`` of that graph, with
  every node's value and gradient: backpropagation at the smallest scale;
* ``mlp-step.svg``: one backward frame of the trained network on the first example, grouped
  by layer (:class:`~autograd_engine.viz.BackwardStepper` with ``group="layer"``): the
  gradient flowing through ``layers.1`` to ``layers.0`` and to its parameters;
* ``mlp-stepper.html``: that example's whole forward and backward pass, one box and one
  frame per neuron (``group="neuron"``), as a self-contained page;
* with ``--watch``, ``watch.html``: training frame by frame (:mod:`nn.watch`), the loss
  curve, the decision boundary and the network's weights every ``steps // 20`` steps, with a
  slider and play/pause.

The demo reports the loss twice, and the two numbers differ on purpose. The step lines (or
the progress bar) give what each training step measured on its batch *before* its update,
at no extra cost: step 100's loss is that of the model after 99 updates. The last line
printed evaluates the trained model once more, *after* the last update (:func:`nn.train.evaluate`),
and gives its loss and accuracy: the numbers of the model you get. ``loss.png`` draws both.

Training is compiled by default (``fit(..., compiled=True)``): the graph of a step is
recorded once and replayed (:func:`autograd_engine.compile_graph`), which trains micrograd's
demo in about a second instead of tens of seconds, with the same losses and accuracy (each
replayed step agrees with an eager one to about 1e-12). ``--eager`` rebuilds the graph every
step, like micrograd.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from autograd_engine import Value
from autograd_engine.graph import topological_order

from .datasets import IRIS_CLASSES
from .losses import cross_entropy, hinge_loss
from .plotting import plot_decision_boundary, plot_history
from .recipes import DATASETS, Recipe, make_recipe
from .train import evaluate, fit
from .watch import Watch, watch

__all__ = ["example_loss", "live_neuron_graph", "main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m nn.demo",
        description="Train a small MLP with autograd-engine and draw what it learned.",
    )
    parser.add_argument("--dataset", choices=DATASETS, default="moons", help="default: moons")
    parser.add_argument("--steps", type=int, default=100, help="training steps (default: 100)")
    parser.add_argument("--seed", type=int, default=1337, help="random seed (default: 1337)")
    parser.add_argument(
        "--output", default="demo-output", help="folder for the pictures (default: demo-output)"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--watch", action="store_true", help="also write watch.html: training frame by frame"
    )
    engine = parser.add_mutually_exclusive_group()
    engine.add_argument(
        "--compiled",
        dest="compiled",
        action="store_true",
        default=True,
        help="record the graph once and replay it every step (the default)",
    )
    engine.add_argument(
        "--eager",
        dest="compiled",
        action="store_false",
        help="rebuild the graph every step: the same result, far slower",
    )
    return parser


def _progress_bar_shown(enabled: bool) -> bool:
    if not enabled or not sys.stderr.isatty():
        return False
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True


def _write_plot(recipe: Recipe, path: str, accuracy: float) -> None:
    first, second = recipe.plot_features
    sliced = len(recipe.X[0]) > 2
    title = f"{recipe.name}: training accuracy {accuracy:.1%}\n{recipe.model!r}"
    if sliced:
        title += "\nother features held at their mean"
    try:
        plot_decision_boundary(
            recipe.model,
            recipe.X,
            recipe.labels,
            path,
            features=(first, second),
            feature_names=recipe.feature_names,
            class_names=IRIS_CLASSES if recipe.name == "iris" else None,
            title=title,
        )
    except ImportError as error:
        print(f"skipped {path}: {error}")
        return
    print(f"wrote {path}")


def _write_loss_plot(
    recipe: Recipe, path: str, history: dict[str, list[float]], final: float
) -> None:
    try:
        plot_history(
            history,
            path,
            final=final,
            xlabel="step (one full-batch update)",
            ylabel="loss (log scale)",
            title=f"{recipe.name}: the loss during training, and after the last update",
            log_scale=True,
        )
    except ImportError as error:
        print(f"skipped {path}: {error}")
        return
    print(f"wrote {path}")


#: Printed before training: what the two loss figures of the demo are.
TWO_LOSSES = (
    "(a step's loss and accuracy are measured on its batch before its update; "
    "the last line evaluates the model after the final update)"
)


def live_neuron_graph(recipe: Recipe) -> tuple[Value, str]:
    """The graph of one live neuron of the first layer on the first example, freshly backpropagated.

    "Live" means its activation passes a gradient on this example (for relu: its input is
    positive), so the drawing shows the chain rule at work instead of a wall of zeros; the
    first such neuron is taken, or neuron 0 if none is. Before ``backward()`` the gradients
    of the graph's leaves (the neuron's weights, left over from training) are zeroed, so
    every gradient drawn belongs to this graph. Returns the output and a caption.
    """
    inputs = [Value(x, label=f"x{i}") for i, x in enumerate(recipe.X[0])]
    neurons = recipe.model.layers[0].neurons
    chosen, out = 0, neurons[0](inputs)
    for j, neuron in enumerate(neurons):
        candidate = neuron(inputs)
        if candidate.op != "relu" or candidate.data > 0:
            chosen, out = j, candidate
            break
    out.label = f"layers.0.neurons.{chosen}"
    for node in topological_order(out):
        if node.is_leaf:
            node.grad = 0.0
    out.backward()
    caption = (
        f"layer 0, neuron {chosen} on the first example: gradients of one fresh backward() "
        f"from its output"
    )
    return out, caption


def example_loss(recipe: Recipe) -> Value:
    """The data term of the recipe's loss on one example, for the stepper's pictures.

    The example is the first whose loss is not 0 (a hinge loss of 0, a point classified with
    margin, sends no gradient back: a picture of zeros). The inputs are labelled ``x0``,
    ``x1``... and the result ``loss``. The data term is the hinge loss for the ±1 targets of
    micrograd's recipes, else cross-entropy: the L2 penalty of those recipes (a ``p²`` per
    parameter, 673 nodes outside any neuron) is left out, so that the picture shows the
    network. No gradient is touched.
    """
    hinge = all(t in (-1, 1) for t in recipe.targets)
    loss = None
    for row, target in zip(recipe.X, recipe.targets, strict=True):
        inputs = [Value(x, label=f"x{i}") for i, x in enumerate(row)]
        score = recipe.model(inputs)
        candidate = hinge_loss([score], [target]) if hinge else cross_entropy([score], [target])
        if loss is None or candidate.data != 0:
            loss = candidate
        if candidate.data != 0:
            break
    assert loss is not None, "a recipe has at least one example"
    loss.label = "loss"
    return loss


def _write_mlp_steps(recipe: Recipe, svg_path: str, page_path: str) -> None:
    try:
        from autograd_engine.viz import BackwardStepper, RendererNotFoundError
    except ImportError as error:
        print(f"skipped {svg_path}: the stepper needs autograd_engine.viz ({error})")
        return
    loss = example_loss(recipe)
    try:
        layers = BackwardStepper(loss, group="layer", rankdir="TB")
        assert layers.units is not None
        middle = next(u for u, unit in enumerate(layers.units) if unit.name == "layers.1")
        # The frame where the middle layer has just sent its terms back to the first.
        k = next(f.index for f in layers.frames if f.phase == "backward" and f.firing == middle)
        svg = layers.svg(k)
        neurons = BackwardStepper(loss, group="neuron")
        neurons.to_html(page_path, title=f"{recipe.name}: one example through the trained MLP")
    except RendererNotFoundError as error:
        print(f"skipped {svg_path}: {error}")
        return
    with open(svg_path, "w", encoding="utf-8") as file:
        file.write(svg)
    print(f"wrote {svg_path}")
    print(f"wrote {page_path}")


def _write_neuron_graph(recipe: Recipe, path: str) -> None:
    try:
        from autograd_engine.viz import RendererNotFoundError, render_svg
    except ImportError as error:
        print(f"skipped {path}: drawing graphs needs autograd_engine.viz and its extra ({error})")
        return
    out, caption = live_neuron_graph(recipe)
    try:
        svg = render_svg(out, title=caption)
    except RendererNotFoundError as error:  # neither dot nor graphviz-pure: say how to get one
        print(f"skipped {path}: {error}")
        return
    finally:
        recipe.model.zero_grad()  # the drawing's backward pass must not leak into training
    with open(path, "w", encoding="utf-8") as file:
        file.write(svg)
    print(f"wrote {path}")


def _watcher(recipe: Recipe, output: str, steps: int) -> Watch:
    """The ``--watch`` callback: a frame every ``steps // 20`` steps, written to watch.html."""
    return watch(
        recipe.X,
        recipe.labels,
        every=max(1, steps // 20),
        path=os.path.join(output, "watch.html"),
        live=False,
        title=f"{recipe.name}: {recipe.model!r} learning",
        features=recipe.plot_features,
        feature_names=recipe.feature_names,
        epochs=steps,
        report=print,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo with command-line arguments ``argv``; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.steps < 1:
        parser.error(f"--steps must be at least 1, got {args.steps}")
    recipe = make_recipe(args.dataset, seed=args.seed, steps=args.steps)
    model = recipe.model
    print(
        f"{recipe.name}: {len(recipe.X)} examples, {model!r} with "
        f"{len(model.parameters())} parameters, {type(recipe.optimizer).__name__}, "
        f"{args.steps} full-batch steps"
    )
    show_bar = _progress_bar_shown(not args.no_progress)
    if show_bar or args.steps >= 10:  # a loss will be shown during training: say which
        print(TWO_LOSSES)

    def report(step: int, history: dict[str, list[float]]) -> None:
        if not show_bar and (step + 1) % 10 == 0:
            print(
                f"step {step + 1:4d}  loss {history['loss'][-1]:.4f}  "
                f"accuracy {history['accuracy'][-1]:.1%}",
                flush=True,
            )

    history = fit(
        model,
        recipe.X,
        recipe.targets,
        recipe.loss_fn,
        recipe.optimizer,
        epochs=args.steps,
        progress=show_bar,
        lr_schedule=recipe.lr_schedule,
        callback=report,
        compiled=args.compiled,
        callbacks=[_watcher(recipe, args.output, args.steps)] if args.watch else [],
    )
    final = evaluate(model, recipe.X, recipe.targets, recipe.loss_fn)
    os.makedirs(args.output, exist_ok=True)
    _write_plot(recipe, os.path.join(args.output, "decision_boundary.png"), final["accuracy"])
    _write_loss_plot(recipe, os.path.join(args.output, "loss.png"), history, final["loss"])
    _write_neuron_graph(recipe, os.path.join(args.output, "neuron.svg"))
    _write_mlp_steps(
        recipe,
        os.path.join(args.output, "mlp-step.svg"),
        os.path.join(args.output, "mlp-stepper.html"),
    )
    line = (
        f"{recipe.name}: after {args.steps} steps, loss {final['loss']:.4f}, "
        f"accuracy {final['accuracy']:.1%}"
    )
    if recipe.X_test is not None and recipe.labels_test is not None:
        test = evaluate(model, recipe.X_test, recipe.labels_test, recipe.loss_fn)
        line += f", test accuracy {test['accuracy']:.1%} ({len(recipe.X_test)} held out)"
    print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The network view: a whole MLP as one picture, one circle per neuron and one line per weight.

``draw_dot`` shows every scalar operation, which is right for one neuron and a hairball for a
network (micrograd's MLP is 954 nodes). This view draws at the level a person thinks about a
network, in the visual language of the TensorFlow Playground:

* a column per layer, the inputs first; a circle per neuron, filled by its bias;
* a line per weight, from the input it reads to the neuron it feeds: **blue for a positive
  weight, orange for a negative one, wider for a larger magnitude** (width and opacity grow
  with ``|w|`` relative to the largest weight of the model; a layer with many lines gets
  thinner ones, so that the strong weights still stand out);
* hover over a line or a circle (its SVG ``<title>``) for the parameter's name, its value and
  its gradient ``d(loss)/dw`` (what the last ``backward()`` left in ``.grad``);
* ``show="grad"`` colours and sizes the lines by the gradient instead: where the loss is
  pulling the weights right now.

Wide layers stay readable: a column of more than ``max_nodes`` neurons is packed tighter with
smaller circles and a label every few nodes, and a layer with more than ``max_edges`` weights
draws only its ``max_edges`` largest (by ``|w|``, or ``|grad|``); the caption says how many
were left out, and every drawn line is one real weight. ``MLP(64, [32, 10])`` on the digits
thus draws its 2,048 + 320 weights as 256 + 320 lines.

The SVG is deterministic (no timestamps, no random ids: the same model gives the same
bytes), needs no graphviz, and is small enough to keep one per epoch in a page.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from autograd_engine import palette

__all__ = ["NEGATIVE", "PENDING", "POSITIVE", "draw_network", "network_panel"]

#: The TensorFlow Playground's colours (distinguishable with the common colour blindnesses),
#: from the one colour language of every picture (:mod:`autograd_engine.palette`); a weight
#: whose gradient has not arrived yet (``grads=`` without it) is :data:`PENDING`, grey and
#: dashed, and a NaN or infinite number is drawn loud, in :data:`NOT_FINITE` at full width.
POSITIVE = palette.POSITIVE
NEGATIVE = palette.NEGATIVE
PENDING = palette.PENDING
NOT_FINITE = "#d62728"

_COLUMN_GAP = 170
_SPACING = 34
_RADIUS = 11
_TOP = 58
_LEFT = 90
_RIGHT = 90


@dataclass(frozen=True)
class _Layer:
    """What the view needs of one layer: its name, activation and each neuron's (w, b)."""

    name: str
    activation: str
    weights: list[list[Any]]  # weights[j][k]: neuron j's Value for input k
    biases: list[Any]


def _layers_of(model: Any) -> list[_Layer]:
    """The model's layers as :class:`_Layer`; an MLP, a Layer or a Neuron is accepted."""
    if hasattr(model, "layers"):
        layers = list(model.layers)
        names = [f"layers.{i}" for i in range(len(layers))]
    elif hasattr(model, "neurons"):
        layers, names = [model], ["layer"]
    elif hasattr(model, "w") and hasattr(model, "b"):
        return [_Layer("neuron", model.activation, [list(model.w)], [model.b])]
    else:
        raise TypeError(
            f"draw_network draws an MLP, a Layer or a Neuron (objects with .layers, .neurons "
            f"or .w and .b), not {type(model).__name__}"
        )
    return [
        _Layer(
            name,
            layer.neurons[0].activation,
            [list(neuron.w) for neuron in layer.neurons],
            [neuron.b for neuron in layer.neurons],
        )
        for name, layer in zip(names, layers, strict=True)
    ]


def _number(x: float) -> str:
    """A value for a tooltip: 4 significant digits, the same text for the same float."""
    return f"{x:.4g}"


def _column(n: int, height: float, max_nodes: int) -> tuple[list[float], float]:
    """The y of each of ``n`` nodes, centred in ``height``, and the circles' radius."""
    spacing = _SPACING if n <= max_nodes else _SPACING * max_nodes / n
    radius = _RADIUS if n <= max_nodes else max(2.5, min(_RADIUS, spacing * 0.42))
    top = _TOP + (height - spacing * (n - 1)) / 2
    return [top + spacing * i for i in range(n)], radius


def _labelled(n: int, max_nodes: int) -> set[int]:
    """Which nodes of a column of ``n`` get a text label: all, or every few and the last."""
    if n <= max_nodes:
        return set(range(n))
    every = math.ceil(n / 8)
    return {*range(0, n, every), n - 1}


def _strongest(magnitudes: list[float], keep: int) -> set[int]:
    """The indices of the ``keep`` largest magnitudes (ties: the lower index), as a set."""
    order = sorted(range(len(magnitudes)), key=lambda i: (-magnitudes[i], i))
    return set(order[:keep])


def draw_network(
    model: Any,
    *,
    title: str = "",
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    show: str = "weight",
    max_nodes: int = 20,
    max_edges: int = 256,
    data: Mapping[Any, float] | None = None,
    grads: Mapping[Any, float] | None = None,
    scale: float | None = None,
) -> str:
    """The SVG text of ``model``'s network view (see the module's docstring).

    Args:
        model: an :class:`~nn.layers.MLP` (or a ``Layer``, or a ``Neuron``).
        title: a line of text above the picture.
        input_names: labels of the input nodes (default ``x0, x1, ...``).
        output_names: labels of the output nodes (default ``out`` or ``out0, out1, ...``).
        show: ``"weight"`` (default) colours and sizes each line by its weight;
            ``"grad"`` by the weight's gradient ``.grad`` (blue: positive, so gradient
            descent will *decrease* that weight).
        max_nodes: columns taller than this are packed tighter, labelled every few nodes.
        max_edges: per layer, at most this many lines: the largest by the shown quantity.
        data: parameter -> value, drawn instead of ``.data`` (a parameter missing: its
            ``.data``); the stepper's panel passes the values of its frame.
        grads: parameter -> gradient, used instead of ``.grad``; a parameter missing has no
            gradient *yet*: with ``show="grad"`` its line is drawn thin, grey and dashed, and
            its tooltip says so (the backward pass has not reached it).
        scale: the magnitude drawn at full width and opacity (default: the largest one
            drawn), so that pictures of several frames share one scale.

    Returns:
        The SVG document as a string (write it to a ``.svg`` file or put it in a page).

    Raises:
        TypeError: ``model`` is not an MLP, a Layer or a Neuron.
        ValueError: a bad ``show``, ``max_nodes``, ``max_edges``, or the wrong number of
            names.
    """
    if show not in ("weight", "grad"):
        raise ValueError(f"draw_network: show must be 'weight' or 'grad', got {show!r}")
    for name, number in (("max_nodes", max_nodes), ("max_edges", max_edges)):
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise ValueError(f"draw_network: {name} must be a positive int, got {number!r}")
    layers = _layers_of(model)
    sizes = [len(layers[0].weights[0])] + [len(layer.biases) for layer in layers]
    inputs = list(input_names) if input_names is not None else [f"x{k}" for k in range(sizes[0])]
    outs = sizes[-1]
    outputs = (
        list(output_names)
        if output_names is not None
        else (["out"] if outs == 1 else [f"out{j}" for j in range(outs)])
    )
    if len(inputs) != sizes[0] or len(outputs) != outs:
        raise ValueError(
            f"draw_network: {len(inputs)} input names and {len(outputs)} output names given "
            f"for a network of {sizes[0]} inputs and {outs} outputs"
        )

    if scale is not None and not (math.isfinite(scale) and scale > 0):
        raise ValueError(f"draw_network: scale must be a positive number, got {scale!r}")

    def value(p: Any) -> float:
        return float(p.data if data is None else data.get(p, p.data))

    def gradient(p: Any) -> float | None:
        """``p``'s gradient, or None when ``grads`` is given and it has not arrived yet."""
        if grads is None:
            return float(p.grad)
        return None if p not in grads else float(grads[p])

    def shown(p: Any) -> float:
        """What a line shows; a gradient not there yet counts as 0 (drawn as pending)."""
        if show == "weight":
            return value(p)
        g = gradient(p)
        return 0.0 if g is None else g

    def pending(p: Any) -> bool:
        return show == "grad" and gradient(p) is None

    def grad_text(p: Any) -> str:
        g = gradient(p)
        return "not yet (backward has not reached it)" if g is None else _number(g)

    every_weight = [shown(w) for layer in layers for row in layer.weights for w in row]
    finite = [abs(x) for x in every_weight if math.isfinite(x)]
    largest = scale if scale is not None else (max(finite, default=0.0) or 1.0)
    biases = [abs(value(b)) for layer in layers for b in layer.biases if math.isfinite(value(b))]
    largest_bias = max(biases, default=0.0) or 1.0

    height = _SPACING * (min(max(sizes), max_nodes) - 1)
    # Room for the longest label on each side (about 7 px per character at 12 px).
    left = max(_LEFT, 30 + 7 * max(len(name) for name in inputs))
    right = max(_RIGHT, 30 + 7 * max(len(name) for name in outputs))
    width = left + _COLUMN_GAP * (len(sizes) - 1) + right
    columns = [_column(n, height, max_nodes) for n in sizes]
    xs = [left + _COLUMN_GAP * c for c in range(len(sizes))]
    notes: list[str] = []
    body: list[str] = []

    # Lines first, so the circles are drawn over their ends.
    for i, layer in enumerate(layers):
        (ys_in, _), (ys_out, _) = columns[i], columns[i + 1]
        flat = [(j, k, w) for j, row in enumerate(layer.weights) for k, w in enumerate(row)]
        magnitudes = [abs(shown(w)) if math.isfinite(shown(w)) else math.inf for _, _, w in flat]
        kept = _strongest(magnitudes, max_edges) if len(flat) > max_edges else None
        if kept is not None:
            what = "weights" if show == "weight" else "gradients"
            notes.append(
                f"{layer.name}: the {max_edges} largest {what} of {len(flat)} drawn, "
                f"{len(flat) - max_edges} smaller ones left out"
            )
        drawn = len(flat) if kept is None else max_edges
        widest = 4.6 * min(1.0, (64 / drawn) ** 0.75)  # thinner lines where there are many
        source = (
            inputs if i == 0 else [f"{layers[i - 1].name}.neurons.{k}" for k in range(sizes[i])]
        )
        for index, (j, k, w) in enumerate(flat):
            if kept is not None and index not in kept:
                continue
            amount = shown(w)
            dash = ""
            if pending(w):
                strength, color, dash = 0.12, PENDING, ' stroke-dasharray="4 3"'
            elif math.isfinite(amount):
                strength = min(1.0, abs(amount) / largest)
                color = palette.sign_colour(amount)
            else:  # a NaN or infinite number: drawn loud, at full width
                strength, color = 1.0, NOT_FINITE
            tip = (
                f"{layer.name}.neurons.{j}.w.{k} = {_number(value(w))}\n"
                f"d(loss)/dw = {grad_text(w)}\nfrom {source[k]}"
            )
            line_width = 0.4 + widest * strength
            body.append(
                f'<line id="e{i}-{j}-{k}" x1="{xs[i]}" y1="{ys_in[k]:.1f}" x2="{xs[i + 1]}" '
                f'y2="{ys_out[j]:.1f}" stroke="{color}" stroke-width="{line_width:.2f}" '
                f'stroke-opacity="{0.15 + 0.85 * strength:.2f}"{dash}>'
                f"<title>{escape(tip)}</title></line>"
            )

    for c, n in enumerate(sizes):
        ys, radius = columns[c]
        labelled = _labelled(n, max_nodes)
        for j in range(n):
            outline = 'stroke="#333" stroke-width="1"'
            if c == 0:
                fill, opacity = "#f2f2f2", 1.0
                tip, label, anchor, dx = f"input {inputs[j]}", inputs[j], "end", -radius - 5
            else:
                layer = layers[c - 1]
                b = layer.biases[j]
                bias = value(b)
                ok = math.isfinite(bias)
                fill = palette.sign_colour(bias) if ok else NOT_FINITE
                opacity = 0.12 + 0.78 * min(1.0, abs(bias) / largest_bias) if ok else 1.0
                tip = (
                    f"{layer.name}.neurons.{j} ({layer.activation})\n"
                    f"b = {_number(bias)}, d(loss)/db = {grad_text(b)}"
                )
                if pending(b):
                    outline = f'stroke="{PENDING}" stroke-width="1.5" stroke-dasharray="3 2"'

                last = c == len(sizes) - 1
                label, anchor, dx = (outputs[j], "start", radius + 5) if last else ("", "", 0)
            body.append(
                f'<circle id="n{c}-{j}" cx="{xs[c]}" cy="{ys[j]:.1f}" r="{radius:.1f}" '
                f'fill="{fill}" fill-opacity="{opacity:.2f}" {outline}>'
                f"<title>{escape(tip)}</title></circle>"
            )
            if label and j in labelled:
                size = 12 if n <= max_nodes else 10
                body.append(
                    f'<text x="{xs[c] + dx:.1f}" y="{ys[j] + 4:.1f}" text-anchor="{anchor}" '
                    f'font-size="{size}">{escape(label)}</text>'
                )
        heading = "input" if c == 0 else layers[c - 1].name
        detail = f"{n}" if c == 0 else f"{n} {layers[c - 1].activation}"
        body.append(
            f'<text x="{xs[c]}" y="22" text-anchor="middle" font-weight="bold">{heading}</text>'
            f'<text x="{xs[c]}" y="38" text-anchor="middle" fill="#555">{escape(detail)}</text>'
        )

    if grads is not None and show == "grad":
        notes.append("grey dashed: gradient not arrived yet (the backward pass has not reached it)")
    what = "weight" if show == "weight" else "gradient d(loss)/dw"
    legend_y = _TOP + height + 34
    legend = [
        f'<line x1="12" y1="{legend_y}" x2="40" y2="{legend_y}" stroke="{POSITIVE}" '
        f'stroke-width="3"/><text x="46" y="{legend_y + 4}">positive {what}</text>',
        f'<line x1="12" y1="{legend_y + 18}" x2="40" y2="{legend_y + 18}" stroke="{NEGATIVE}" '
        f'stroke-width="3"/><text x="46" y="{legend_y + 22}">negative {what}</text>',
        f'<text x="12" y="{legend_y + 40}" fill="#555">line width: |{what.split()[0]}| '
        f"(widest {_number(largest)}); circle fill: the bias; hover for values and "
        "gradients</text>",
    ]
    for n_note, note in enumerate(notes):
        legend.append(
            f'<text x="12" y="{legend_y + 58 + 16 * n_note}" fill="#555">{escape(note)}</text>'
        )
    offset = 26 if title else 0  # room for the title line
    total_height = legend_y + 48 + 16 * len(notes) + offset
    width = max(width, 480)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{total_height}" '
        f'viewBox="0 0 {width} {total_height}" font-family="sans-serif" font-size="12" '
        'class="network-view">',
        '<rect width="100%" height="100%" fill="white"/>',
    ]
    if title:
        parts.append(
            f'<text x="12" y="18" font-size="14" font-weight="bold">{escape(title)}</text>'
        )
    parts += [f'<g transform="translate(0,{offset})">', *body, *legend, "</g></svg>\n"]
    return "".join(parts)


#: What :func:`network_panel` sets itself, so they cannot be among its options.
_PANEL_SETS = ("show", "data", "grads", "scale", "title")


def network_panel(model: Any, **options: Any) -> Callable[[Any], str]:
    """The network view as the stepper's side panel: ``BackwardStepper(..., panel=...)``.

    >>> stepper = BackwardStepper(loss, group="layer", lr=0.1, panel=network_panel(model))
    ... # doctest: +SKIP

    Each frame of the stepper's page then shows, beside the graph, ``model`` drawn with that
    frame's numbers (none of them read from ``.grad`` or ``.data``, which the stepper never
    touches):

    * **forward** frames: the weights, as :func:`draw_network` draws them;
    * **backward** frames: ``show="grad"`` with only the gradients complete once the frame's
      rules have run; every other weight is grey and dashed. Stepping on, the colour sweeps
      from the output layer back to the inputs: the order ``backward()`` works in;
    * the **update** frame: the weights after ``p.data -= lr * p.grad``.

    Lines keep one scale across frames (the largest weight before the update; the largest
    final gradient), so a line that grows is a number that grew.

    Args:
        model: the MLP (Layer, Neuron) whose loss the stepper steps through.
        **options: passed to :func:`draw_network` (``input_names``, ``output_names``,
            ``max_nodes``, ``max_edges``).

    Returns:
        ``panel(frame) -> str``, for ``BackwardStepper(panel=...)``.

    Raises:
        TypeError: an option the panel sets itself (``show``, ``data``, ``grads``,
            ``scale``, ``title``), or a model :func:`draw_network` cannot draw.
        ValueError: (when called) the stepper's graph does not hold all of the model's
            parameters: its loss was not computed by this model.
    """
    clash = [name for name in _PANEL_SETS if name in options]
    if clash:
        raise TypeError(f"network_panel sets {', '.join(clash)} itself for every frame")
    layers = _layers_of(model)
    weights = [w for layer in layers for row in layer.weights for w in row]
    parameters = weights + [b for layer in layers for b in layer.biases]

    def panel(frame: Any) -> str:
        missing = sum(1 for p in parameters if p not in frame.final)
        if missing:
            raise ValueError(
                f"network_panel: {missing} of the model's {len(parameters)} parameters are "
                "not in the stepper's graph, so their gradients would never arrive: step "
                "through a loss computed by this model"
            )
        largest_weight = max((abs(w.data) for w in weights if math.isfinite(w.data)), default=0)
        if frame.phase == "forward":
            return draw_network(
                model,
                title="forward: the weights (the data flows left to right)",
                data=frame.data,
                scale=largest_weight or None,
                **options,
            )
        if frame.phase in ("update", "forward again"):
            return draw_network(
                model,
                title="update: the weights after p.data -= lr * p.grad"
                if frame.phase == "update"
                else "forward again: the moved weights compute a new loss",
                data=frame.data,
                scale=largest_weight or None,
                **options,
            )
        final = [abs(frame.final[p]) for p in weights if math.isfinite(frame.final[p])]
        done = sum(1 for p in parameters if p in frame.grads)
        return draw_network(
            model,
            title=f"backward: {done} of {len(parameters)} gradients d(loss)/dp complete",
            show="grad",
            data=frame.data,
            grads=frame.grads,
            scale=max(final, default=0.0) or None,
            **options,
        )

    return panel

"""Neurons, layers and multi-layer perceptrons, built from scalar Values.

A neuron is the whole idea::

    out = activation(w0*x0 + w1*x1 + ... + b)

Its weights ``w`` and bias ``b`` are Values, so calling it records a small graph whose
backward pass gives d(loss)/d(w) for every weight. A :class:`Layer` is a list of neurons
reading the same inputs; an :class:`MLP` feeds each layer's outputs to the next.

``MLP(2, [16, 16, 1])`` is micrograd's network: 2 inputs, two relu hidden layers of 16, one
linear output, 337 parameters. With the default ``init="uniform"`` and the global
``random`` module it draws exactly the weights micrograd draws after the same
``random.seed``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from autograd_engine import Value

from .activations import get_activation
from .init import resolve_rng, sample_weights
from .module import Module

__all__ = ["MLP", "Layer", "Neuron"]

Inputs = Sequence[Value | float]


def check_count(name: str, what: str, number: object) -> int:
    """``number`` if it is a positive int, else a ValueError naming it."""
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise ValueError(f"{name}: {what} must be a positive int, got {number!r}")
    return number


def is_array(x: object) -> bool:
    """True for a NumPy array (or anything like one: ``ndim >= 1`` and ``tolist()``).

    Found by duck typing, so ``nn`` never imports NumPy: it stays optional.
    """
    return getattr(x, "ndim", 0) >= 1 and hasattr(x, "tolist")


def check_inputs(name: str, x: object, expected: int) -> Inputs:
    """``x`` as a list of ``expected`` inputs, else an error saying what was wrong.

    A list (or tuple) is returned as it is. A 1-D NumPy array, such as a row of
    scikit-learn's ``X``, becomes a list of Python floats (``x.tolist()``), which the
    engine multiplies faster than NumPy scalars; an array of more dimensions is refused,
    since one call of a model takes one example.
    """
    row: Any = x
    # A plain list skips the abstract-class check, which is slow and runs for every neuron.
    if type(x) is not list:
        if is_array(x):
            if row.ndim != 1:
                shape = tuple(getattr(row, "shape", ()))
                raise ValueError(
                    f"{name} expects one example, a row of {expected} inputs, got an array of "
                    f"shape {shape}; call the model on each row: [model(x) for x in X]"
                )
            row = row.tolist()
        elif isinstance(x, Value | str | bytes) or not isinstance(x, Sequence):
            raise TypeError(f"{name} expects a list of {expected} inputs, got {type(x).__name__}")
    if len(row) != expected:
        raise ValueError(f"{name} expects {expected} inputs, got {len(row)}")
    return row  # type: ignore[no-any-return]


def _prefixed(label: str, name: str) -> str:
    return f"{label}.{name}" if label else name


class Neuron(Module):
    """One neuron: ``activation(w · x + b)``.

    Args:
        nin: the number of inputs (and of weights).
        activation: ``"relu"`` (default), ``"tanh"``, ``"sigmoid"``, ``"leaky_relu"`` or
            ``"linear"`` (``None`` also means linear).
        init: ``"uniform"`` (U(-1, 1), micrograd's), ``"xavier"`` or ``"he"``; see
            :mod:`nn.init`. The bias starts at 0.
        fan_out: the size of the layer this neuron is part of (only the Xavier bound uses
            it; a lone neuron is a layer of one).
        rng, seed: where the random weights come from (default: the global ``random``).
        label: a prefix for the parameters' labels, e.g. ``"layers.0.neurons.3"`` gives
            ``"layers.0.neurons.3.w.0"``. Without one they are ``"w.0"``, ``"w.1"``, ``"b"``:
            the names :meth:`~nn.module.Module.named_parameters` gives them.

    Attributes:
        w: the weights, a list of ``nin`` Values; b: the bias Value.
    """

    def __init__(
        self,
        nin: int,
        activation: str | None = "relu",
        *,
        init: str = "uniform",
        fan_out: int = 1,
        rng: random.Random | None = None,
        seed: int | None = None,
        label: str = "",
    ) -> None:
        check_count("Neuron", "nin", nin)
        self._activation = get_activation(activation)
        self.activation = activation or "linear"
        weights = sample_weights(nin, init, nin, fan_out, resolve_rng(rng, seed))
        self.w = [Value(wi, _prefixed(label, f"w.{i}")) for i, wi in enumerate(weights)]
        self.b = Value(0.0, _prefixed(label, "b"))

    def forward(self, x: Inputs) -> Value:
        """``activation(b + w0*x0 + w1*x1 + ...)`` for a list ``x`` of ``nin`` numbers or Values
        (or a 1-D NumPy array)."""
        w = self.w
        # A list of the right length (what a Layer passes each of its neurons) is taken as
        # it is, without a call: check_inputs looks at anything else, and may convert it.
        if type(x) is not list or len(x) != len(w):
            x = check_inputs("Neuron", x, len(w))
        total = self.b  # summed in micrograd's order, so the floats match it exactly
        for wi, xi in zip(w, x, strict=False):  # equal lengths, checked above (strict is slow)
            total = total + wi * xi
        return self._activation(total)

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)}, activation={self.activation!r})"


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs; calling it returns a list of ``nout``.

    Args:
        nin, nout: inputs per neuron, and the number of neurons.
        activation, init, rng, seed: as for :class:`Neuron` (all neurons share them).
        label: a prefix for labels: neuron j of ``Layer(..., label="layers.0")`` is
            ``"layers.0.neurons.{j}"`` (without one, ``"neurons.{j}"``).
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str | None = "relu",
        *,
        init: str = "uniform",
        rng: random.Random | None = None,
        seed: int | None = None,
        label: str = "",
    ) -> None:
        check_count("Layer", "nin", nin)
        check_count("Layer", "nout", nout)
        generator = resolve_rng(rng, seed)
        self.nin = nin
        self.neurons = [
            Neuron(
                nin,
                activation,
                init=init,
                fan_out=nout,
                rng=generator,
                label=_prefixed(label, f"neurons.{j}"),
            )
            for j in range(nout)
        ]

    def forward(self, x: Inputs) -> list[Value]:
        """Every neuron's output for the inputs ``x`` (always a list, even of one)."""
        x = check_inputs("Layer", x, self.nin)  # an array row becomes a list, once
        return [neuron(x) for neuron in self.neurons]

    def __repr__(self) -> str:
        activation = self.neurons[0].activation
        return f"Layer({self.nin}, {len(self.neurons)}, activation={activation!r})"


class MLP(Module):
    """A multi-layer perceptron: layers applied one after another.

    Args:
        nin: the number of inputs.
        nouts: the size of each layer, e.g. ``[16, 16, 1]``.
        activation: used by every hidden layer (default ``"relu"``).
        output_activation: used by the last layer; ``None`` (default) keeps it linear, so it
            outputs raw scores for a loss to squash.
        init, rng, seed: as for :class:`Neuron`.

    Calling it returns a single Value when the last layer has one neuron, else a list.
    Parameters are labelled by their :meth:`~nn.module.Module.named_parameters` names,
    ``layers.{i}.neurons.{j}.w.{k}`` and ``layers.{i}.neurons.{j}.b``; calling the network
    enters the matching scopes (``layers.{i}``, ``layers.{i}.neurons.{j}``), see
    :mod:`autograd_engine.scope`.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str | None = "relu",
        output_activation: str | None = None,
        *,
        init: str = "uniform",
        rng: random.Random | None = None,
        seed: int | None = None,
    ) -> None:
        check_count("MLP", "nin", nin)
        if isinstance(nouts, int | str) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(f"MLP: nouts must be a non-empty list of layer sizes, got {nouts!r}")
        for size in nouts:
            check_count("MLP", "each layer size in nouts", size)
        get_activation(activation)
        get_activation(output_activation)
        generator = resolve_rng(rng, seed)
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                output_activation if i == last else activation,
                init=init,
                rng=generator,
                label=f"layers.{i}",
            )
            for i in range(len(nouts))
        ]

    def forward(self, x: Inputs) -> Value | list[Value]:
        """The network's output: one Value if the last layer has one neuron, else a list."""
        out: list[Value] = self.layers[0](x)
        for layer in self.layers[1:]:
            out = layer(out)
        return out[0] if len(out) == 1 else out

    def __repr__(self) -> str:
        nouts = [len(layer.neurons) for layer in self.layers]
        hidden = self.layers[0].neurons[0].activation if len(self.layers) > 1 else None
        output = self.layers[-1].neurons[0].activation
        parts = [f"{self.layers[0].nin}", f"{nouts}"]
        if hidden is not None:
            parts.append(f"activation={hidden!r}")
        parts.append(f"output_activation={output!r}")
        return f"MLP({', '.join(parts)})"

"""Activation functions by name: the non-linearity a neuron applies to its weighted sum.

A neuron computes ``activation(w · x + b)``. Without a non-linearity, a stack of layers
collapses into one linear map, so hidden layers use one of these; an output layer is often
``"linear"`` (no activation) and leaves the squashing to the loss (``hinge_loss``,
``binary_cross_entropy_with_logits`` and ``cross_entropy`` all take raw scores).

Each activation is one engine op (``relu``, ``tanh``, ``sigmoid``, ``leaky_relu``), so it
appears as a single node in a graph drawing; ``"linear"`` adds no node at all.
"""

from __future__ import annotations

from collections.abc import Callable

from autograd_engine import Value

__all__ = ["ACTIVATIONS", "get_activation"]

Activation = Callable[[Value], Value]


def _linear(x: Value) -> Value:
    return x


#: Every activation a layer accepts, by name.
ACTIVATIONS: dict[str, Activation] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "leaky_relu": Value.leaky_relu,  # negative slope 0.01, as torch.nn.LeakyReLU
    "linear": _linear,
}


def get_activation(name: str | None) -> Activation:
    """The activation called ``name`` (``None`` means ``"linear"``).

    Raises:
        ValueError: for an unknown name; the message lists the valid ones.
    """
    if name is None:
        return _linear
    if not isinstance(name, str) or name not in ACTIVATIONS:
        valid = ", ".join(sorted(ACTIVATIONS))
        raise ValueError(f"unknown activation {name!r}; choose one of: {valid}")
    return ACTIVATIONS[name]

"""``to_torch``: the same network as a ``torch.nn.Module``, for when scalars get too slow.

A scalar engine is for seeing backpropagation; past a few thousand parameters a tensor
library is the tool. :func:`to_torch` builds the PyTorch module with the same structure
and copies every weight across, so a model designed and understood here keeps its
numbers there (``tests/test_nn_to_torch.py`` checks them to 1e-12)::

    model = MLP(2, [16, 16, 1], seed=0)
    torch_model = to_torch(model)                      # a torch.nn.Sequential
    torch_model(torch.tensor([[0.5, -1.0]], dtype=torch.float64))   # == model([0.5, -1.0])

What becomes what (tensors are float64 by default, so the numbers agree to rounding):

==================  ================================================================
here                PyTorch
==================  ================================================================
``Neuron``          ``Sequential(Linear(nin, 1), activation)``
``Layer``           ``Sequential(Linear(nin, nout), activation)``
``MLP``             ``Sequential`` of the layers' ``Linear`` and activation modules
``RNNCell``         ``RNNCell(nin, nhidden, nonlinearity)`` (tanh or relu only);
                    its one bias becomes ``bias_ih``, and ``bias_hh`` is 0
``LSTMCell``        ``LSTMCell(nin, nhidden)``: same gate order, weights one to one
``GRUCell``         ``GRUCell(nin, nhidden)``: same gate order, weights one to one
==================  ================================================================

Activations: ``relu`` -> ``ReLU``, ``tanh`` -> ``Tanh``, ``sigmoid`` -> ``Sigmoid``,
``leaky_relu`` -> ``LeakyReLU(0.01)``, ``linear`` -> nothing.

One difference survives the copy. An ``RNNCell`` has one bias where ``torch.nn.RNNCell``
has two that are always added; the export puts it in ``bias_ih`` and zeros ``bias_hh``, so
the outputs agree, but trained in PyTorch each of the two gets the whole gradient and their
sum moves twice as far per SGD step as the bias does here. (``LSTMCell`` and ``GRUCell``
have PyTorch's two biases, so they train identically.)

The PyTorch module works on batches: where ``model(x)`` takes one row of ``nin`` numbers,
the exported module takes a tensor of shape ``(batch, nin)`` and returns ``(batch, nout)``
(``(batch, 1)`` for a single output, which ``model(x)`` returns as one Value).

PyTorch is optional: it is imported when :func:`to_torch` is called, never before.
"""

from __future__ import annotations

from typing import Any

from .gates import GRUCell, LSTMCell
from .layers import MLP, Layer, Neuron
from .module import Module
from .rnn import RNNCell

__all__ = ["to_torch"]

SUPPORTED = "MLP, Layer, Neuron, RNNCell, LSTMCell, GRUCell"


def _import_torch() -> Any:
    try:
        import torch
    except ImportError as error:
        raise ImportError(
            "nn.to_torch needs PyTorch, which is not installed: "
            "pip install torch (see https://pytorch.org for your platform)"
        ) from error
    return torch


def _activation(torch: Any, name: str) -> list[Any]:
    """The PyTorch module(s) applying the activation called ``name`` (none for linear)."""
    modules = {
        "relu": torch.nn.ReLU,
        "tanh": torch.nn.Tanh,
        "sigmoid": torch.nn.Sigmoid,
        "leaky_relu": lambda: torch.nn.LeakyReLU(0.01),
    }
    return [] if name == "linear" else [modules[name]()]


def _numbers(values: Any) -> Any:
    """Nested lists of Values as nested lists of their floats."""
    if isinstance(values, list):
        return [_numbers(item) for item in values]
    return values.data


def _copy(torch: Any, parameter: Any, values: Any) -> None:
    """Set the tensor ``parameter`` to the numbers in ``values`` (same shape)."""
    with torch.no_grad():
        parameter.copy_(torch.tensor(_numbers(values), dtype=parameter.dtype))


def _layer(torch: Any, neurons: list[Neuron], dtype: Any) -> list[Any]:
    """A ``Linear`` holding ``neurons``' weights (one row each), then their activation."""
    linear = torch.nn.Linear(len(neurons[0].w), len(neurons), dtype=dtype)
    _copy(torch, linear.weight, [neuron.w for neuron in neurons])
    _copy(torch, linear.bias, [neuron.b for neuron in neurons])
    return [linear, *_activation(torch, neurons[0].activation)]


def _rnn_cell(torch: Any, cell: RNNCell, dtype: Any) -> Any:
    if cell.activation not in ("tanh", "relu"):
        raise ValueError(
            f"to_torch: torch.nn.RNNCell supports the activations tanh and relu only, "
            f"this RNNCell uses {cell.activation!r}"
        )
    exported = torch.nn.RNNCell(cell.nin, cell.nhidden, nonlinearity=cell.activation, dtype=dtype)
    _copy(torch, exported.weight_ih, cell.weight_ih)
    _copy(torch, exported.weight_hh, cell.weight_hh)
    _copy(torch, exported.bias_ih, cell.bias)
    with torch.no_grad():
        exported.bias_hh.zero_()  # the one bias here is the sum of PyTorch's two
    return exported


def _gated_cell(torch: Any, cell: LSTMCell | GRUCell, dtype: Any) -> Any:
    kind = torch.nn.LSTMCell if isinstance(cell, LSTMCell) else torch.nn.GRUCell
    exported = kind(cell.nin, cell.nhidden, dtype=dtype)
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        _copy(torch, getattr(exported, name), getattr(cell, name))
    return exported


def to_torch(model: Module, dtype: Any = None) -> Any:
    """An equivalent ``torch.nn.Module`` with a copy of ``model``'s weights.

    Args:
        model: an ``MLP``, ``Layer``, ``Neuron``, ``RNNCell``, ``LSTMCell`` or ``GRUCell``.
        dtype: the tensors' dtype; ``None`` means ``torch.float64``, the engine's precision
            (outputs then agree with ``model``'s to rounding, about 1e-15).

    Returns:
        A new module in training mode; changing it does not change ``model`` (and back).

    Raises:
        ImportError: PyTorch is not installed.
        TypeError: ``model`` is of another type (the message lists the supported ones).
        ValueError: an ``RNNCell`` whose activation ``torch.nn.RNNCell`` does not have.
    """
    if not isinstance(model, Module):
        raise TypeError(f"to_torch expects an nn Module ({SUPPORTED}), not {type(model).__name__}")
    if type(model) not in (MLP, Layer, Neuron, RNNCell, LSTMCell, GRUCell):
        raise TypeError(
            f"to_torch cannot convert a {type(model).__name__}: it converts {SUPPORTED} "
            "(exactly these classes; a subclass may compute something else)"
        )
    torch = _import_torch()
    dtype = torch.float64 if dtype is None else dtype
    if isinstance(model, Neuron):
        return torch.nn.Sequential(*_layer(torch, [model], dtype))
    if isinstance(model, Layer):
        return torch.nn.Sequential(*_layer(torch, model.neurons, dtype))
    if isinstance(model, MLP):
        modules = [part for layer in model.layers for part in _layer(torch, layer.neurons, dtype)]
        return torch.nn.Sequential(*modules)
    if isinstance(model, RNNCell):
        return _rnn_cell(torch, model, dtype)
    assert isinstance(model, LSTMCell | GRUCell)
    return _gated_cell(torch, model, dtype)

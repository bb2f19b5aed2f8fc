"""``RNNCell``: a recurrent cell, and the graph that backpropagation through time walks.

One step of an Elman recurrent network reads an input ``x`` and the previous hidden state
``h`` and computes the next hidden state::

    h'_j = activation(b_j + sum_i W_ih[j][i] * x_i + sum_k W_hh[j][k] * h_k)

Running the cell over a sequence, ``h1 = cell(x1, h0)``, ``h2 = cell(x2, h1)``, ... *unrolls*
it: the graph holds one copy of the step per time step, all sharing the same weights. A loss
on the last state, backpropagated, flows back through every step, and each shared weight
collects one gradient term per step. That is backpropagation through time (BPTT): nothing
more than ``backward()`` on the unrolled graph.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from autograd_engine import Value

from .activations import get_activation
from .init import resolve_rng, sample_weights
from .layers import Inputs, check_count, check_inputs
from .module import Module

__all__ = ["RNNCell"]


class RNNCell(Module):
    """An Elman RNN cell: ``h' = activation(W_ih x + W_hh h + b)``, like ``torch.nn.RNNCell``.

    Args:
        nin: the size of each input ``x``.
        nhidden: the size of the hidden state ``h``.
        activation: ``"tanh"`` (default) or any other name :class:`~nn.Neuron` accepts.
        init, rng, seed: as for :class:`~nn.Neuron` (fan-in is ``nin + nhidden``).

    Attributes:
        weight_ih: ``nhidden`` rows of ``nin`` input weights.
        weight_hh: ``nhidden`` rows of ``nhidden`` recurrent weights.
        bias: ``nhidden`` biases (one per unit; PyTorch's two bias vectors add up to one).
    """

    def __init__(
        self,
        nin: int,
        nhidden: int,
        activation: str | None = "tanh",
        *,
        init: str = "uniform",
        rng: random.Random | None = None,
        seed: int | None = None,
    ) -> None:
        check_count("RNNCell", "nin", nin)
        check_count("RNNCell", "nhidden", nhidden)
        self._activation = get_activation(activation)
        self.activation = activation or "linear"
        generator = resolve_rng(rng, seed)
        fan_in = nin + nhidden

        def weights(rows: int, columns: int, name: str) -> list[list[Value]]:
            numbers = sample_weights(rows * columns, init, fan_in, nhidden, generator)
            return [
                [Value(numbers[j * columns + i], f"{name}[{j}][{i}]") for i in range(columns)]
                for j in range(rows)
            ]

        self.weight_ih = weights(nhidden, nin, "W_ih")
        self.weight_hh = weights(nhidden, nhidden, "W_hh")
        self.bias = [Value(0.0, f"b[{j}]") for j in range(nhidden)]

    @property
    def nin(self) -> int:
        return len(self.weight_ih[0])

    @property
    def nhidden(self) -> int:
        return len(self.bias)

    def forward(self, x: Inputs, h: Inputs | None = None) -> list[Value]:
        """The next hidden state for input ``x`` and hidden state ``h`` (zeros if omitted)."""
        x = check_inputs("RNNCell", x, self.nin)
        if h is not None:
            if isinstance(h, Sequence) and len(h) != self.nhidden:
                raise ValueError(
                    f"RNNCell expects a hidden state of {self.nhidden} values, got {len(h)}"
                )
            h = check_inputs("RNNCell hidden state", h, self.nhidden)
        out = []
        for w_in, w_rec, b in zip(self.weight_ih, self.weight_hh, self.bias, strict=True):
            total = b
            for wi, xi in zip(w_in, x, strict=True):
                total = total + wi * xi
            # A zero initial state adds nothing, so the first step skips the recurrent terms.
            for wk, hk in zip(w_rec, h or (), strict=False):
                total = total + wk * hk
            out.append(self._activation(total))
        return out

    def unroll(self, xs: Sequence[Inputs], h: Inputs | None = None) -> list[list[Value]]:
        """Run the cell over a sequence; returns the hidden state after each step.

        The result's last entry is the final state; backpropagating a loss on any of them is
        backpropagation through time.
        """
        states = []
        for x in xs:
            state: list[Value] = self(x, h)
            states.append(state)
            h = state
        return states

    def __repr__(self) -> str:
        return f"RNNCell({self.nin}, {self.nhidden}, activation={self.activation!r})"

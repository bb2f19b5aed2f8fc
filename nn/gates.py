"""Gated recurrent cells: ``LSTMCell`` and ``GRUCell``, with PyTorch's gates and equations.

An Elman cell (:class:`~nn.RNNCell`) rewrites its whole state each step,
``h' = tanh(W_ih x + W_hh h + b)``, so a gradient going back ``T`` steps is multiplied by
``T`` Jacobians ``diag(tanh') W_hh``: it shrinks (or grows) geometrically, and the cell
cannot learn what happened long ago. A *gate* is a sigmoid, a number between 0 and 1, that
decides how much of something passes. Gated cells use gates to *keep* their state instead
of rewriting it.

**LSTM** (Hochreiter & Schmidhuber, 1997; the forget gate of Gers et al., 2000). Besides
the output ``h`` it carries a cell state ``c``. With ``sigma`` the sigmoid and ``*`` the
elementwise product, each step computes four gates from the same ``x`` and ``h``, in
PyTorch's order ``i, f, g, o``::

    i = sigma(W_ii x + b_ii + W_hi h + b_hi)     input gate: how much new to write
    f = sigma(W_if x + b_if + W_hf h + b_hf)     forget gate: how much old to keep
    g = tanh (W_ig x + b_ig + W_hg h + b_hg)     the candidate to write
    o = sigma(W_io x + b_io + W_ho h + b_ho)     output gate: how much to show
    c' = f * c + i * g
    h' = o * tanh(c')

The cell state is updated by *addition*: ``dc'/dc = f``, with no weight matrix and no
squashing in between, so when the forget gate is near 1 a gradient flows back along ``c``
through many steps almost unchanged (the "constant error carousel").

**GRU** (Cho et al., 2014) merges the two states and uses two gates, ``r, z``::

    r = sigma(W_ir x + b_ir + W_hr h + b_hr)     reset gate
    z = sigma(W_iz x + b_iz + W_hz h + b_hz)     update gate
    n = tanh (W_in x + b_in + r * (W_hn h + b_hn))
    h' = (1 - z) * n + z * h

so ``dh'/dh`` contains the term ``z``: the same additive path, opened by ``z`` near 1.

The weights are stored as PyTorch stores them, so they can be copied across one to one
(:func:`nn.to_torch` does): ``weight_ih`` is the gates' input weights stacked row-wise
(``4 * nhidden`` rows for the LSTM: rows ``0..H-1`` for ``i``, ``H..2H-1`` for ``f``, then
``g``, then ``o``; ``3 * nhidden`` rows ``r, z, n`` for the GRU), ``weight_hh`` likewise for
the recurrent weights, and there are two bias vectors, ``bias_ih`` and ``bias_hh``. (Their sum
is all the LSTM needs; the GRU needs them apart, because ``r`` multiplies ``b_hn`` only.)
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from autograd_engine import Value

from .init import resolve_rng, sample_weights
from .layers import Inputs, check_count, check_inputs
from .module import Module

__all__ = ["GRUCell", "LSTMCell"]


def _matrix(
    rows: int,
    columns: int,
    name: str,
    init: str,
    fan_in: int,
    fan_out: int,
    rng: random.Random | None,
) -> list[list[Value]]:
    """``rows`` lists of ``columns`` weights labelled ``name[j][i]``, drawn by ``init``."""
    numbers = sample_weights(rows * columns, init, fan_in, fan_out, rng)
    return [
        [Value(numbers[j * columns + i], f"{name}[{j}][{i}]") for i in range(columns)]
        for j in range(rows)
    ]


def _affine(weights: list[Value], bias: Value, inputs: Sequence[Value | float]) -> Value:
    """``bias + sum_i weights[i] * inputs[i]``: one row of ``W x + b``."""
    total = bias
    for w, v in zip(weights, inputs, strict=True):
        total = total + w * v
    return total


def _check_state(cell: str, what: str, state: object, size: int) -> list[Value | float]:
    """``state`` as a list of ``size`` numbers or Values, or an error naming ``what``."""
    if isinstance(state, Sequence) and not isinstance(state, str) and len(state) != size:
        raise ValueError(f"{cell} expects a {what} of {size} values, got {len(state)}")
    return list(check_inputs(f"{cell} {what}", state, size))  # (a NumPy row becomes a list)


class _GatedCell(Module):
    """What the two gated cells share: sizes, weights in PyTorch's layout, and checks."""

    #: Gates per unit (LSTM 4, GRU 3): the weight matrices have ``gates * nhidden`` rows.
    gates = 0

    def __init__(
        self,
        nin: int,
        nhidden: int,
        *,
        init: str = "uniform",
        rng: random.Random | None = None,
        seed: int | None = None,
    ) -> None:
        name = type(self).__name__
        check_count(name, "nin", nin)
        check_count(name, "nhidden", nhidden)
        generator = resolve_rng(rng, seed)
        rows, fan_in = self.gates * nhidden, nin + nhidden
        self.weight_ih = _matrix(rows, nin, "W_ih", init, fan_in, nhidden, generator)
        self.weight_hh = _matrix(rows, nhidden, "W_hh", init, fan_in, nhidden, generator)
        self.bias_ih = [Value(0.0, f"b_ih[{j}]") for j in range(rows)]
        self.bias_hh = [Value(0.0, f"b_hh[{j}]") for j in range(rows)]

    @property
    def nin(self) -> int:
        return len(self.weight_ih[0])

    @property
    def nhidden(self) -> int:
        return len(self.weight_hh[0])

    def _input_part(self, x: Inputs) -> list[Value]:
        """``W_ih x + b_ih`` for every row (every gate of every unit)."""
        x = check_inputs(type(self).__name__, x, self.nin)
        return [_affine(w, b, x) for w, b in zip(self.weight_ih, self.bias_ih, strict=True)]

    def _hidden_part(self, h: list[Value | float] | None) -> list[Value]:
        """``W_hh h + b_hh`` for every row; a zero state (``h`` None) leaves just ``b_hh``."""
        if h is None:
            return list(self.bias_hh)
        return [_affine(w, b, h) for w, b in zip(self.weight_hh, self.bias_hh, strict=True)]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.nin}, {self.nhidden})"


class LSTMCell(_GatedCell):
    """A long short-term memory cell, like ``torch.nn.LSTMCell`` (gates ``i, f, g, o``).

    ``cell(x, (h, c))`` returns the next ``(h, c)``; the equations are in :mod:`nn.gates`.

    Args:
        nin: the size of each input ``x``.
        nhidden: the size of the hidden state ``h`` and of the cell state ``c``.
        init, rng, seed: as for :class:`~nn.RNNCell` (fan-in ``nin + nhidden``); both biases
            start at 0, so every gate starts half open (``sigma(0) = 0.5``). To remember
            longer from the start, set the forget gate's biases (rows ``H..2H-1``) to 1.

    Attributes:
        weight_ih: ``4 * nhidden`` rows of ``nin`` input weights (``i, f, g, o`` blocks).
        weight_hh: ``4 * nhidden`` rows of ``nhidden`` recurrent weights.
        bias_ih, bias_hh: ``4 * nhidden`` biases each, as PyTorch has.
    """

    gates = 4

    def forward(
        self, x: Inputs, state: tuple[Inputs, Inputs] | None = None
    ) -> tuple[list[Value], list[Value]]:
        """The next ``(h, c)`` for input ``x`` and state ``(h, c)`` (zeros if omitted)."""
        size = self.nhidden
        h: list[Value | float] | None = None
        c: list[Value | float] | None = None
        if state is not None:
            if not isinstance(state, tuple | list) or len(state) != 2:
                raise TypeError(
                    "LSTMCell expects its state as a pair (h, c) of lists, "
                    f"got {type(state).__name__}"
                )
            h = _check_state("LSTMCell", "hidden state h", state[0], size)
            c = _check_state("LSTMCell", "cell state c", state[1], size)
        rows = [a + b for a, b in zip(self._input_part(x), self._hidden_part(h), strict=True)]
        h_next, c_next = [], []
        for j in range(size):
            i = rows[j].sigmoid()
            f = rows[size + j].sigmoid()
            g = rows[2 * size + j].tanh()
            o = rows[3 * size + j].sigmoid()
            # A zero initial cell state contributes f * 0 = 0: the first step skips it.
            cell = i * g if c is None else f * c[j] + i * g
            c_next.append(cell)
            h_next.append(o * cell.tanh())
        return h_next, c_next

    def unroll(
        self, xs: Sequence[Inputs], state: tuple[Inputs, Inputs] | None = None
    ) -> list[tuple[list[Value], list[Value]]]:
        """Run the cell over a sequence; returns the state ``(h, c)`` after each step."""
        states = []
        for x in xs:
            new_state: tuple[list[Value], list[Value]] = self(x, state)
            states.append(new_state)
            state = new_state
        return states


class GRUCell(_GatedCell):
    """A gated recurrent unit, like ``torch.nn.GRUCell`` (gates ``r, z, n``).

    ``cell(x, h)`` returns the next ``h``; the equations are in :mod:`nn.gates`.

    Args:
        nin, nhidden, init, rng, seed: as for :class:`LSTMCell`.

    Attributes:
        weight_ih: ``3 * nhidden`` rows of ``nin`` input weights (``r, z, n`` blocks).
        weight_hh: ``3 * nhidden`` rows of ``nhidden`` recurrent weights.
        bias_ih, bias_hh: ``3 * nhidden`` biases each, as PyTorch has.
    """

    gates = 3

    def forward(self, x: Inputs, h: Inputs | None = None) -> list[Value]:
        """The next hidden state for input ``x`` and hidden state ``h`` (zeros if omitted)."""
        size = self.nhidden
        previous = None if h is None else _check_state("GRUCell", "hidden state", h, size)
        from_input = self._input_part(x)
        from_hidden = self._hidden_part(previous)
        out = []
        for j in range(size):
            r = (from_input[j] + from_hidden[j]).sigmoid()
            z = (from_input[size + j] + from_hidden[size + j]).sigmoid()
            n = (from_input[2 * size + j] + r * from_hidden[2 * size + j]).tanh()
            # h' = (1 - z) * n + z * h; a zero initial state drops the z * h term.
            out.append((1.0 - z) * n if previous is None else (1.0 - z) * n + z * previous[j])
        return out

    def unroll(self, xs: Sequence[Inputs], h: Inputs | None = None) -> list[list[Value]]:
        """Run the cell over a sequence; returns the hidden state after each step."""
        states = []
        for x in xs:
            state: list[Value] = self(x, h)
            states.append(state)
            h = state
        return states

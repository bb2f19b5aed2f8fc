"""LSTMCell and GRUCell: one step by hand, gradients by finite differences, and agreement
with torch.nn.LSTMCell / GRUCell to 1e-12 in float64 (values and every gradient)."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from autograd_engine import Value, gradcheck
from nn import GRUCell, LSTMCell
from tests.conftest import Backprop


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _randomize_biases(cell: LSTMCell | GRUCell, seed: int) -> None:
    """Both bias vectors start at 0; give them numbers so a mix-up of the two shows."""
    rng = random.Random(seed)
    for bias in cell.bias_ih + cell.bias_hh:
        bias.data = rng.uniform(-1.0, 1.0)


# --- one step, by hand --------------------------------------------------------------------


def test_lstm_one_unit_by_hand() -> None:
    cell = LSTMCell(1, 1)
    # rows: i, f, g, o (PyTorch's order)
    for row, (w_x, w_h, b_i, b_h) in zip(
        range(4),
        [(0.5, 0.1, 0.2, 0.0), (-1.0, 0.3, 0.0, 1.0), (2.0, -0.4, 0.1, 0.1), (0.7, 0.2, 0.0, -0.3)],
        strict=True,
    ):
        cell.weight_ih[row][0].data = w_x
        cell.weight_hh[row][0].data = w_h
        cell.bias_ih[row].data = b_i
        cell.bias_hh[row].data = b_h
    x, h, c = 0.8, -0.5, 1.5
    i = _sigmoid(0.5 * x + 0.1 * h + 0.2)
    f = _sigmoid(-1.0 * x + 0.3 * h + 1.0)
    g = math.tanh(2.0 * x - 0.4 * h + 0.2)
    o = _sigmoid(0.7 * x + 0.2 * h - 0.3)
    c_next = f * c + i * g
    h_next = o * math.tanh(c_next)
    (h_out,), (c_out,) = cell([x], ([h], [c]))
    assert c_out.data == pytest.approx(c_next, abs=1e-15)
    assert h_out.data == pytest.approx(h_next, abs=1e-15)


def test_gru_one_unit_by_hand() -> None:
    cell = GRUCell(1, 1)
    # rows: r, z, n (PyTorch's order)
    for row, (w_x, w_h, b_i, b_h) in zip(
        range(3), [(0.5, 0.1, 0.2, 0.3), (-1.0, 0.3, 0.0, 1.0), (2.0, -0.4, 0.1, 0.6)], strict=True
    ):
        cell.weight_ih[row][0].data = w_x
        cell.weight_hh[row][0].data = w_h
        cell.bias_ih[row].data = b_i
        cell.bias_hh[row].data = b_h
    x, h = 0.8, -0.5
    r = _sigmoid(0.5 * x + 0.2 + 0.1 * h + 0.3)
    z = _sigmoid(-1.0 * x + 0.3 * h + 1.0)
    n = math.tanh(2.0 * x + 0.1 + r * (-0.4 * h + 0.6))  # r gates W_hn h + b_hn only
    (h_out,) = cell([x], [h])
    assert h_out.data == pytest.approx((1 - z) * n + z * h, abs=1e-15)


def test_zero_state_is_the_same_as_no_state() -> None:
    for cell in (LSTMCell(2, 3, seed=4), GRUCell(2, 3, seed=4)):
        _randomize_biases(cell, 5)
        zeros = [0.0, 0.0, 0.0]
        given = cell([0.3, -0.7], (zeros, zeros) if isinstance(cell, LSTMCell) else zeros)
        omitted = cell([0.3, -0.7])
        flat = given[0] + given[1] if isinstance(cell, LSTMCell) else given
        flat_omitted = omitted[0] + omitted[1] if isinstance(cell, LSTMCell) else omitted
        assert [v.data for v in flat] == [v.data for v in flat_omitted]


# --- gradients ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [LSTMCell, GRUCell])
def test_gradients_of_inputs_and_state_match_finite_differences(kind: type) -> None:
    cell = kind(2, 2, seed=8)
    _randomize_biases(cell, 9)

    def run(x0: Value, x1: Value, h0: Value, h1: Value, c0: Value, c1: Value) -> list[Value]:
        if kind is LSTMCell:
            h, c = cell.unroll([[x0, x1], [x1, x0]], ([h0, h1], [c0, c1]))[-1]
            return [*h, *c]
        out: list[Value] = cell.unroll([[x0, x1], [x1, x0]], [h0, h1])[-1]
        return out

    assert gradcheck(run, [0.4, -0.9, 0.3, -0.2, 0.8, -1.1], atol=1e-7, rtol=1e-6)


@pytest.mark.parametrize("kind", [LSTMCell, GRUCell])
def test_weight_gradients_match_finite_differences(kind: type, backprop: Backprop) -> None:
    cell = kind(2, 2, seed=3)
    _randomize_biases(cell, 4)
    sequence = [[0.5, -1.0], [0.25, 0.75], [-0.5, 0.1]]

    def loss() -> Value:
        final = cell.unroll(sequence)[-1]
        h = final[0] if kind is LSTMCell else final
        return h[0] * h[1] + h[1]

    backprop(loss())
    for parameter in cell.parameters():
        original, eps = parameter.data, 1e-6
        parameter.data = original + eps
        up = loss().data
        parameter.data = original - eps
        down = loss().data
        parameter.data = original
        assert parameter.grad == pytest.approx((up - down) / (2 * eps), rel=1e-6, abs=1e-9)


def test_forget_gate_open_carries_the_cell_state_unchanged() -> None:
    # f = 1, i = 0 (saturated by huge biases): c' = c exactly, and dc_T/dc_0 = 1 after 20 steps.
    cell = LSTMCell(1, 1, seed=0)
    cell.bias_ih[0].data = -1e3  # input gate shut
    cell.bias_ih[1].data = 1e3  # forget gate open
    c0 = Value(0.75)
    state: Any = ([0.0], [c0])
    for _ in range(20):
        state = cell([0.3], state)
    state[1][0].backward()
    assert state[1][0].data == 0.75
    assert c0.grad == 1.0


# --- shapes, names, errors --------------------------------------------------------------


@pytest.mark.parametrize(("kind", "gates"), [(LSTMCell, 4), (GRUCell, 3)])
def test_parameters_are_laid_out_as_in_torch(kind: type, gates: int) -> None:
    cell = kind(3, 2, seed=0)
    names = [name for name, _ in cell.named_parameters()]
    assert len(names) == gates * 2 * (3 + 2) + 2 * gates * 2
    assert names[0] == "weight_ih.0.0"
    assert f"weight_ih.{gates * 2 - 1}.2" in names
    assert f"weight_hh.{gates * 2 - 1}.1" in names
    assert names[-1] == f"bias_hh.{gates * 2 - 1}"
    assert cell.weight_ih[1][2].label == "W_ih[1][2]"
    assert cell.bias_hh[0].label == "b_hh[0]"
    assert (cell.nin, cell.nhidden) == (3, 2)
    assert repr(cell) == f"{kind.__name__}(3, 2)"


def test_same_seed_same_weights() -> None:
    first = LSTMCell(2, 3, seed=7).state_dict()
    assert first == LSTMCell(2, 3, seed=7).state_dict()
    assert first != LSTMCell(2, 3, seed=8).state_dict()
    assert all(value == 0.0 for name, value in first.items() if name.startswith("bias"))


def test_errors_name_the_cell_and_the_problem() -> None:
    lstm, gru = LSTMCell(2, 3, seed=0), GRUCell(2, 3, seed=0)
    with pytest.raises(ValueError, match="LSTMCell expects 2 inputs, got 1"):
        lstm([1.0])
    with pytest.raises(ValueError, match="GRUCell expects 2 inputs, got 3"):
        gru([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="GRUCell expects a hidden state of 3 values, got 2"):
        gru([1.0, 2.0], [0.0, 0.0])
    with pytest.raises(ValueError, match="cell state c of 3 values, got 1"):
        lstm([1.0, 2.0], ([0.0] * 3, [0.0]))
    with pytest.raises(TypeError, match=r"pair \(h, c\)"):
        lstm([1.0, 2.0], [0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="LSTMCell: nhidden must be a positive int"):
        LSTMCell(2, 0)
    with pytest.raises(ValueError, match="unknown init"):
        GRUCell(2, 2, init="zeros")


# --- against PyTorch ----------------------------------------------------------------------


def _torch_reference(torch: Any, cell: LSTMCell | GRUCell) -> Any:
    """torch's cell with ``cell``'s weights, copied by hand (not through nn.to_torch)."""
    kind = torch.nn.LSTMCell if isinstance(cell, LSTMCell) else torch.nn.GRUCell
    reference = kind(cell.nin, cell.nhidden, dtype=torch.float64)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            rows = getattr(cell, name)
            numbers = (
                [[w.data for w in row] for row in rows]
                if "weight" in name
                else [b.data for b in rows]
            )
            getattr(reference, name).copy_(torch.tensor(numbers, dtype=torch.float64))
    return reference


@pytest.mark.parametrize("kind", [LSTMCell, GRUCell])
@pytest.mark.parametrize("start", ["zero", "given"])
@pytest.mark.parametrize(("nin", "nhidden", "steps"), [(3, 4, 6), (1, 1, 8), (5, 2, 3)])
def test_agrees_with_torch_over_time_values_and_gradients(
    kind: type, start: str, nin: int, nhidden: int, steps: int
) -> None:
    torch = pytest.importorskip("torch")
    cell = kind(nin, nhidden, seed=21)
    _randomize_biases(cell, 22)
    reference = _torch_reference(torch, cell)
    rng = random.Random(23)
    numbers = [[rng.uniform(-2, 2) for _ in range(nin)] for _ in range(steps)]
    weights = [rng.uniform(-1, 1) for _ in range(steps * nhidden * 2)]
    first = [[rng.uniform(-1, 1) for _ in range(nhidden)] for _ in range(2)]

    # ours: a loss that reads every state (h and c) at every step
    xs = [[Value(v) for v in row] for row in numbers]
    h0, c0 = [Value(v) for v in first[0]], [Value(v) for v in first[1]]
    ours_state: Any = None
    if start == "given":
        ours_state = (h0, c0) if kind is LSTMCell else h0
    ours_states = cell.unroll(xs, ours_state)
    flat = [v for s in ours_states for v in ((s[0] + s[1]) if kind is LSTMCell else s + s)]
    loss = sum((w * v for w, v in zip(weights, flat, strict=True)), Value(0.0))
    loss.backward()

    # torch's
    tx = torch.tensor(numbers, dtype=torch.float64, requires_grad=True)
    th0 = torch.tensor([first[0]], dtype=torch.float64, requires_grad=True)
    tc0 = torch.tensor([first[1]], dtype=torch.float64, requires_grad=True)
    state: Any = None
    if start == "given":
        state = (th0, tc0) if kind is LSTMCell else th0
    pieces = []
    for t in range(steps):
        state = reference(tx[t : t + 1], state)
        pieces += [state[0][0], state[1][0]] if kind is LSTMCell else [state[0], state[0]]
    torch_flat = torch.cat(pieces)
    torch_loss = (torch.tensor(weights, dtype=torch.float64) * torch_flat).sum()
    torch_loss.backward()

    assert [v.data for v in flat] == pytest.approx(torch_flat.tolist(), rel=0, abs=1e-12)
    assert loss.data == pytest.approx(torch_loss.item(), rel=0, abs=1e-12)
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        rows = getattr(cell, name)
        grads = (
            [w.grad for row in rows for w in row] if "weight" in name else [b.grad for b in rows]
        )
        expected = getattr(reference, name).grad.flatten().tolist()
        assert grads == pytest.approx(expected, rel=0, abs=1e-12), name
    x_grads = [v.grad for row in xs for v in row]
    assert x_grads == pytest.approx(tx.grad.flatten().tolist(), rel=0, abs=1e-12)
    if start == "given":
        assert [v.grad for v in h0] == pytest.approx(th0.grad[0].tolist(), rel=0, abs=1e-12)
        if kind is LSTMCell:
            assert [v.grad for v in c0] == pytest.approx(tc0.grad[0].tolist(), rel=0, abs=1e-12)

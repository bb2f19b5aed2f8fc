"""nn.to_torch: the exported torch.nn.Module computes the same numbers (to 1e-12 in float64),
trains to the same weights, and anything it cannot convert is refused by name."""

from __future__ import annotations

import random
import subprocess
import sys
from typing import Any

import pytest

from autograd_engine import Value
from nn import MLP, GRUCell, Layer, LSTMCell, Module, Neuron, RNNCell, to_torch
from nn.losses import mse_loss
from nn.optim import SGD


def _rows(count: int, size: int, seed: int) -> list[list[float]]:
    rng = random.Random(seed)
    return [[rng.uniform(-2, 2) for _ in range(size)] for _ in range(count)]


def _flat(output: Any) -> list[float]:
    return [output.data] if isinstance(output, Value) else [v.data for v in output]


def _set_biases(model: Module, seed: int) -> None:
    """Biases start at 0; give them numbers so that a bias copied wrongly shows."""
    rng = random.Random(seed)
    for name, parameter in model.named_parameters():
        if name.split(".")[-1] == "b" or "bias" in name:
            parameter.data = rng.uniform(-1, 1)


# --- feed-forward -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("activation", "output_activation"),
    [("relu", None), ("tanh", "sigmoid"), ("leaky_relu", "tanh"), ("sigmoid", "relu")],
)
def test_mlp_outputs_agree(activation: str, output_activation: str | None) -> None:
    torch = pytest.importorskip("torch")
    model = MLP(3, [5, 4, 2], activation, output_activation, seed=1)
    _set_biases(model, 2)
    exported = to_torch(model)
    X = _rows(7, 3, seed=3)
    theirs = exported(torch.tensor(X, dtype=torch.float64))
    assert theirs.shape == (7, 2)
    ours = [v for x in X for v in _flat(model(x))]
    assert ours == pytest.approx(theirs.flatten().tolist(), rel=0, abs=1e-12)


def test_mlp_with_one_output_gives_a_column() -> None:
    torch = pytest.importorskip("torch")
    model = MLP(2, [16, 16, 1], seed=5)  # micrograd's network
    _set_biases(model, 6)
    X = _rows(4, 2, seed=7)
    theirs = to_torch(model)(torch.tensor(X, dtype=torch.float64))
    assert theirs.shape == (4, 1)
    assert [model(x).data for x in X] == pytest.approx(theirs[:, 0].tolist(), rel=0, abs=1e-12)
    assert sum(p.numel() for p in to_torch(model).parameters()) == len(model.parameters()) == 337


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu", "linear"])
def test_neuron_and_layer_outputs_agree(activation: str) -> None:
    torch = pytest.importorskip("torch")
    X = _rows(5, 3, seed=8)
    batch = torch.tensor(X, dtype=torch.float64)
    neuron = Neuron(3, activation, seed=9)
    neuron.b.data = 0.3
    theirs = to_torch(neuron)(batch)
    assert theirs.shape == (5, 1)
    assert [neuron(x).data for x in X] == pytest.approx(theirs[:, 0].tolist(), rel=0, abs=1e-12)
    layer = Layer(3, 4, activation, seed=10)
    _set_biases(layer, 11)
    ours = [v.data for x in X for v in layer(x)]
    assert ours == pytest.approx(to_torch(layer)(batch).flatten().tolist(), rel=0, abs=1e-12)


# --- recurrent cells ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: RNNCell(3, 4, seed=12),
        lambda: RNNCell(3, 4, "relu", seed=12),
        lambda: LSTMCell(3, 4, seed=12),
        lambda: GRUCell(3, 4, seed=12),
    ],
    ids=["rnn-tanh", "rnn-relu", "lstm", "gru"],
)
def test_cells_agree_over_a_sequence(make: Any) -> None:
    torch = pytest.importorskip("torch")
    cell = make()
    _set_biases(cell, 13)
    exported = to_torch(cell)
    sequence = _rows(6, 3, seed=14)
    ours = cell.unroll(sequence)
    state = None
    for t, x in enumerate(sequence):
        state = exported(torch.tensor([x], dtype=torch.float64), state)
        if isinstance(cell, LSTMCell):
            h, c = ours[t]
            assert [v.data for v in h] == pytest.approx(state[0][0].tolist(), rel=0, abs=1e-12)
            assert [v.data for v in c] == pytest.approx(state[1][0].tolist(), rel=0, abs=1e-12)
        else:
            assert [v.data for v in ours[t]] == pytest.approx(state[0].tolist(), rel=0, abs=1e-12)


def test_rnn_cell_with_an_activation_torch_lacks_is_refused() -> None:
    pytest.importorskip("torch")
    with pytest.raises(ValueError, match=r"tanh and relu only.*'sigmoid'"):
        to_torch(RNNCell(2, 2, "sigmoid", seed=0))


# --- training: one step here and one step there give the same weights ------------------


def _same_weights(torch: Any, model: Module, trained: Any) -> None:
    expected = to_torch(model)  # the weights ours has now, in torch's layout
    pairs = zip(expected.named_parameters(), trained.named_parameters(), strict=True)
    for (name, ours), (_, theirs) in pairs:
        assert ours.flatten().tolist() == pytest.approx(
            theirs.flatten().tolist(), rel=0, abs=1e-12
        ), name


def test_one_sgd_step_gives_the_same_weights_mlp() -> None:
    torch = pytest.importorskip("torch")
    model = MLP(2, [8, 1], "tanh", seed=15)
    _set_biases(model, 16)
    exported = to_torch(model)
    before = to_torch(model)
    X, y = _rows(6, 2, seed=17), [v[0] for v in _rows(6, 1, seed=18)]
    loss = mse_loss([model(x) for x in X], y)
    optimizer = SGD(model.parameters(), lr=0.5)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    torch_optimizer = torch.optim.SGD(exported.parameters(), lr=0.5)
    prediction = exported(torch.tensor(X, dtype=torch.float64))[:, 0]
    torch_loss = torch.nn.functional.mse_loss(prediction, torch.tensor(y, dtype=torch.float64))
    torch_optimizer.zero_grad()
    torch_loss.backward()
    torch_optimizer.step()
    assert loss.data == pytest.approx(torch_loss.item(), rel=0, abs=1e-12)
    _same_weights(torch, model, exported)
    # and the step moved them: the comparison is not between two untouched copies
    moved = [
        (a - b).abs().max().item()
        for a, b in zip(before.parameters(), exported.parameters(), strict=True)
    ]
    assert min(moved) > 1e-4


def _one_step_both_ways(torch: Any, cell: Any, lr: float) -> Any:
    """One SGD step on sum(h**2) (+ sum(c**2)) after 5 steps, here and on the export."""
    exported = to_torch(cell)
    sequence = _rows(5, 2, seed=21)
    final = cell.unroll(sequence)[-1]
    states = final[0] + final[1] if isinstance(cell, LSTMCell) else final
    loss = sum((v * v for v in states), Value(0.0))
    optimizer = SGD(cell.parameters(), lr=lr)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    torch_optimizer = torch.optim.SGD(exported.parameters(), lr=lr)
    state = None
    for x in sequence:
        state = exported(torch.tensor([x], dtype=torch.float64), state)
    pieces = state if isinstance(cell, LSTMCell) else (state,)
    torch_loss = sum((piece**2).sum() for piece in pieces)
    torch_optimizer.zero_grad()
    torch_loss.backward()
    torch_optimizer.step()
    return exported


@pytest.mark.parametrize("kind", [LSTMCell, GRUCell])
def test_one_sgd_step_gives_the_same_weights_gated_cells(kind: type) -> None:
    torch = pytest.importorskip("torch")
    cell = kind(2, 3, seed=19)
    _set_biases(cell, 20)
    exported = _one_step_both_ways(torch, cell, lr=0.3)
    _same_weights(torch, cell, exported)


def test_rnn_cell_bias_trains_twice_as_fast_in_torch() -> None:
    # Documented: RNNCell's one bias is PyTorch's bias_ih + bias_hh. Each of the two gets the
    # whole gradient, so one SGD step in torch moves their sum twice as far as here.
    torch = pytest.importorskip("torch")
    cell = RNNCell(2, 3, seed=19)
    _set_biases(cell, 20)
    before = [b.data for b in cell.bias]
    exported = _one_step_both_ways(torch, cell, lr=0.3)
    ours = [b.data - b0 for b, b0 in zip(cell.bias, before, strict=True)]
    theirs = (exported.bias_ih + exported.bias_hh).tolist()
    assert [b0 + 2 * d for b0, d in zip(before, ours, strict=True)] == pytest.approx(
        theirs, rel=0, abs=1e-12
    )
    assert min(abs(d) for d in ours) > 1e-6
    for name in ("weight_ih", "weight_hh"):  # the weights do agree
        expected = [[w.data for w in row] for row in getattr(cell, name)]
        assert getattr(exported, name).tolist() == [
            pytest.approx(row, rel=0, abs=1e-12) for row in expected
        ]


# --- the export is a copy, in the dtype asked for ---------------------------------------


def test_export_is_a_copy() -> None:
    torch = pytest.importorskip("torch")
    model = MLP(2, [3, 1], seed=22)
    exported = to_torch(model)
    first = model.parameters()[0].data
    with torch.no_grad():
        exported[0].weight.add_(1.0)
    assert model.parameters()[0].data == first
    model.parameters()[0].data = 123.0
    assert exported[0].weight[0, 0].item() == first + 1.0
    assert exported[0].weight.dtype == torch.float64


def test_dtype_can_be_chosen() -> None:
    torch = pytest.importorskip("torch")
    exported = to_torch(GRUCell(2, 2, seed=23), dtype=torch.float32)
    assert {p.dtype for p in exported.parameters()} == {torch.float32}


# --- refusals ------------------------------------------------------------------------------


class _Custom(Module):
    def __init__(self) -> None:
        self.w = Value(1.0)

    def forward(self, x: float) -> Value:
        return self.w * x


class _WiderMLP(MLP):
    pass


def test_unsupported_modules_are_named() -> None:
    with pytest.raises(TypeError, match="cannot convert a _Custom: it converts MLP, Layer"):
        to_torch(_Custom())
    with pytest.raises(TypeError, match=r"cannot convert a _WiderMLP.*subclass"):
        to_torch(_WiderMLP(2, [1], seed=0))
    with pytest.raises(TypeError, match=r"expects an nn Module .*not list"):
        to_torch([Value(1.0)])  # type: ignore[arg-type]


def test_missing_torch_is_a_clear_import_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    with pytest.raises(ImportError, match=r"nn\.to_torch needs PyTorch.*pip install torch"):
        to_torch(MLP(2, [1], seed=0))


def test_importing_nn_does_not_import_torch() -> None:
    code = "import sys, nn; print('torch' in sys.modules, 'numpy' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False"]

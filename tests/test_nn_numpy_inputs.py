"""NumPy data (what scikit-learn hands out) works wherever lists do: ``model(x)`` takes a 1-D
array row, ``fit``/``evaluate``/``predict`` take a 2-D ``X``, a list of array rows, and an
array of labels; the numbers are exactly those of the same data as lists, and a NaN or an
inf in an array is refused as it is in a list."""

from __future__ import annotations

from typing import Any

import pytest

from autograd_engine import Value
from nn import MLP, GRUCell, Layer, LSTMCell, Module, Neuron, RNNCell
from nn.losses import cross_entropy, hinge_loss, mse_loss
from nn.optim import SGD
from nn.train import evaluate, fit, predict

np = pytest.importorskip("numpy")


def _data(seed: int = 0) -> tuple[Any, Any]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(12, 2))
    y = np.where(X[:, 0] * X[:, 1] > 0, 1, -1)  # int64 labels, ±1
    return X, y


def _numbers(output: Any) -> Any:
    if isinstance(output, Value):
        return output.data
    if isinstance(output, tuple | list):
        return [_numbers(item) for item in output]
    return output


# --- model(x) -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: MLP(3, [4, 2], seed=1),
        lambda: Layer(3, 2, "tanh", seed=1),
        lambda: Neuron(3, "sigmoid", seed=1),
        lambda: RNNCell(3, 2, seed=1),
        lambda: LSTMCell(3, 2, seed=1),
        lambda: GRUCell(3, 2, seed=1),
    ],
    ids=["mlp", "layer", "neuron", "rnn", "lstm", "gru"],
)
def test_an_array_row_gives_the_same_numbers_as_a_list(make: Any) -> None:
    model = make()
    row = [0.5, -1.25, 2.0]
    expected = _numbers(model(row))
    assert _numbers(model(np.array(row))) == expected
    assert _numbers(model([np.float64(v) for v in row])) == expected
    assert _numbers(model(np.array(row, dtype=np.float32))) == _numbers(
        model([float(np.float32(v)) for v in row])
    )
    assert _numbers(model(np.array([1, -2, 3]))) == _numbers(model([1.0, -2.0, 3.0]))
    assert _numbers(model([np.int64(1), np.int64(-2), 3])) == _numbers(model([1.0, -2.0, 3.0]))


def test_array_states_for_the_recurrent_cells() -> None:
    x, h, c = [0.5, -1.0], [0.25, -0.5, 0.75], [1.0, 0.0, -1.0]
    rnn, lstm, gru = RNNCell(2, 3, seed=2), LSTMCell(2, 3, seed=2), GRUCell(2, 3, seed=2)
    assert _numbers(rnn(np.array(x), np.array(h))) == _numbers(rnn(x, h))
    assert _numbers(gru(np.array(x), np.array(h))) == _numbers(gru(x, h))
    assert _numbers(lstm(np.array(x), (np.array(h), np.array(c)))) == _numbers(lstm(x, (h, c)))
    sequence = np.array([x, [0.1, 0.2], [-0.3, 0.4]])  # (steps, nin)
    assert _numbers(gru.unroll(sequence)) == _numbers(gru.unroll(sequence.tolist()))


def test_gradients_flow_from_an_array_row() -> None:
    model = MLP(2, [3, 1], seed=3)
    model(np.array([0.5, -1.0])).backward()
    from_array = [p.grad for p in model.parameters()]
    model.zero_grad()
    model([0.5, -1.0]).backward()
    assert from_array == [p.grad for p in model.parameters()]


def test_an_object_array_of_values_keeps_the_graph() -> None:
    xs = [Value(0.5), Value(-1.0)]
    model = MLP(2, [3, 1], seed=3)
    model(np.array(xs, dtype=object)).backward()
    from_array = [x.grad for x in xs]
    for x in xs:
        x.grad = 0.0
    model(xs).backward()
    assert from_array == [x.grad for x in xs]
    assert from_array != [0.0, 0.0]


def test_wrong_arrays_are_refused_by_shape() -> None:
    model = MLP(2, [3, 1], seed=4)
    with pytest.raises(
        ValueError, match=r"one example, a row of 2 inputs, got an array of shape \(5, 2\)"
    ):
        model(np.zeros((5, 2)))
    with pytest.raises(ValueError, match="Layer expects 2 inputs, got 3"):
        model(np.zeros(3))
    with pytest.raises(TypeError, match="expects a list of 2 inputs, got ndarray"):
        model(np.array(1.0))  # a 0-d array is a number, not a row
    with pytest.raises(ValueError, match=r"LSTMCell hidden state h expects one example.*\(1, 3\)"):
        LSTMCell(2, 3, seed=0)([0.0, 0.0], (np.zeros((1, 3)), np.zeros(3)))


# --- fit, evaluate, predict ------------------------------------------------------------------


def _train(X: Any, y: Any, **options: Any) -> tuple[dict[str, list[float]], dict[str, float]]:
    model = MLP(2, [8, 1], seed=5)
    history = fit(
        model, X, y, hinge_loss, SGD(model.parameters(), lr=0.05), 3, progress=False, **options
    )
    return history, model.state_dict()


@pytest.mark.parametrize(
    "options",
    [{}, {"batch_size": 5, "seed": 6}, {"compiled": True}],
    ids=["full-batch", "shuffled-batches", "compiled"],
)
def test_fit_on_arrays_equals_fit_on_lists(options: dict[str, Any]) -> None:
    X, y = _data()
    expected = _train(X.tolist(), y.tolist(), **options)
    assert _train(X, y, **options) == expected
    assert _train(list(X), y, **options) == expected  # a list of array rows
    assert _train(X.tolist(), list(y), **options) == expected  # np.int64 labels in a list


def test_fit_with_class_indices_in_an_array() -> None:
    X, _ = _data(7)
    y = (X[:, 0] > 0).astype(np.int64)
    results = []
    for features, labels in ((X, y), (X.tolist(), y.tolist())):
        model = MLP(2, [4, 2], seed=8)
        optimizer = SGD(model.parameters(), lr=0.1)
        results.append(fit(model, features, labels, cross_entropy, optimizer, 2, progress=False))
    assert results[0] == results[1]


class _LastState(Module):
    """A GRU reading a whole sequence; its output is the first unit of the last state."""

    def __init__(self) -> None:
        self.cell = GRUCell(1, 2, seed=9)

    def forward(self, sequence: Any) -> Value:
        return self.cell.unroll(sequence)[-1][0]


def test_fit_on_array_sequences_for_a_cell() -> None:
    sequences = np.array([[[0.1], [0.5], [-0.2]], [[1.0], [0.0], [0.3]]])  # (n, steps, nin)
    targets = np.array([0.5, -0.5])
    results = []
    for X, y in ((sequences, targets), (sequences.tolist(), targets.tolist())):
        model = _LastState()
        optimizer = SGD(model.parameters(), lr=0.1)
        fit(model, X, y, mse_loss, optimizer, 2, progress=False, accuracy_fn=None)
        results.append(model.state_dict())
    assert results[0] == results[1]
    assert results[0] != _LastState().state_dict()  # it trained


def test_evaluate_and_predict_take_arrays() -> None:
    X, y = _data(10)
    model = MLP(2, [4, 1], seed=11)
    assert evaluate(model, X, y, hinge_loss) == evaluate(model, X.tolist(), y.tolist(), hinge_loss)
    assert predict(model, X) == predict(model, X.tolist())


# --- NaN and inf in arrays: refused before training, naming the row -------------------------


def test_nan_in_an_input_array_is_refused() -> None:
    X, y = _data()
    X[4, 1] = np.nan
    model = MLP(2, [3, 1], seed=12)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"input row 4 is not finite: X\[4\]\[1\] is nan"):
        fit(model, X, y, hinge_loss, SGD(model.parameters(), lr=0.1), 1, progress=False)
    with pytest.raises(ValueError, match=r"input row 4 is not finite: X\[4\]\[1\] is nan"):
        fit(model, list(X), y, hinge_loss, SGD(model.parameters(), lr=0.1), 1, progress=False)
    assert model.state_dict() == before


def test_inf_in_a_label_array_is_refused() -> None:
    X, _ = _data()
    y = np.ones(len(X))
    y[2] = -np.inf
    model = MLP(2, [3, 1], seed=13)
    with pytest.raises(ValueError, match=r"target 2 is not finite: y\[2\] is -inf"):
        evaluate(model, X, y, mse_loss, accuracy_fn=None)


def test_nan_deep_in_array_sequences_is_refused() -> None:
    steps = [np.array([0.1]), np.array([np.nan])]  # a list of array steps
    with pytest.raises(ValueError, match=r"input row 1 is not finite: X\[1\]\[1\]\[0\] is nan"):
        evaluate(RNNCell(1, 1, seed=0), [[np.array([0.0])], steps], [0.0, 0.0],
                 lambda outputs, targets: Value(0.0), accuracy_fn=None)  # fmt: skip


def test_mismatched_array_lengths_are_refused() -> None:
    X, y = _data()
    with pytest.raises(ValueError, match="X has 12 examples but y has 11 targets"):
        evaluate(MLP(2, [1], seed=0), X, y[:-1], hinge_loss)

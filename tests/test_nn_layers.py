"""Neuron, Layer, MLP, RNNCell: the maths of one neuron, shapes, names, init, and errors."""

from __future__ import annotations

import math
import random

import pytest

from autograd_engine import Value, gradcheck
from autograd_engine.graph import topological_order
from nn import MLP, Layer, Module, Neuron, RNNCell
from nn.activations import ACTIVATIONS
from tests.conftest import Backprop


def _set(values: list[Value], numbers: list[float]) -> None:
    for value, number in zip(values, numbers, strict=True):
        value.data = number


# --- one neuron, by hand ------------------------------------------------------------------


def test_neuron_computes_activation_of_weighted_sum() -> None:
    neuron = Neuron(2, activation="tanh")
    _set(neuron.w, [0.5, -2.0])
    neuron.b.data = 0.25
    out = neuron([3.0, 1.0])  # tanh(0.25 + 0.5*3 - 2*1) = tanh(-0.25)
    assert out.data == pytest.approx(math.tanh(-0.25), abs=1e-15)


@pytest.mark.parametrize(
    ("activation", "expected"),
    [
        ("relu", 0.0),
        ("linear", -0.25),
        ("sigmoid", 1 / (1 + math.exp(0.25))),
        ("leaky_relu", -0.0025),
        ("tanh", math.tanh(-0.25)),
        (None, -0.25),
    ],
)
def test_each_activation(activation: str | None, expected: float) -> None:
    neuron = Neuron(2, activation=activation)
    _set(neuron.w, [0.5, -2.0])
    neuron.b.data = 0.25
    assert neuron([3.0, 1.0]).data == pytest.approx(expected, abs=1e-15)


def test_activation_table_lists_the_documented_names() -> None:
    assert set(ACTIVATIONS) == {"relu", "tanh", "sigmoid", "leaky_relu", "linear"}


def test_neuron_gradients_are_the_inputs(backprop: Backprop) -> None:
    # out = b + w·x (linear): d out/d w_i = x_i, d out/d b = 1.
    neuron = Neuron(3, activation="linear", seed=0)
    out = neuron([2.0, -1.0, 0.5])
    backprop(out)
    assert [w.grad for w in neuron.w] == [2.0, -1.0, 0.5]
    assert neuron.b.grad == 1.0


def test_neuron_accepts_values_and_backpropagates_into_them(backprop: Backprop) -> None:
    neuron = Neuron(2, activation="tanh", seed=3)
    x = [Value(0.3), Value(-0.8)]
    out = neuron(x)
    backprop(out)
    slope = 1 - out.data**2  # tanh' = 1 - tanh²
    assert x[0].grad == pytest.approx(slope * neuron.w[0].data, rel=1e-12)
    assert x[1].grad == pytest.approx(slope * neuron.w[1].data, rel=1e-12)


def test_mlp_gradient_matches_finite_differences() -> None:
    model = MLP(2, [3, 2], activation="tanh", seed=5)

    def f(*weights: Value) -> Value:
        # The product of the MLP's two outputs, as a function of all its parameters.
        _replace_parameters(model, list(weights))
        out = model([0.7, -1.2])
        return out[0] * out[1]

    assert gradcheck(f, [p.data for p in model.parameters()])


def _replace_parameters(model: MLP, values: list[Value]) -> None:
    """Swap every weight and bias of ``model`` for the given Values (same order)."""
    it = iter(values)
    for layer in model.layers:
        for neuron in layer.neurons:
            neuron.w = [next(it) for _ in neuron.w]
            neuron.b = next(it)


# --- shapes and calling -----------------------------------------------------------------


def test_layer_always_returns_a_list() -> None:
    assert len(Layer(3, 1, seed=0)([1.0, 2.0, 3.0])) == 1
    assert len(Layer(3, 4, seed=0)([1.0, 2.0, 3.0])) == 4


def test_mlp_returns_one_value_for_one_output_else_a_list() -> None:
    assert isinstance(MLP(2, [4, 1], seed=0)([1.0, 2.0]), Value)
    out = MLP(2, [4, 3], seed=0)([1.0, 2.0])
    assert isinstance(out, list)
    assert len(out) == 3


def test_micrograd_mlp_has_337_parameters() -> None:
    assert len(MLP(2, [16, 16, 1]).parameters()) == 337


def test_hidden_layers_use_activation_and_last_layer_is_linear() -> None:
    model = MLP(2, [3, 3, 2], activation="tanh", seed=0)
    assert [layer.neurons[0].activation for layer in model.layers] == ["tanh", "tanh", "linear"]
    squashed = MLP(2, [3, 1], output_activation="sigmoid", seed=0)
    assert squashed.layers[-1].neurons[0].activation == "sigmoid"
    assert 0 < squashed([100.0, -100.0]).data < 1


def test_module_call_is_forward() -> None:
    model = MLP(2, [3, 1], seed=1)
    assert model([0.1, 0.2]).data == model.forward([0.1, 0.2]).data


def test_repr_shows_the_architecture() -> None:
    assert repr(MLP(2, [16, 16, 1])) == (
        "MLP(2, [16, 16, 1], activation='relu', output_activation='linear')"
    )
    assert repr(Neuron(3, "tanh")) == "Neuron(3, activation='tanh')"
    assert repr(RNNCell(2, 4)) == "RNNCell(2, 4, activation='tanh')"


# --- names and labels -------------------------------------------------------------------


def test_named_parameters_follow_attribute_paths() -> None:
    names = [name for name, _ in MLP(2, [16, 16, 1]).named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
    assert "layers.0.neurons.3.w.1" in names
    assert names[-1] == "layers.2.neurons.0.b"
    assert len(set(names)) == 337


def test_weights_carry_readable_labels() -> None:
    model = MLP(2, [4, 1], seed=0)
    neuron = model.layers[0].neurons[3]
    # The labels are the named_parameters names, so drawings and state dicts agree.
    assert [w.label for w in neuron.w] == ["layers.0.neurons.3.w.0", "layers.0.neurons.3.w.1"]
    assert neuron.b.label == "layers.0.neurons.3.b"
    assert [p.label for p in model.parameters()] == [n for n, _ in model.named_parameters()]
    assert Neuron(2).w[1].label == "w.1"


def test_a_shared_parameter_is_listed_once() -> None:
    class Tied(Module):
        def __init__(self) -> None:
            self.a = Value(1.0)
            self.b = self.a

    assert [name for name, _ in Tied().named_parameters()] == ["a"]


def test_zero_grad_clears_every_parameter() -> None:
    model = MLP(2, [3, 1], seed=0)
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())


# --- initialisation ---------------------------------------------------------------------


def test_default_init_draws_micrograds_weights() -> None:
    micrograd_nn = pytest.importorskip("micrograd.nn")
    random.seed(1337)
    ours = MLP(2, [16, 16, 1])
    random.seed(1337)
    theirs = micrograd_nn.MLP(2, [16, 16, 1])
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]


def test_seed_and_rng_reproduce_and_leave_global_random_alone() -> None:
    random.seed(7)
    expected_next = random.random()
    random.seed(7)
    a = MLP(2, [4, 1], seed=42)
    assert random.random() == expected_next  # the global generator was not used
    b = MLP(2, [4, 1], rng=random.Random(42))
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    c = MLP(2, [4, 1], seed=43)
    assert [p.data for p in a.parameters()] != [p.data for p in c.parameters()]


def test_global_random_seed_reproduces() -> None:
    random.seed(5)
    a = MLP(3, [2, 2])
    random.seed(5)
    b = MLP(3, [2, 2])
    assert a.state_dict() == b.state_dict()


@pytest.mark.parametrize(
    ("init", "bound"),
    [("uniform", 1.0), ("xavier", math.sqrt(6 / (50 + 40))), ("he", math.sqrt(6 / 50))],
)
def test_init_schemes_respect_their_bounds(init: str, bound: float) -> None:
    layer = Layer(50, 40, init=init, seed=0)
    weights = [w.data for neuron in layer.neurons for w in neuron.w]
    assert max(abs(w) for w in weights) <= bound
    assert max(abs(w) for w in weights) > 0.95 * bound  # 2000 draws reach the edge
    assert all(neuron.b.data == 0.0 for neuron in layer.neurons)


# --- errors -----------------------------------------------------------------------------


def test_wrong_input_length_names_the_counts() -> None:
    with pytest.raises(ValueError, match="Layer expects 2 inputs, got 3"):
        MLP(2, [4, 1], seed=0)([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="Neuron expects 2 inputs, got 1"):
        Neuron(2)([1.0])
    with pytest.raises(TypeError, match="list of 2 inputs"):
        Layer(2, 3)(Value(1.0))
    with pytest.raises(ValueError, match="Neuron expects 2 inputs, got 3"):
        Neuron(2)((1.0, 2.0, 3.0))
    with pytest.raises(TypeError, match="list of 2 inputs"):
        Neuron(2)("ab")


def test_a_neuron_builds_the_same_graph_from_a_list_a_tuple_or_a_list_subclass() -> None:
    class Row(list[float]):
        pass

    neuron = Neuron(2, seed=0)
    graphs = []
    for x in ([0.5, -1.0], (0.5, -1.0), Row([0.5, -1.0])):
        out = neuron(x)
        order = topological_order(out)
        graphs.append([(node.op, node.data, node.label) for node in order])
    assert graphs[0] == graphs[1] == graphs[2]
    # relu(b + w0*x0 + w1*x1), summed in micrograd's order: leaves b, w.0, x0 first.
    labels = [(op, label) for op, _, label in graphs[0]]
    assert labels == [
        ("", "b"), ("", "w.0"), ("", ""), ("*", ""), ("+", ""),
        ("", "w.1"), ("", ""), ("*", ""), ("+", ""), ("relu", ""),
    ]  # fmt: skip


def test_unknown_activation_lists_the_valid_names() -> None:
    with pytest.raises(
        ValueError, match=r"unknown activation 'gelu'; choose one of: leaky_relu, linear, relu"
    ):
        MLP(2, [3, 1], activation="gelu")
    with pytest.raises(ValueError, match="unknown activation 'softmax'"):
        Neuron(2, activation="softmax")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: MLP(0, [1]), "nin must be a positive int"),
        (lambda: MLP(2, []), "nouts must be a non-empty list"),
        (lambda: MLP(2, [3, 0]), "layer size"),
        (lambda: Layer(2, 2.5), "nout must be a positive int"),  # type: ignore[arg-type]
        (lambda: MLP(2, [3], init="gaussian"), "unknown init 'gaussian'"),
        (lambda: MLP(2, [3], seed=1, rng=random.Random(1)), "either rng or seed"),
    ],
)
def test_bad_construction_arguments(make: object, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        make()  # type: ignore[operator]


# --- the recurrent cell -----------------------------------------------------------------


def test_rnn_cell_step_by_hand() -> None:
    cell = RNNCell(1, 2)
    _set([row[0] for row in cell.weight_ih], [0.5, -1.0])
    _set([w for row in cell.weight_hh for w in row], [0.1, 0.2, 0.3, 0.4])
    _set(cell.bias, [0.0, 0.5])
    h1 = cell([2.0])  # h0 = 0: tanh(W_ih x + b)
    assert [h.data for h in h1] == pytest.approx([math.tanh(1.0), math.tanh(-1.5)], abs=1e-15)
    h2 = cell([1.0], h1)
    a, b = math.tanh(1.0), math.tanh(-1.5)
    expected = [math.tanh(0.5 + 0.1 * a + 0.2 * b), math.tanh(-1.0 + 0.5 + 0.3 * a + 0.4 * b)]
    assert [h.data for h in h2] == pytest.approx(expected, abs=1e-15)


def test_rnn_unroll_shares_weights_across_time(backprop: Backprop) -> None:
    cell = RNNCell(1, 3, seed=2)
    states = cell.unroll([[0.5], [-1.0], [0.25], [1.0]])
    assert len(states) == 4
    loss = states[-1][0] * states[-1][1] + states[-1][2]
    backprop(loss)
    # The first input weight collects one gradient term per time step: check against
    # finite differences of the whole unrolled computation.
    w = cell.weight_ih[0][0]
    original = w.data
    eps = 1e-6

    def run(value: float) -> float:
        w.data = value
        final = cell.unroll([[0.5], [-1.0], [0.25], [1.0]])[-1]
        return (final[0] * final[1] + final[2]).data

    numerical = (run(original + eps) - run(original - eps)) / (2 * eps)
    w.data = original
    assert w.grad == pytest.approx(numerical, rel=1e-6, abs=1e-9)


def test_rnn_cell_checks_sizes() -> None:
    cell = RNNCell(2, 3, seed=0)
    with pytest.raises(ValueError, match="RNNCell expects 2 inputs, got 1"):
        cell([1.0])
    with pytest.raises(ValueError, match="hidden state of 3 values, got 2"):
        cell([1.0, 2.0], [0.0, 0.0])


def test_rnn_cell_names_follow_torch() -> None:
    names = [name for name, _ in RNNCell(2, 2, seed=0).named_parameters()]
    assert names[:2] == ["weight_ih.0.0", "weight_ih.0.1"]
    assert "weight_hh.1.0" in names
    assert names[-1] == "bias.1"
    assert len(names) == 2 * 2 + 2 * 2 + 2


def test_rnn_cell_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    cell = RNNCell(3, 4, seed=11)
    reference = torch.nn.RNNCell(3, 4, nonlinearity="tanh").double()

    def tensor(data: object) -> object:
        return torch.tensor(data, dtype=torch.float64)

    with torch.no_grad():
        reference.weight_ih.copy_(tensor([[w.data for w in row] for row in cell.weight_ih]))
        reference.weight_hh.copy_(tensor([[w.data for w in row] for row in cell.weight_hh]))
        reference.bias_ih.copy_(tensor([b.data for b in cell.bias]))
        reference.bias_hh.zero_()
    sequence = [[0.5, -1.0, 2.0], [0.1, 0.2, -0.3], [1.5, 0.0, -0.5]]
    states = cell.unroll(sequence)
    loss = sum(states[-1], Value(0.0))
    loss.backward()
    h = torch.zeros(1, 4, dtype=torch.float64)
    for x in sequence:
        h = reference(tensor([x]), h)
    h.sum().backward()
    assert [s.data for s in states[-1]] == pytest.approx(h[0].tolist(), rel=1e-12)
    ours = [w.grad for row in cell.weight_hh for w in row]
    assert ours == pytest.approx(reference.weight_hh.grad.flatten().tolist(), rel=1e-10)

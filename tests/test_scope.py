"""Scopes: nesting, what nn records with them, which nodes they hold, and that they are free."""

from __future__ import annotations

import gc
import timeit

import pytest

from autograd_engine import Value, no_grad
from autograd_engine.graph import topological_order
from autograd_engine.scope import (
    current_scope,
    pop_scope,
    record_outputs,
    scope,
    scope_members,
    scope_of,
)
from autograd_engine.viz.format import node_names
from nn import MLP, Layer, Module, Neuron


def test_scopes_nest_and_join_with_dots() -> None:
    assert current_scope() == ""
    with scope("layer1") as outer:
        assert outer == "layer1"
        with scope("neuron0") as inner:
            assert inner == "layer1.neuron0"
            assert current_scope() == "layer1.neuron0"
        assert current_scope() == "layer1"
    assert current_scope() == ""


def test_a_scope_is_left_even_when_its_block_raises() -> None:
    with pytest.raises(ZeroDivisionError), scope("broken"):
        _ = 1 / 0
    assert current_scope() == ""


def test_bad_scope_use_is_named() -> None:
    with pytest.raises(TypeError, match="name and kind must be strings"), scope(3):  # type: ignore[arg-type]
        pass
    with pytest.raises(RuntimeError, match="no scope is active"):
        pop_scope()


def test_record_outputs_names_a_user_scope_and_its_members() -> None:
    x = Value(1.0, "x")
    with scope("block", kind="block"):
        hidden = (x * 2.0).tanh()
        record_outputs(hidden, inputs=[x])
    out = hidden * 3.0
    order = topological_order(out)
    record = scope_of(hidden)
    assert record is not None
    assert (record.path, record.kind) == ("block", "block")
    members = scope_members(order)
    assert set(members) == {hidden, hidden.parents[0], hidden.parents[0].parents[1]}
    assert x not in members  # an input: where the scope begins
    assert out not in members
    assert node_names(order)[hidden] == "block"


def test_without_an_active_scope_nothing_is_recorded() -> None:
    y = Value(1.0) * 2.0
    record_outputs(y)
    assert scope_of(y) is None


def test_records_are_freed_with_their_graph() -> None:
    from autograd_engine import scope as scope_module

    gc.collect()  # graphs of earlier tests
    before = len(scope_module._records)
    with scope("temporary"):
        y = Value(1.0) * 2.0
        record_outputs(y)
    assert len(scope_module._records) == before + 1
    del y
    gc.collect()
    assert len(scope_module._records) == before


def test_nn_modules_enter_scopes_named_like_their_parameters() -> None:
    model = MLP(2, [3, 1], seed=0)
    out = model([Value(0.5, "x0"), Value(-1.0, "x1")])
    record = scope_of(out)
    assert record is not None
    assert record.path == "layers.1.neurons.0"
    assert [(path, kind) for path, kind, _ in record.levels] == [
        ("", "mlp"),
        ("layers.1", "layer"),
        ("layers.1.neurons.0", "neuron"),
    ]
    hidden = scope_of(out.parents[0].parents[0].parents[1].parents[1])  # w * h0: h0
    assert hidden is not None
    assert hidden.path == "layers.0.neurons.0"
    assert model.layers[0].neurons[2].w[1].label == "layers.0.neurons.2.w.1"


def test_every_node_of_a_neuron_belongs_to_it_and_inputs_do_not() -> None:
    model = MLP(2, [2, 1], seed=0)
    x = [Value(0.5, "x0"), Value(-1.0, "x1")]
    out = model(x)
    order = topological_order(out)
    members = scope_members(order)
    assert all(node not in members for node in x)
    paths = {node: record.path for node, record in members.items()}
    assert set(paths.values()) == {
        "layers.0.neurons.0",
        "layers.0.neurons.1",
        "layers.1.neurons.0",
    }
    for j, neuron in enumerate(model.layers[0].neurons):
        assert all(paths[p] == f"layers.0.neurons.{j}" for p in [*neuron.w, neuron.b])
    # 2 neurons of (2 weights, 2 products, 1 bias, 2 sums, relu) and one of 2 inputs, linear.
    assert len(members) == 2 * 8 + 7


def test_two_calls_of_one_neuron_are_two_scopes() -> None:
    neuron = Neuron(1, seed=0)
    first = neuron([Value(1.0, "a")])
    second = neuron([Value(2.0, "b")])
    total = first + second
    records = scope_members(topological_order(total))
    assert records[first] is not records[second]
    assert records[first].levels[-1][2] != records[second].levels[-1][2]


def test_no_grad_calls_record_nothing() -> None:
    with no_grad():
        out = Layer(2, 1, seed=0)([1.0, 2.0])[0]
    assert scope_of(out) is None


def _build(nodes: int) -> Value:
    x, w = Value(0.5), Value(1.0001)
    for _ in range(nodes // 2):
        x = x * w + 0.0
    return x


def test_scopes_cost_nothing_when_unused() -> None:
    # Node creation never looks at scopes: building 65k nodes inside a scope (which records
    # nothing unless asked) takes the same time as outside one. Measured alternately, best
    # of five each; the bound is loose because the machine is shared.
    outside, inside = [], []
    for _ in range(5):
        outside.append(timeit.timeit(lambda: _build(65_536), number=1))
        with scope("layer1"):
            inside.append(timeit.timeit(lambda: _build(65_536), number=1))
    assert min(inside) < min(outside) * 2


def test_node_creation_does_not_look_at_scopes() -> None:
    import inspect

    from autograd_engine import value

    source = inspect.getsource(value)
    assert "scope" not in source  # the hot path is untouched: scopes are recorded by nn


# --- the records themselves: one frame per call, freed by reference counting --------------


def _record_count() -> int:
    from autograd_engine import scope as scope_module

    return len(scope_module._records)


def test_a_network_call_records_each_neuron_output_and_frees_them_without_the_collector(
    recwarn: pytest.WarningsRecorder,
) -> None:
    gc.collect()  # graphs of earlier tests
    before = _record_count()
    model = MLP(2, [3, 2, 1], seed=0)
    gc.disable()  # what frees a record is the node's reference count, not the collector
    try:
        out = model([Value(0.5), Value(-1.0)])
        # One record per neuron output; the layers' lists and the network's output (a
        # neuron's) add none, and the network's second weak reference to its output is
        # dropped at once without a callback.
        assert _record_count() == before + 3 + 2 + 1
        del out
        assert _record_count() == before
    finally:
        gc.enable()
    # The entries are dropped by the dictionary's own pop: nothing may go wrong there.
    unraisable = pytest.PytestUnraisableExceptionWarning
    assert not [w for w in recwarn if issubclass(w.category, unraisable)]


def test_records_of_one_call_are_equal_and_of_two_calls_are_not() -> None:
    layer = Layer(2, 2, seed=0)
    x = [Value(1.0, "a"), Value(2.0, "b")]
    first = layer(x)
    second = layer(x)
    a, b = scope_of(first[0]), scope_of(first[0])
    assert a is not None
    assert b is not None
    assert a == b  # two questions about one call: one record
    assert hash(a) == hash(b)
    assert len({a, b}) == 1
    other = scope_of(second[0])
    assert other is not None
    assert other.path == a.path  # the same neuron ...
    assert other != a  # ... called twice: two scope calls
    assert scope_of(first[1]) != a  # another neuron of the same layer call
    assert repr(a).startswith("ScopeRecord(path='neurons.0', kind='neuron', call=")


def test_a_module_records_what_it_was_called_with_as_inputs() -> None:
    neuron = Neuron(2, seed=0)
    x = [Value(1.0, "a"), Value(2.0, "b")]
    out = neuron(x)
    record = scope_of(out)
    assert record is not None
    assert record.inputs == (x,)
    assert record.inputs[0] is x


def test_record_outputs_keeps_its_own_inputs_inside_a_module_call() -> None:
    x, y = Value(1.0, "x"), Value(2.0, "y")
    with scope("outer", kind="block"):
        hidden = x * y
        record_outputs(hidden, inputs=[x])
        record_outputs(hidden * 2.0, inputs=[y])
    record = scope_of(hidden)
    assert record is not None
    assert record.inputs == (x,)
    assert (record.path, record.kind) == ("outer", "block")


def test_a_module_called_with_keywords_records_them_as_well() -> None:
    class Scale(Module):
        def __init__(self) -> None:
            self.k = Value(3.0, "k")

        def forward(self, x: Value, *, twice: bool = False) -> Value:
            return self.k * x * (2.0 if twice else 1.0)

    scale = Scale()
    x = Value(1.0, "x")
    assert scale(x, twice=True).data == 6.0
    out = scale(x)
    record = scope_of(out)
    assert out.data == 3.0
    assert record is not None
    assert (record.kind, record.inputs) == ("scale", (x,))


def test_scopes_are_task_local() -> None:
    import asyncio

    async def task(name: str, seen: dict[str, list[str]]) -> None:
        with scope(name):
            for _ in range(3):
                seen[name].append(current_scope())
                await asyncio.sleep(0)  # the other task runs here, in its own scope

    async def main() -> dict[str, list[str]]:
        seen: dict[str, list[str]] = {"a": [], "b": []}
        await asyncio.gather(task("a", seen), task("b", seen))
        return seen

    assert asyncio.run(main()) == {"a": ["a"] * 3, "b": ["b"] * 3}
    assert current_scope() == ""

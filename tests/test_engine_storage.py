"""How a node is stored: parents in the node's own slots, ``.data`` that refuses a
non-number at once, ``grad = None`` as zero, and the cycle collector paused by the library."""

from __future__ import annotations

import gc
import threading

import pytest

from autograd_engine import Value, topological_order
from autograd_engine.gc_pause import collector_paused
from autograd_engine.ops import Op
from nn import MLP
from nn.losses import hinge_loss
from nn.optim import SGD, Adam
from nn.train import evaluate, predict, train_step

# --- parents: one object per node, the same public tuple -------------------------------


def test_parents_read_back_in_argument_order_for_every_arity() -> None:
    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    three = Op("sum3", lambda x, y, z: x + y + z, lambda g, out, x, y, z: (g, g, g))
    assert a.parents == ()
    assert a.exp().parents == (a,)
    assert (a * b).parents == (a, b)
    assert (b * a).parents == (b, a)
    assert a.apply(three, b, c).parents == (a, b, c)
    assert (a * a).parents == (a, a)


def test_parents_is_read_only() -> None:
    y = Value(1.0) * 2.0
    with pytest.raises(AttributeError):
        y.parents = ()  # type: ignore[misc]


def test_a_node_is_one_object_the_collector_tracks() -> None:
    """No tuple of parents besides the node: the collector tracks the node alone."""
    a, b = Value(1.0), Value(2.0)
    y = a * b
    referents = gc.get_referents(y)
    assert not any(type(r) is tuple for r in referents)
    # By identity: the referents include the node's floats, and v == 2.0 raises.
    assert any(r is a for r in referents)
    assert any(r is b for r in referents)


# --- labels: not a slot of every node, a weak dictionary of the few named ones ----------


def test_labels_are_kept_assignable_and_dropped_with_their_node() -> None:
    from autograd_engine.value import _labels

    a = Value(2.0, label="a")
    y = a * 3.0
    assert (a.label, y.label) == ("a", "")
    y.label = "y"
    assert y.label == "y"
    assert "label='y'" in repr(y)
    y.label = ""
    assert y.label == ""
    assert y not in _labels
    named = len(_labels)
    del a, y
    gc.collect()
    assert len(_labels) == named - 1  # a's label went with a


def test_a_label_must_be_text() -> None:
    with pytest.raises(TypeError, match="label must be a str, not int"):
        Value(1.0, label=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="label must be a str"):
        Value(1.0).label = None  # type: ignore[assignment]


def test_copies_and_pickles_keep_data_grad_and_label() -> None:
    import copy
    import pickle

    a = Value(2.5, label="w")
    a.grad = 0.5
    for twin in (copy.copy(a), copy.deepcopy(a), pickle.loads(pickle.dumps(a))):
        assert (twin.data, twin.grad, twin.label, twin.parents) == (2.5, 0.5, "w", ())
        assert twin is not a
        (twin * 2.0).backward()
        assert twin.grad == 2.5
        assert a.grad == 0.5


def test_a_node_is_made_without_any_python_constructor() -> None:
    """The class itself has no __init__ (the public constructor is the metaclass's), so an
    operation makes its node with a bare class call; a leaf made publicly is the same type."""
    assert "__init__" not in vars(Value)
    leaf = Value(3)
    assert type(leaf) is Value
    assert type(leaf * leaf) is Value
    assert leaf.data == 3.0
    with pytest.raises(TypeError, match="real number"):
        Value("3")


def test_a_subclass_may_not_define_init_and_is_told_why() -> None:
    with pytest.raises(TypeError, match="defines __init__, which a subclass of Value cannot"):

        class Named(Value):  # defining it is the test
            def __init__(self, data: float) -> None: ...

    class Doubled(Value):
        __slots__ = ()

        def doubled(self) -> Value:
            return self * 2.0

    assert Doubled(1.5).doubled().data == 3.0


def test_a_pickle_of_the_version_with_a_label_slot_still_loads() -> None:
    old_state = (None, {"_data": 2.0, "grad": 0.5, "label": "w", "_mark": None, "_op": None})
    value = Value(0.0)
    value.__setstate__(old_state)
    assert (value.data, value.grad, value.label) == (2.0, 0.5, "w")


def test_an_op_of_three_inputs_backpropagates_to_each() -> None:
    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    product = Op(
        "prod3",
        lambda x, y, z: x * y * z,
        lambda g, out, x, y, z: (g * y * z, g * x * z, g * x * y),
    )
    y = a.apply(product, b, c)
    y.backward()
    assert (a.grad, b.grad, c.grad) == (6.0, 3.0, 2.0)
    assert topological_order(y) == [a, b, c, y]


def test_no_grad_nodes_have_no_parents() -> None:
    from autograd_engine import no_grad

    a = Value(2.0)
    with no_grad():
        y = a * 3.0
    assert (y.parents, y.op, y.is_leaf) == ((), "", True)


# --- .data: a number, or a TypeError at once --------------------------------------------


@pytest.mark.parametrize("bad", ["x", None, [1.0], 1 + 2j])
def test_assigning_a_non_number_to_data_raises_at_once(bad: object) -> None:
    v = Value(1.0)
    with pytest.raises(TypeError, match=f"not {type(bad).__name__}"):
        v.data = bad  # type: ignore[assignment]
    assert v.data == 1.0  # unchanged


def test_assigning_a_number_to_data_stores_a_float() -> None:
    v = Value(1.0)
    v.data = 3
    assert type(v.data) is float
    assert v.data == 3.0
    v.data -= 0.5
    assert v.data == 2.5
    assert (v * 2.0).data == 5.0  # operations read the new number


# --- grad = None means zero --------------------------------------------------------------


def test_backward_into_a_leaf_whose_grad_is_none() -> None:
    x, w = Value(3.0), Value(2.0)
    w.grad = None  # type: ignore[assignment]
    (w * x).backward()
    assert w.grad == 3.0
    assert type(w.grad) is float
    (w * x).backward()
    assert w.grad == 6.0  # and it accumulates from there


def test_a_failed_backward_puts_a_none_grad_back() -> None:
    x, w = Value(1.0), Value(2.0)
    x.grad = None  # type: ignore[assignment]
    w.grad = 5.0
    y = x * 1e10 + w
    with pytest.raises(OverflowError):
        y.backward(1e300)  # x's gradient, 1e310, overflows
    assert (x.grad, w.grad) == (None, 5.0)


def test_optimizers_skip_a_parameter_whose_grad_is_none() -> None:
    for make in (lambda ps: SGD(ps, lr=0.1, momentum=0.9), lambda ps: Adam(ps, lr=0.1)):
        p, q = Value(1.0), Value(1.0)
        optimizer = make([p, q])
        p.grad, q.grad = None, 1.0  # type: ignore[assignment]
        optimizer.step()
        assert p.data == 1.0
        assert optimizer.state[0] == {}
        assert q.data < 1.0
        assert optimizer.state[1]
        optimizer.zero_grad()
        assert (p.grad, q.grad) == (0.0, 0.0)


# --- the cycle collector paused -----------------------------------------------------------


@pytest.fixture
def collector_enabled() -> object:
    was = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was else gc.disable)()


@pytest.mark.usefixtures("collector_enabled")
def test_the_pause_restores_an_enabled_collector() -> None:
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_enabled")
def test_the_pause_keeps_a_disabled_collector_disabled() -> None:
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


@pytest.mark.usefixtures("collector_enabled")
def test_the_pause_is_reentrant_and_restores_on_error() -> None:
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause is still open
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_enabled")
def test_pauses_in_two_threads_end_with_the_last() -> None:
    inside, release = threading.Event(), threading.Event()

    def hold() -> None:
        with collector_paused():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=hold)
    thread.start()
    inside.wait(5)
    with collector_paused():
        pass
    assert not gc.isenabled()  # the other thread's pause is still open
    release.set()
    thread.join()
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_enabled")
def test_backward_and_training_run_with_the_collector_paused() -> None:
    seen: list[bool] = []

    def loss_fn(scores: list[Value], targets: list[float]) -> Value:
        seen.append(gc.isenabled())
        return hinge_loss(scores, targets)

    record = Op("record", lambda x: x, lambda g, out, x: (seen.append(gc.isenabled()) or g,))
    model = MLP(2, [3, 1], seed=0)
    train_step(model, loss_fn, SGD(model.parameters(), lr=0.1), [[1.0, 2.0]], [1.0])
    Value(1.0).apply(record).backward()
    assert seen == [False, False]
    assert gc.isenabled()
    predict(model, [[1.0, 2.0]])
    evaluate(model, [[1.0, 2.0]], [1.0], hinge_loss)
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_enabled")
def test_nothing_differs_with_the_collector_paused() -> None:
    """train_step (collector paused) and the same four lines by hand, with the collector
    running after every step, give the same numbers bit for bit."""
    xs, ys = [[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0]], [1.0, -1.0, 1.0]

    def paused() -> list[float]:
        model = MLP(2, [4, 4, 1], seed=3)
        optimizer = SGD(model.parameters(), lr=0.5)
        losses = [train_step(model, hinge_loss, optimizer, xs, ys).loss for _ in range(3)]
        return losses + [p.data for p in model.parameters()]

    def collected() -> list[float]:
        model = MLP(2, [4, 4, 1], seed=3)
        optimizer = SGD(model.parameters(), lr=0.5)
        losses = []
        for _ in range(3):
            loss = hinge_loss([model(x) for x in xs], ys)
            gc.collect()
            optimizer.zero_grad()
            loss.backward()
            gc.collect()
            optimizer.step()
            losses.append(loss.data)
        return losses + [p.data for p in model.parameters()]

    assert paused() == collected()


def test_a_compiled_replay_counts_a_grad_of_none_as_zero() -> None:
    """PyTorch's habit ``p.grad = None`` works with compiled replays as in ``backward()``."""
    pytest.importorskip("numpy")
    from autograd_engine import compile_graph

    a, b = Value(2.0), Value(-3.0)
    replay = compile_graph(a * b + a)
    a.grad = None
    b.grad = 1.0
    replay.run()
    assert (a.grad, b.grad) == (-2.0, 3.0)

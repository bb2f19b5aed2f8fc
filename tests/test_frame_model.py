"""The stepper's frame model alone: what every frame holds, as plain data, before any reader
turns it into a page, a picture or a caption."""

from __future__ import annotations

import math

import pytest

from autograd_engine import Value
from autograd_engine.graph import backward_steps, topological_order
from autograd_engine.viz import BackwardStepper
from autograd_engine.viz.format import node_names
from autograd_engine.viz.frame_model import BoxState, Frame, build_frames
from autograd_engine.viz.stepper_group import Unit
from tests.test_stepper_group import mlp_loss


def units_of(root: Value) -> list[Unit]:
    nodes = [n for n in topological_order(root) if not n.is_constant]
    at = {n: i for i, n in enumerate(nodes)}
    names = node_names(topological_order(root))
    return [
        Unit(
            names[n],
            "output" if n is root else "leaf" if n.is_leaf else "intermediate",
            n.op,
            (n,),
            (n,),
            tuple(None if p.is_constant else at[p] for p in n.parents),
        )
        for n in nodes
    ]


def model_of(root: Value, **options: object) -> tuple[tuple[Frame, ...], list[Unit]]:
    units = units_of(root)
    names = node_names(topological_order(root))
    frames = build_frames(
        units,
        tuple(backward_steps(root, 1.0)),
        1.0,
        names,
        lambda n, i: None,
        **options,  # type: ignore[arg-type]
    )
    return frames, units


def shared() -> tuple[Value, dict[str, Value]]:
    """y = u·u + exp(u), u = tanh(x): u's gradient sums three terms, two sent in one step."""
    x = Value(0.5, "x")
    u = x.tanh()
    u.label = "u"
    v = u * u
    v.label = "v"
    w = u.exp()
    w.label = "w"
    y = v + w
    y.label = "y"
    return y, {"x": x, "u": u, "v": v, "w": w, "y": y}


def test_the_frames_in_page_order_with_one_numbering() -> None:
    y, _ = shared()
    frames, _ = model_of(y)
    assert [f.index for f in frames] == list(range(len(frames)))
    assert [(f.phase, f.number, f.count) for f in frames] == [
        *(("forward", j, 4) for j in range(5)),
        *(("backward", k, 4) for k in range(5)),
    ]


def test_a_box_shows_nothing_arrived_then_partial_then_complete() -> None:
    y, v = shared()
    frames, units = model_of(y)
    u = next(i for i, unit in enumerate(units) if unit.name == "u")
    backward = [f for f in frames if f.phase == "backward"]
    states = [f.boxes[u] for f in backward]
    assert states[0] == BoxState((v["u"].data,), None, 0, 3)  # nothing yet: None, never 0.0
    # w fires first (one term), then v sends its two terms in one step.
    assert [(s.arrived, s.complete) for s in states] == [
        (0, False), (0, False), (1, False), (3, True), (3, True),
    ]  # fmt: skip
    assert states[2].grad == (v["w"].data,)
    y.backward()
    assert states[3].grad == (v["u"].grad,)  # exact, summed in backward()'s order


def test_a_sent_frame_holds_the_terms_and_the_receivers_sums_it_shows() -> None:
    y, v = shared()
    frames, units = model_of(y)
    fired_v = next(f for f in frames if f.firing is not None and units[f.firing].name == "v"
                   and f.phase == "backward")  # fmt: skip
    assert fired_v.stage == "sent"
    first, second = fired_v.sends
    assert (first.target, second.target) == ("u", "u")
    assert (first.last, second.last) == (False, True)  # the box shows the sum after the second
    assert second.so_far == (math.exp(v["u"].data), v["u"].data, v["u"].data)
    u = units.index(next(unit for unit in units if unit.name == "u"))
    assert fired_v.boxes[u].grad == (second.total,)
    assert fired_v.boxes[u].arrived == len(second.so_far) == 3


def test_a_quiz_asks_before_the_firing_and_shows_the_state_before() -> None:
    y, _ = shared()
    frames, _ = model_of(y, ask_first=True)
    backward = [f for f in frames if f.phase == "backward" and f.firing is not None]
    assert [f.stage for f in backward] == ["fires", "sent"] * 4
    for ask, sent in zip(backward[::2], backward[1::2], strict=True):
        assert ask.sends == sent.sends
        assert ask.firing == sent.firing
        assert ask.boxes == frames[ask.index - 1].boxes  # nothing arrived yet
        assert ask.boxes != sent.boxes


def test_the_update_moves_exactly_the_parameters_then_the_loss_is_recomputed() -> None:
    loss, model, rows = mlp_loss([2, 3, 1])
    stepper = BackwardStepper(loss, lr=0.05)  # the module's parameters, found by its scopes
    params = model.parameters()
    assert stepper.params == [n for n in stepper.nodes if n in set(params)]
    (update,) = [f for f in stepper.frames if f.phase == "update"]
    loss.backward()
    assert {m.name for m in update.moves} == {stepper.name(p) for p in params}
    for node, before, after in zip(
        stepper.nodes, stepper.frames[stepper.backward_end].boxes, update.boxes, strict=True
    ):
        if node in set(params):
            assert after.data == (node.data - 0.05 * node.grad,)
            assert after.moved
        else:
            assert after == before  # inputs, targets and every computed value stay
    # Forward again: the same model with the moved parameters gives the new loss.
    last = stepper.frames[-1]
    assert last.phase == "forward again"
    assert last.loss is not None
    for p in params:
        p.data -= 0.05 * p.grad
    again = mlp_loss([2, 3, 1])[1]
    again.load_state_dict({name: p.data for name, p in model.named_parameters()})
    from nn.losses import mse_loss

    new = mse_loss([again(row) for row in rows], [1.0])
    assert last.loss == (loss.data, new.data)
    assert last.loss[1] < last.loss[0]
    assert all(box.grad is None for box in last.boxes)  # cleared: zero_grad


def test_lr_without_parameters_is_refused_and_says_to_pass_params() -> None:
    x, w = Value(2.0, "x"), Value(-3.0, "w")
    y = (x * w).tanh()
    with pytest.raises(ValueError, match=r"pass params=\[\.\.\.\]") as error:
        BackwardStepper(y, lr=0.1)
    assert "x, w" in str(error.value)  # it names the leaves it will not guess between
    stepper = BackwardStepper(y, lr=0.1, params=[w])
    (update,) = [f for f in stepper.frames if f.phase == "update"]
    assert [m.name for m in update.moves] == ["w"]
    with pytest.raises(ValueError, match="params must be leaves"):
        BackwardStepper(y, lr=0.1, params=[y])


def test_the_grouped_model_marks_only_moved_boxes() -> None:
    loss, _, _ = mlp_loss([2, 3, 1])
    stepper = BackwardStepper(loss, group="neuron", lr=0.1)
    (update,) = [f for f in stepper.frames if f.phase == "update"]
    assert not any(state.moved for state in update.boxes)  # the weights live inside neurons
    assert len(update.moves) == len(stepper.params) == 3 * 3 + 4

"""The stepper's side panel: a picture per frame (``BackwardStepper(..., panel=fn)``).

The panel is given, per page frame, the leaves' gradients complete once that frame's rules
have run; ``nn.plotting.network_panel`` draws the network view from them, so the backward
pass sweeps from the output layer to the inputs.
"""

from __future__ import annotations

import pytest

from autograd_engine import Value
from autograd_engine.viz import BackwardStepper
from autograd_engine.viz.panel import PanelFrame, shared_parts
from nn.layers import MLP
from nn.plotting import draw_network, network_panel
from tests.test_stepper_group import mlp_loss


def recording() -> tuple[list[PanelFrame], object]:
    seen: list[PanelFrame] = []

    def panel(frame: PanelFrame) -> str:
        seen.append(frame)
        return f"<svg>{frame.phase} {len(frame.grads)}</svg>"

    return seen, panel


@pytest.mark.parametrize("group", ["layer", "neuron", None])
def test_the_panel_is_called_once_per_frame_in_order(group: str | None) -> None:
    loss, model, _ = mlp_loss([2, 3, 1])
    seen, panel = recording()
    stepper = BackwardStepper(loss, group=group, lr=0.1, params=model.parameters(), panel=panel)
    pictures, shown = stepper.panels()
    assert [f.index for f in seen] == list(range(len(stepper.frames)))
    assert [f.phase for f in seen] == [f.phase for f in stepper.frames]
    assert [f.caption for f in seen] == [stepper.caption(k) for k in range(len(stepper))]
    assert len(shown) == len(stepper.frames)
    assert len(set(pictures)) == len(pictures)  # each distinct picture once
    assert [pictures[i] for i in shown] == [f"<svg>{f.phase} {len(f.grads)}</svg>" for f in seen]
    stepper.panels()
    assert len(seen) == len(stepper.frames)  # remembered, not drawn again


@pytest.mark.parametrize("group", ["layer", "neuron", None])
def test_gradients_arrive_exactly_and_sweep_from_the_output_layer(group: str | None) -> None:
    loss, model, rows = mlp_loss([2, 4, 4, 1])
    seen, panel = recording()
    stepper = BackwardStepper(loss, group=group, lr=0.1, params=model.parameters(), panel=panel)
    stepper.panels()
    loss.backward()
    params = model.parameters()
    leaves = params + [x for row in rows for x in row]
    previous: set[Value] = set()
    first_complete: dict[Value, int] = {}
    for frame in seen:
        if frame.phase in ("forward", "forward again"):  # before backward, after zero_grad
            assert dict(frame.grads) == {}
            continue
        complete = set(frame.grads)
        assert previous <= complete  # a complete gradient stays complete
        for p in complete - previous:
            first_complete[p] = frame.index
        for p, g in frame.grads.items():
            assert g == p.grad  # exact: what backward() leaves, never a partial sum
        previous = complete
    assert set(seen[stepper.backward_end].grads) == set(leaves)
    # Grouped, layer by layer: the last layer's weights complete first, the first layer's
    # last (node by node, one layer's rules interleave with the next one's).
    if group is None:
        return
    done = [max(first_complete[p] for p in layer.parameters()) for layer in model.layers]
    start = [min(first_complete[p] for p in layer.parameters()) for layer in model.layers]
    assert start[2] <= done[2] < start[1] <= done[1] < start[0] <= done[0]
    # Somewhere mid-backward, some parameters are complete and some are not.
    assert any(0 < len(set(f.grads) & set(params)) < len(params) for f in seen)


def test_the_update_frame_has_the_moved_parameters_and_the_rest_as_built() -> None:
    loss, model, rows = mlp_loss([2, 3, 1])
    seen, panel = recording()
    stepper = BackwardStepper(loss, group="layer", lr=0.25, params=model.parameters(), panel=panel)
    stepper.panels()
    before = {p: p.data for p in model.parameters()}
    loss.backward()
    (update,) = [f for f in seen if f.phase == "update"]
    assert seen[-1].phase == "forward again"  # the moved parameters stay moved
    assert seen[-1].data == update.data
    for p in model.parameters():
        assert update.data[p] == before[p] - 0.25 * p.grad
        assert seen[0].data[p] == before[p]
    assert all(update.data[x] == x.data for row in rows for x in row)
    assert all(p.data == before[p] for p in model.parameters())  # nothing was touched


def test_a_focused_view_still_counts_the_steps_it_folds_away() -> None:
    loss, model, _ = mlp_loss([2, 4, 4, 1])
    seen, panel = recording()
    focus = model.layers[0].neurons[0].b
    stepper = BackwardStepper(loss, group="neuron", focus=focus, depth=1, panel=panel)
    stepper.panels()
    loss.backward()
    assert set(seen[stepper.backward_end].grads) >= set(model.parameters())
    assert all(g == p.grad for p, g in seen[stepper.backward_end].grads.items())


def test_the_network_panel_is_deterministic_and_sweeps() -> None:
    def page() -> tuple[str, list[str]]:
        loss, model, _ = mlp_loss([2, 4, 4, 1])
        stepper = BackwardStepper(
            loss, group="layer", lr=0.1, params=model.parameters(), panel=network_panel(model)
        )
        return stepper.html(), [stepper.panels()[0][i] for i in stepper.panels()[1]]

    first, pictures = page()
    assert page()[0] == first
    assert 'id="panel"' in first
    assert "panel_parts" in first
    dashed = [p.count('stroke-dasharray="4 3"') for p in pictures]
    backward = [i for i, p in enumerate(pictures) if p.count("backward:")]
    # Backward frames: the grey dashed (pending) weights only ever get fewer, down to none.
    counts = [dashed[i] for i in backward]
    assert counts == sorted(counts, reverse=True)
    assert counts[0] == 2 * 4 + 4 * 4 + 4
    assert counts[-1] == 0
    assert len(set(counts)) >= 4  # output layer, then the middle one, then the first
    assert dashed[0] == 0
    assert "forward:" in pictures[0]
    assert any("update:" in p for p in pictures)
    assert "forward again:" in pictures[-1]


def test_without_a_panel_the_page_has_none() -> None:
    loss, _model, _ = mlp_loss([2, 3, 1])
    page = BackwardStepper(loss, group="layer").html()
    assert 'id="panel"' not in page
    assert "panel_parts" not in page
    assert "attachShadow" not in page
    assert BackwardStepper(loss, group="layer").panels() == ([], [])


def test_a_panel_that_returns_no_text_is_refused_by_frame() -> None:
    loss, _, _ = mlp_loss([2, 3, 1])
    stepper = BackwardStepper(loss, group="layer", panel=lambda frame: None)  # type: ignore
    with pytest.raises(TypeError, match=r"frame 0 .*must return SVG text"):
        stepper.panels()
    with pytest.raises(TypeError, match="panel must be a function"):
        BackwardStepper(loss, panel="svg")  # type: ignore[arg-type]


def test_the_network_panel_refuses_another_models_loss() -> None:
    loss, _, _ = mlp_loss([2, 3, 1])
    other = MLP(2, [3, 1], seed=5)
    stepper = BackwardStepper(loss, group="layer", panel=network_panel(other))
    with pytest.raises(ValueError, match="not in the stepper's graph"):
        stepper.panels()
    with pytest.raises(TypeError, match="sets show"):
        network_panel(other, show="grad")


def test_draw_network_with_grads_draws_the_missing_ones_pending() -> None:
    model = MLP(2, [3, 1], seed=0)
    weights = [w for layer in model.layers for n in layer.neurons for w in n.w]
    known = dict.fromkeys(weights[:4], 0.5)
    svg = draw_network(model, show="grad", grads=known)
    assert svg.count('stroke-dasharray="4 3"') == len(weights) - 4
    assert "not yet" in svg
    assert "grey dashed" in svg
    # Without grads= nothing is pending, and the default picture is unchanged by the option.
    assert draw_network(model, show="grad").count("stroke-dasharray") == 0
    with pytest.raises(ValueError, match="scale"):
        draw_network(model, scale=0.0)


def test_shared_parts_give_every_picture_back_exactly() -> None:
    loss, model, _ = mlp_loss([2, 4, 1])
    stepper = BackwardStepper(loss, group="neuron", lr=0.1, panel=network_panel(model))
    pictures, _ = stepper.panels()
    parts, cut = shared_parts(pictures)
    assert ["".join(parts[i] for i in c) for c in cut] == pictures
    assert len(parts) < sum(len(c) for c in cut) / 2  # most elements are shared


def test_node_by_node_a_gradient_counts_only_once_every_term_has_arrived() -> None:
    # x0 feeds 4 neurons: its gradient is 4 terms, complete only after the 4th has been sent.
    loss, model, rows = mlp_loss([2, 4, 1])
    seen, panel = recording()
    stepper = BackwardStepper(loss, lr=0.1, params=model.parameters(), panel=panel)
    stepper.panels()
    leaves = [n for n in stepper.nodes if n.is_leaf]
    for frame in seen[stepper.backward_start : stepper.backward_end + 1]:
        counts = stepper.terms_arrived(frame.index)  # the state this frame shows
        complete = {leaf for leaf in leaves if counts[leaf][0] == counts[leaf][1]}
        assert set(frame.grads) == complete
    x0 = rows[0][0]
    assert stepper.terms_arrived(stepper.backward_end)[x0] == (4, 4)

"""Opening a grouped box into its own nodes: the same moment, the same numbers as the
node-by-node stepper and the grouped page."""

from __future__ import annotations

import pytest

from autograd_engine.viz import BackwardStepper
from autograd_engine.viz.frame_model import BoxState
from autograd_engine.viz.frame_text import box_texts
from tests.test_stepper_group import mlp_loss


@pytest.fixture(
    scope="module", params=[("neuron", 1), ("neuron", 2), ("layer", 1)], ids=lambda p: str(p)
)
def pages(request: pytest.FixtureRequest) -> tuple[BackwardStepper, BackwardStepper]:
    """A grouped page and the node-by-node stepper of the same loss (two examples: every
    weight is shared by two calls of its neuron, and drawn in no box)."""
    level, examples = request.param
    loss, model, _ = mlp_loss([2, 4, 4, 1], examples=examples)
    params = model.parameters()
    return (
        BackwardStepper(loss, group=level, lr=0.1, params=params),
        BackwardStepper(loss, lr=0.1, params=params),
    )


def groups(stepper: BackwardStepper) -> list[int]:
    assert stepper.units is not None
    return [u for u, unit in enumerate(stepper.units) if unit.kind == "group"]


def numbers(state: BoxState, counts: bool = True) -> tuple[object, ...]:
    """What a box shows. A layer's box counts one term per layer reading it, its nodes one
    per node: ``counts=False`` compares the numbers and whether they are complete."""
    if counts:
        return (state.data, state.grad, state.arrived, state.expected)
    return (state.data, state.grad, state.complete)


def test_a_moment_of_the_grouped_page_shows_the_same_numbers_inside(
    pages: tuple[BackwardStepper, BackwardStepper],
) -> None:
    grouped, _ = pages
    assert grouped.units is not None
    for box in groups(grouped):
        view = grouped.drill(box)
        unit = grouped.units[box]
        where = {node: i for i, u in enumerate(view.units) for node in u.outputs}
        shown = {
            u: where[unit_.outputs[0]]
            for u, unit_ in enumerate(grouped.units)
            if len(unit_.outputs) == 1 and unit_.outputs[0] in where
        }
        assert unit.outputs[0] in where
        for k, frame in enumerate(grouped.frames):
            inside = view.frames[view.frame_of[k]]
            exact = view.moments[view.frame_of[k]] == k or frame.firing == box
            if frame.firing is None and frame.phase != "update":
                exact = exact or inside.firing is None
            if not exact:
                continue
            for u, i in shown.items():
                by_neuron = grouped.group == "neuron"
                assert numbers(inside.boxes[i], by_neuron) == numbers(frame.boxes[u], by_neuron)


def test_opened_at_a_grouped_frame_the_group_has_run_or_not(
    pages: tuple[BackwardStepper, BackwardStepper],
) -> None:
    grouped, _ = pages
    for box in groups(grouped):
        view = grouped.drill(box)
        ran = {}
        for k, frame in enumerate(grouped.frames):
            if frame.number == 0:
                ran = {}
            if frame.firing == box:
                ran[frame.phase] = k
            inside = view.frames[view.frame_of[k]]
            assert inside.phase == frame.phase
            if frame.phase in ran:  # just after its last node ran
                own = [f for f in view.frames if f.phase == frame.phase and f.firing is not None]
                assert inside is own[-1]
            elif frame.number > 0 and frame.phase != "update":  # just before its first
                assert view.moments[view.frame_of[k]] is not None
                assert view.frames[view.frame_of[k] + 1].firing is not None


def test_inside_is_the_node_by_node_stepper(
    pages: tuple[BackwardStepper, BackwardStepper],
) -> None:
    grouped, nodes = pages
    end = nodes.frames[nodes.backward_end]
    again = nodes.frames[-1]
    at = {node: i for i, node in enumerate(nodes.nodes)}
    for box in groups(grouped):
        view = grouped.drill(box)
        last = [f for f in view.frames if f.phase == "backward"][-1]
        final = view.frames[-1]
        for i, unit in enumerate(view.units):
            node = unit.outputs[0]
            assert unit.name == nodes.name(node)
            if unit.kind == "input":
                continue
            for mine, theirs in ((last, end), (final, again)):
                assert numbers(mine.boxes[i]) == numbers(theirs.boxes[at[node]])
                assert box_texts(mine.boxes[i], 4, False) == box_texts(
                    theirs.boxes[at[node]], 4, False
                )
        own = [f.firing for f in view.frames if f.phase == "backward" and f.firing is not None]
        assert len(own) == sum(not u.members[0].is_leaf and u.kind != "input" for u in view.units)


def test_the_page_holds_every_group_packed(
    pages: tuple[BackwardStepper, BackwardStepper],
) -> None:
    import base64
    import gzip
    import json

    grouped, _ = pages
    packed = grouped.page_data()["drill"]
    views = json.loads(gzip.decompress(base64.b64decode(packed)))
    assert [v["box"] for v in views] == groups(grouped)
    for record in views:
        view = grouped.drill(record["box"])
        assert record["at"] == list(view.frame_of)
        for k, frame in enumerate(record["frames"]):
            if view.moments[k] is None:
                assert frame["caption"] == grouped.drill_caption(record["box"], k)
            else:
                assert frame["outside"] == view.moments[k]


def test_shared_weights_move_on_the_grouped_page_too(
    pages: tuple[BackwardStepper, BackwardStepper],
) -> None:
    grouped, nodes = pages
    assert grouped.frames[-1].loss == nodes.frames[-1].loss
    old, new = nodes.frames[-1].loss or (0.0, 0.0)
    assert new < old


def test_only_a_group_opens(pages: tuple[BackwardStepper, BackwardStepper]) -> None:
    grouped, nodes = pages
    with pytest.raises(ValueError, match="group="):
        nodes.drill(0)
    with pytest.raises(ValueError, match="single node"):
        grouped.drill(0)
    with pytest.raises(IndexError, match="box must be"):
        grouped.drill(10_000)
    assert "drill" not in nodes.page_data()

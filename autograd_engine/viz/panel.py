"""A side panel for the stepper's page: any picture of the model, redrawn for every frame.

The stepper draws the graph of one expression; a person watching a network learn thinks in
neurons and weights. ``BackwardStepper(loss, group="layer", panel=fn)`` calls ``fn`` once per
frame of the page with a :class:`PanelFrame`, and the page shows the SVG ``fn`` returns beside
the graph, swapped as the slider moves. The engine never imports ``nn``, so the picture comes
from outside: ``nn.plotting.network_panel(model)`` makes an ``fn`` that draws the network view
with the gradients complete so far, so the backward pass visibly sweeps from the output layer
back to the inputs, and the moved weights on the update frame.

What a frame knows is the stepper's own bookkeeping, never ``.grad`` or ``.data``: the rules
each frame runs (one node's, or a whole box's when grouped) are replayed from
:func:`~autograd_engine.backward_steps`, and a leaf's gradient is given once *all* its terms
have arrived, as the exact number ``backward()`` leaves (summed in its order), never a
partial sum that could be mistaken for it.

Identical panels are stored once: a network's picture changes only when a gradient completes,
so a page of hundreds of frames holds a few dozen drawings. And the page stores those drawings
cut into their elements, each distinct element once (:func:`shared_parts`): two pictures of
one network differ in a few lines, so 36 pictures cost little more than two.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from ..graph import BackwardStep
from ..value import Value

__all__ = ["PanelFrame", "panel_frames", "panel_pages", "shared_parts"]


@dataclass(frozen=True, slots=True)
class PanelFrame:
    """What a side panel may draw for one frame of the stepper's page.

    Attributes:
        index: the frame's position in ``stepper.frames`` (the page's slider value).
        phase: ``"forward"``, ``"backward"`` or ``"update"``.
        number: the frame's number within its phase.
        caption: the frame's caption (what happens in it).
        grads: each leaf (input or parameter) whose gradient is complete once this frame's
            rules have run, with that gradient: exactly what ``backward()`` leaves in
            ``.grad``. A leaf missing has not received all its terms yet (nothing on forward
            frames; every leaf from the last backward frame on).
        data: each leaf's value at this frame: the values the graph was built with, and on
            the update frame the parameters after ``p.data -= lr * p.grad``.
        final: every leaf's gradient at the end of the backward pass (the same mapping in
            every frame): for a colour scale that does not change from frame to frame.
    """

    index: int
    phase: str
    number: int
    caption: str
    grads: Mapping[Value, float]
    data: Mapping[Value, float]
    final: Mapping[Value, float]


def panel_frames(
    frames: Sequence[tuple[str, int, str, tuple[int, ...]]],
    steps: Sequence[BackwardStep],
    root: Value,
    seed: float,
    leaves: Sequence[Value],
    params: Sequence[Value],
    lr: float | None,
) -> Iterator[PanelFrame]:
    """One :class:`PanelFrame` per page frame, given each frame's ``(phase, number, caption,
    ran)``, where ``ran`` are the indices in ``steps`` of the rules that frame runs.

    A leaf's gradient is complete when every edge out of it has sent its term (``steps``
    holds one term per edge of every non-leaf node). A root that is itself a leaf has no
    edges: its gradient is the seed, complete from the first backward frame.
    """
    wanted = dict.fromkeys(leaves, 0)
    final = dict.fromkeys(leaves, 0.0)
    for step in steps:  # backward()'s own order of summation
        for parent, term in zip(step.node.parents, step.parent_grads, strict=True):
            if parent in wanted:
                wanted[parent] += 1
                final[parent] += term
    if root in final:
        final[root] = float(seed)
    final_view = MappingProxyType(final)
    arrived = dict.fromkeys(leaves, 0)
    complete = {leaf: final[leaf] for leaf in leaves if wanted[leaf] == 0}
    start = {leaf: leaf.data for leaf in leaves}
    start_view = MappingProxyType(start)
    for index, (phase, number, caption, ran) in enumerate(frames):
        for s in ran:
            for parent in steps[s].node.parents:
                if parent in arrived:
                    arrived[parent] += 1
                    if arrived[parent] == wanted[parent]:
                        complete[parent] = final[parent]
        data: Mapping[Value, float] = start_view
        if phase in ("update", "forward again"):
            assert lr is not None, "an update frame comes only with lr="
            moved = {p: p.data - lr * final.get(p, 0.0) for p in params}
            data = MappingProxyType({**start, **moved})
        cleared = phase in ("forward", "forward again")  # before backward, or after zero_grad
        grads = MappingProxyType({}) if cleared else MappingProxyType(dict(complete))
        yield PanelFrame(index, phase, number, caption, grads, data, final_view)


def panel_pages(
    panel: Callable[[PanelFrame], str], frames: Iterator[PanelFrame]
) -> tuple[list[str], list[int]]:
    """Call ``panel`` on every frame: the distinct SVGs, and which one each frame shows.

    Raises:
        TypeError: ``panel`` returned something that is not a string, naming the frame.
    """
    pictures: list[str] = []
    seen: dict[str, int] = {}
    shown: list[int] = []
    for frame in frames:
        svg = panel(frame)
        if not isinstance(svg, str):
            raise TypeError(
                f"BackwardStepper(panel=...): the panel returned {type(svg).__name__} for "
                f"frame {frame.index} ({frame.phase} {frame.number}); it must return SVG text "
                "(a str), e.g. nn.plotting.network_panel(model)"
            )
        if svg not in seen:
            seen[svg] = len(pictures)
            pictures.append(svg)
        shown.append(seen[svg])
    return pictures, shown


# Cut before every element but the ones that sit inside another (a tooltip's <title>, closing
# tags): a network view then falls into its lines, circles and texts, each whole.
_ELEMENT = re.compile(r"(?=<(?![/!?]|title\b))")


def shared_parts(pictures: Sequence[str]) -> tuple[list[str], list[list[int]]]:
    """Each picture as a list of indices into one list of distinct pieces of SVG text.

    ``"".join(parts[i] for i in picture)`` gives the picture back, exactly.
    """
    parts: list[str] = []
    index: dict[str, int] = {}
    cut = []
    for picture in pictures:
        pieces = []
        for part in _ELEMENT.split(picture):
            if part not in index:
                index[part] = len(parts)
                parts.append(part)
            pieces.append(index[part])
        cut.append(pieces)
    return parts, cut

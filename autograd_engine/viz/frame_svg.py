"""The stepper's still pictures: a frame of the frame model drawn as SVG.

The page and these pictures set the same texts and classes on the same laid-out SVG (see
:mod:`.layout`), taken from :func:`~.frame_text.box_texts`, so ``stepper.svg(k)`` is what
the page shows at frame ``k``, mark for mark. :func:`neighbourhood_svg` draws only the boxes
near the firing one, laid out on their own, for printed notes where a big graph would be
too small to read.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import replace

from .frame_model import Frame
from .frame_text import box_texts, edge_labels
from .layout import NodeBox, apply_frame, layout_svg
from .stepper_group import Unit, kept_units, unit_neighbourhood

__all__ = ["SvgPicture", "frame_classes", "layout_boxes", "neighbourhood_svg", "picture"]


class SvgPicture(str):
    """SVG text that a notebook shows as a picture (it is also just a ``str``)."""

    __slots__ = ()

    def _repr_svg_(self) -> str:
        return str(self)


def layout_boxes(
    frames: Sequence[Frame], units: Sequence[Unit], root_box: int | None, digits: int
) -> list[NodeBox]:
    """One :class:`~.layout.NodeBox` per unit, as wide as the widest text it ever shows."""
    widest: dict[tuple[int, str], str] = {}
    labels: dict[tuple[int, int], str] = {}
    before: tuple[object, ...] = ()
    for frame in frames:
        for u, state in enumerate(frame.boxes):
            if before and state is before[u]:
                continue  # unchanged: its texts were measured already
            texts = box_texts(state, digits, u == root_box)
            for field in ("data", "grad"):
                if len(texts[field]) > len(widest.get((u, field), "")):
                    widest[u, field] = texts[field]
        if frame.firing is not None:
            for edge, label in edge_labels(frame, digits).items():
                if len(label) > len(labels.get((frame.firing, edge), "")):
                    labels[frame.firing, edge] = label
        before = frame.boxes
    return [
        NodeBox(
            unit.name,
            unit.kind,
            widest[u, "data"],
            widest[u, "grad"],
            unit.op,
            unit.inputs,
            tuple(labels.get((u, e), "") for e in range(len(unit.inputs))),
        )
        for u, unit in enumerate(units)
    ]


def frame_classes(frame: Frame) -> dict[str, str]:
    """The CSS classes frame ``frame`` adds: firing, receiving, sending or computing edges."""
    classes: dict[str, str] = {}
    for u, state in enumerate(frame.boxes):
        if state.data is None:
            classes[f"n{u}"] = "pending"
        elif state.moved:
            classes[f"n{u}"] = "updated"
    for u in frame.inputs:
        classes[f"n{u}"] = (classes.get(f"n{u}", "") + " receiving").strip()
    if frame.firing is not None:
        f = frame.firing
        classes[f"n{f}"] = (classes.get(f"n{f}", "") + " firing").strip()
        classes[f"n{f}_op"] = "firing"
        kind = "sending" if frame.phase == "backward" else "computing"
        for edge in frame.edges:
            classes[f"n{f}_e{edge}"] = kind
        if frame.phase != "backward":
            classes[f"n{f}_out"] = kind
    return classes


def picture(
    layout: str,
    frame: Frame,
    units: Sequence[Unit],
    root_box: int | None,
    digits: int,
    title: str,
) -> SvgPicture:
    """``frame`` drawn on the one ``layout`` (the page's own SVG), with a ``<title>``."""
    texts: dict[str, str] = {}
    classes = frame_classes(frame)
    for u, state in enumerate(frame.boxes):
        shown = box_texts(state, digits, u == root_box)
        texts[f"n{u}_name"] = units[u].name
        texts[f"n{u}_data"] = shown["data"]
        texts[f"n{u}_grad"] = shown["grad"]
        if frame.phase == "backward" or state.grad is not None:
            classes[f"n{u}_grad"] = shown["arrival"]
    svg = apply_frame(layout, texts, classes)
    return SvgPicture(svg.replace("<style>", f"<title>{html.escape(title)}</title><style>", 1))


def neighbourhood_svg(
    frames: Sequence[Frame],
    units: Sequence[Unit],
    k: int,
    depth: int,
    root_box: int | None,
    digits: int,
    rankdir: str,
    title: str,
) -> SvgPicture:
    """Frame ``k``, only the boxes within ``depth`` edges of its firing box (else the root's),
    laid out on their own: readable where a whole graph would be too small."""
    frame = frames[k]
    centre = frame.firing if frame.firing is not None else (root_box or len(units) - 1)
    kept = unit_neighbourhood(units, centre, depth)
    new = {old: i for i, old in enumerate(kept)}
    boxes = layout_boxes([frame], units, root_box, digits)
    small = [
        NodeBox(
            boxes[u].name,
            boxes[u].kind,
            boxes[u].widest_data,
            boxes[u].widest_grad,
            boxes[u].op,
            tuple(None if v is None else new.get(v) for v in units[u].inputs),
            boxes[u].edge_labels,
        )
        for u in kept
    ]
    sub_units = kept_units(units, kept)
    sub = replace(
        frame,
        boxes=tuple(frame.boxes[u] for u in kept),
        firing=None if frame.firing is None else new.get(frame.firing),
        inputs=tuple(new[u] for u in frame.inputs if u in new),
    )
    root = None if root_box is None else new.get(root_box)
    return picture(layout_svg(small, rankdir), sub, sub_units, root, digits, title)

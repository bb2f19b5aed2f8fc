"""Opening a grouped box: one neuron's own nodes, stepped one at a time, at the same moment.

A grouped page (``group="neuron"``) shows a neuron as one box, computed in one forward frame
and firing in one backward frame. Clicking it opens the neuron's own scalar view: the
products ``w·x``, the sums, the bias, the activation, one box per node, with the values
flowing in from outside (the previous layer's outputs, the inputs) as its first boxes.

One truth: the node-by-node frames are :func:`~.frame_model.build_frames` over one box per
node, *in the grouped boxes' order* (``unit_order=True``): every node of a group fires right
after the others of its group, so each grouped frame is exactly one node frame (the one
after the group's last node has run), and the terms arrive in the grouped page's order.
A neuron's view keeps its own frames and, in each phase, the moment just before its first
node runs; opened at grouped frame ``k`` it shows that neuron at ``k``'s progress: the state
just before its first node if it has not run yet, just after its last if it has (the
grouped frame where it ran, exactly). A layer's box counts one term per layer that reads
it where its nodes count one per node, so a layer opened shows the same gradients with
finer counts.
"""

from __future__ import annotations

import base64
import bisect
import gzip
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from ..graph import BackwardStep
from ..value import Value
from .frame_model import Frame, build_frames
from .page import frame_changes
from .stepper_group import Unit

__all__ = ["Drill", "NodeFrames", "drill", "drill_record", "node_frames", "pack_views"]


@dataclass(frozen=True, slots=True)
class NodeFrames:
    """The whole graph one node per box, in the grouped boxes' order.

    Attributes:
        units: one box per node, the nodes of each grouped box together, in its order.
        owner: for each node box, the grouped box it belongs to.
        frames: their frames (:func:`~.frame_model.build_frames` with ``unit_order``).
        at: for each grouped frame, the node frame showing the same moment.
        runs: for each grouped box, the node frames where its nodes run; ``still`` the
            frames where no node runs (each phase's first, the update).
    """

    units: tuple[Unit, ...]
    owner: tuple[int, ...]
    frames: tuple[Frame, ...]
    at: tuple[int, ...]
    runs: tuple[tuple[int, ...], ...]
    still: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Drill:
    """One grouped box opened into its nodes.

    Attributes:
        box: the grouped box opened; ``name`` its name.
        units: the view's boxes: first the ``inputs`` boxes flowing in from outside, then the
            group's own nodes in topological order.
        inputs: how many of ``units`` come from outside.
        frames: the view's frames (``index`` renumbered from 0): in each phase its first
            frame, the moment just before the group's first node runs (``firing`` None), and
            one frame per node of the group.
        moments: for each frame, the grouped frame it shows the moment of (the one just
            before the group runs), or None for the view's own frames.
        frame_of: for each grouped frame, the view's frame at the same moment: the same
            state if the view has it, else (within the phase) the frame just before the
            group's first node if the group is still to run, or after its last if it ran.
    """

    box: int
    name: str
    units: tuple[Unit, ...]
    inputs: int
    frames: tuple[Frame, ...]
    moments: tuple[int | None, ...]
    frame_of: tuple[int, ...]


def node_frames(
    units: Sequence[Unit],
    grouped: Sequence[Frame],
    steps: Sequence[BackwardStep],
    seed: float,
    names: Mapping[Value, str],
    rule: Callable[[Value, int], str | None],
    op_text: Callable[[Value], str],
    *,
    lr: float | None = None,
    params: Sequence[Value] = (),
) -> NodeFrames:
    """The node-by-node frames matching the grouped boxes ``units`` and their ``grouped``
    frames (built from the same ``steps``, ``seed``, names, ``lr`` and ``params``)."""
    root = units[-1].outputs[-1]
    nodes = [node for unit in units for node in unit.members]
    owner = tuple(u for u, unit in enumerate(units) for _ in unit.members)
    position = {node: i for i, node in enumerate(nodes)}
    singles = tuple(
        Unit(
            names[node],
            "output" if node is root else "leaf" if node.is_leaf else "intermediate",
            op_text(node),
            (node,),
            (node,),
            tuple(position.get(p) for p in node.parents if not p.is_constant),
        )
        for node in nodes
    )
    frames = build_frames(singles, steps, seed, names, rule, lr=lr, params=params, unit_order=True)
    # A grouped frame's moment: as many node frames into its phase as nodes its groups ran.
    runs = [sum(not n.is_leaf for n in unit.members) for unit in units]
    computed = [u for u, unit in enumerate(units) if runs[u]]
    forward = [0]
    for u in computed:
        forward.append(forward[-1] + runs[u])
    backward = [0]
    for u in reversed(computed):
        backward.append(backward[-1] + runs[u])
    where = {(f.phase, f.number): f.index for f in frames if f.stage != "fires"}
    at = tuple(
        where[f.phase, (backward if f.phase == "backward" else forward)[f.number]]
        if f.phase != "update"
        else where["update", 0]
        for f in grouped
    )
    ran: list[list[int]] = [[] for _ in units]
    for frame in frames:
        if frame.firing is not None:
            ran[owner[frame.firing]].append(frame.index)
    still = tuple(f.index for f in frames if f.firing is None)
    return NodeFrames(singles, owner, frames, at, tuple(tuple(r) for r in ran), still)


def drill(whole: NodeFrames, box: int, name: str) -> Drill:
    """The view of grouped box ``box`` (called ``name``): its nodes and their inputs."""
    own = [i for i, u in enumerate(whole.owner) if u == box]
    if not own:
        raise ValueError(f"drill: box {box} ({name}) has no nodes of its own to open")
    mine = set(own)
    outside = list(
        dict.fromkeys(
            v for i in own for v in whole.units[i].inputs if v is not None and v not in mine
        )
    )
    kept = [*outside, *own]
    new = {old: i for i, old in enumerate(kept)}
    units = tuple(
        replace(
            whole.units[i],
            kind="input" if i not in mine else whole.units[i].kind,
            inputs=tuple(None if v is None else new.get(v) for v in whole.units[i].inputs)
            if i in mine
            else (),
        )
        for i in kept
    )
    grouped_at = {s: g for g, s in enumerate(whole.at)}
    runs = whole.runs[box]
    # The moments just before the group's first node runs in a phase: a grouped frame each.
    before = [
        s - 1
        for s in runs
        if s - 1 in grouped_at and whole.frames[s - 1].firing not in (None, *mine)
    ]
    frames: list[Frame] = []
    moments: list[int | None] = []
    shown = sorted({*whole.still, *runs, *before})  # the node frame each frame of the view is
    for s in shown:
        frame = whole.frames[s]
        boxes = tuple(frame.boxes[i] for i in kept)
        if frame.firing is None or frame.firing in mine:
            frames.append(
                replace(
                    frame,
                    index=len(frames),
                    boxes=boxes,
                    firing=None if frame.firing is None else new[frame.firing],
                    inputs=tuple(new[u] for u in frame.inputs if u in new),
                    sends=tuple(
                        replace(x, receiver=new[x.receiver])
                        for x in frame.sends
                        if x.receiver in new
                    ),
                    moves=tuple(replace(m, box=new[m.box]) for m in frame.moves if m.box in new),
                    ran=(),
                )
            )
            moments.append(None)
        else:
            frames.append(Frame(len(frames), frame.phase, frame.number, frame.count, "", boxes))
            moments.append(grouped_at[s])
    # A grouped frame shows the view's frame at its own moment if it has one; else, within its
    # phase, the frame before the group's first node if that is still to come, or the frame
    # after its last node if it has run.
    last_run = {whole.frames[s].phase: s for s in runs}
    frame_of = []
    for s in whole.at:
        i = bisect.bisect_left(shown, s)
        exact = i < len(shown) and shown[i] == s
        to_come = last_run.get(whole.frames[s].phase, -1) > s
        frame_of.append(i if exact or to_come else i - 1)
    return Drill(box, name, units, len(outside), tuple(frames), tuple(moments), tuple(frame_of))


def drill_record(
    view: Drill, captions: Sequence[str | None], root_box: int | None, digits: int
) -> dict[str, object]:
    """What the page's drill-down script reads for one opened box: its boxes (name, op, the
    names it reads, whether it flows in from outside), and per frame the changes of its
    texts (:func:`~.page.frame_changes`, the grouped page's own texts), the firing box and
    those it reads or sends to, and its caption, or ``outside`` (the grouped frames it
    stands for: the page writes their caption)."""
    boxes = [
        {
            "name": unit.name,
            "op": unit.op or ("input" if unit.kind == "input" else "leaf"),
            "reads": [view.units[v].name for v in unit.inputs if v is not None],
            "outside": unit.kind == "input",
        }
        for unit in view.units
    ]
    frames = []
    changes_of = frame_changes(view.frames, root_box, digits)
    for frame, text, moment, changes in zip(
        view.frames, captions, view.moments, changes_of, strict=True
    ):
        record: dict[str, object] = {
            "phase": frame.phase,
            "firing": frame.firing,
            "focus": [] if frame.firing is None else [frame.firing, *frame.inputs],
            # The table's texts: (box, field, text), a number without its "data "/"grad ".
            "changes": [
                (box, field, text.removeprefix(f"{field} ")) for box, field, text in changes
            ],
        }
        if moment is None:
            record["caption"] = text
        else:
            record["outside"] = moment
        frames.append(record)
    return {
        "box": view.box,
        "name": view.name,
        "boxes": boxes,
        "frames": frames,
        "at": list(view.frame_of),
    }


def pack_views(views: Sequence[dict[str, object]]) -> str:
    """The opened views for the page, compactly: their JSON gzipped, in base64.

    A neuron's captions repeat long names (``layers.1.neurons.4.w.15``) frame after frame:
    as plain JSON the views of a 2-16-16-1 network weigh about a megabyte, gzipped about a
    tenth of that. The page's script unpacks them with the browser's own
    ``DecompressionStream`` (no network, no library), so the texts it shows are exactly
    the ones built here.
    """
    text = json.dumps(list(views), ensure_ascii=False, separators=(",", ":"))
    return base64.b64encode(gzip.compress(text.encode("utf-8"), mtime=0)).decode("ascii")

"""One Graphviz layout of a graph, drawn once and then recoloured and relabelled per frame.

The stepper shows the same graph many times with different numbers. Laying it out again
for every frame makes boxes jump (Graphviz places nodes by their label widths) and costs a
``dot`` run per frame. So :func:`layout_svg` runs ``dot`` once, with every box as wide as the
widest text it will ever hold, and gives every element a stable id:

* ``n<i>``: the box of value ``i`` (its texts ``n<i>_name``, ``n<i>_data``, ``n<i>_grad``);
* ``n<i>_op``: the oval of the op that made it (constants are written inside: ``* 0.01``);
* ``n<i>_e<j>``: the edge from its ``j``-th input into that oval; ``n<i>_out``: oval -> box.

A frame is then only new texts and CSS classes on those ids (:func:`apply_frame`), done by
the page's JavaScript or, for a static picture, here in Python. The stylesheet that gives
the classes their colours lives inside the SVG, so a saved frame looks the same anywhere.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .. import palette
from .render import svg_from_dot

__all__ = [
    "RANKDIRS",
    "SVG_STYLE",
    "NodeBox",
    "apply_frame",
    "choose_rankdir",
    "dot_source",
    "layout_svg",
]

FONT = "Courier"

#: Colours of the frame classes, in the one colour language of :mod:`autograd_engine.palette`
#: (red: the backward pass, purple: a sum under way, green: the forward pass and updates);
#: shared by the page and by static frames.
SVG_STYLE = f"""
text {{ font-family: Courier, monospace; font-size: 12px; text-anchor: middle; }}
path, polyline, ellipse {{ fill: none; stroke: black; }}
.edge polygon {{ fill: black; stroke: black; }}
.node.value.group polygon:first-of-type {{ fill: {palette.GROUP_FILL}; }}
.node.value polygon:first-of-type {{ fill: {palette.INTERMEDIATE_FILL}; stroke: #555; }}
.node.value.leaf polygon:first-of-type {{ fill: {palette.LEAF_FILL}; }}
.node.value.output polygon:first-of-type {{ fill: {palette.OUTPUT_FILL}; }}
.node.value.pending polygon:first-of-type {{ fill: #ffffff; stroke: #bbb; stroke-dasharray: 4 3; }}
.node.value.pending text {{ fill: #999; }}
.node.value.updated polygon:first-of-type {{ fill: {palette.UPDATED_FILL}; }}
.node.value.firing polygon:first-of-type {{ stroke: {palette.GRAD}; stroke-width: 4; }}
.node.value.firing text.name {{ fill: {palette.GRAD}; font-weight: bold; }}
.node.value.receiving polygon:first-of-type {{ stroke: {palette.PARTIAL}; stroke-width: 3; }}
.node.value text.waiting {{ fill: #aaaaaa; }}
.node.value text.partial {{ fill: {palette.PARTIAL}; font-weight: bold; }}
.node.value text.complete {{ fill: #000000; font-weight: bold; }}
.node.op ellipse {{ fill: #ffffff; stroke: #777; }}
.node.op.firing ellipse {{ stroke: {palette.GRAD}; stroke-width: 3; fill: #fdecea; }}
.edge.sending path {{ stroke: {palette.GRAD}; stroke-width: 3; }}
.edge.sending polygon {{ fill: {palette.GRAD}; stroke: {palette.GRAD}; }}
.edge.computing path {{ stroke: {palette.DATA}; stroke-width: 3; }}
.edge.computing polygon {{ fill: {palette.DATA}; stroke: {palette.DATA}; }}
.edge text.edge-label {{ display: none; }}
.edge.sending text.edge-label {{ display: inline; fill: {palette.GRAD}; font-weight: bold; }}
"""


@dataclass(frozen=True, slots=True)
class NodeBox:
    """What one value's box holds: its name, the widest texts it will show, how it was made.

    Attributes:
        name: the first line of the box.
        kind: ``leaf``, ``intermediate`` or ``output`` (its base colour).
        widest_data, widest_grad: the longest texts the box will ever show in those rows,
            so the layout reserves room for them once.
        op: the op's name inside the oval (with any constant written in, ``* 0.01``), or
            ``""`` for a leaf.
        inputs: for each input of the op, the index of its box, or None for a constant.
        edge_labels: for each input, the text its edge will carry (the chain-rule product),
            laid out with the graph so no two labels overlap, shown only while it is sent.
    """

    name: str
    kind: str
    widest_data: str
    widest_grad: str
    op: str
    inputs: tuple[int | None, ...]
    edge_labels: tuple[str, ...] = ()


def _quote(text: str, *, escaped: bool = False) -> str:
    """``text`` as a DOT string; ``escaped``: already escaped (a record label)."""
    if not escaped:
        text = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text + '"'


def _record(text: str) -> str:
    """``text`` for a record field: the characters records treat specially, escaped."""
    return re.sub(r'([\\{}|<>" ])', r"\\\1", text)


#: Above this many boxes ``dot`` is told to search less (network simplex and crossing
#: reduction iteration limits) and edge labels are placed after the layout (``xlabel``)
#: instead of being laid out as extra nodes. Laying labels out as nodes is what costs: one
#: example through an MLP 2-8-8-1 with an L2 term (about 500 boxes, 800 labels) took over
#: 15 s that way, well under 2 s this way, with a few more crossings and labels set beside
#: their edges rather than on them.
LARGE = 150

#: More labelled edges than this many per box are placed after the layout (``xlabel``).
MANY_LABELS = 2

#: The directions ``dot`` can lay a graph out in; ``"auto"`` picks one (:func:`choose_rankdir`).
RANKDIRS = ("auto", "LR", "RL", "TB", "BT")

#: The part of a 1400x900 window the stepper page gives its graph, in pixels.
VIEWER = (930.0, 700.0)

_CHAR = 7.2  # pixels of one 12 px Courier character
_ROW = 23.0  # pixels of one row of a box


def choose_rankdir(boxes: Sequence[NodeBox], viewer: tuple[float, float] = VIEWER) -> str:
    """``"TB"`` or ``"LR"``: the direction whose drawing ``viewer`` shows largest.

    Estimated from the graph's shape, not laid out twice: each box's rank is its longest
    path from a leaf, and the ranks are rows of boxes (top to bottom) or columns (left to
    right). A deep, narrow graph (a neuron, a chain) drawn left to right is a thin strip far
    wider than any screen; a wide, shallow one (a layer of 16 neurons read by 16 more) reads
    better left to right. Ties go to top to bottom, the way the math is written.
    """
    rank: list[int] = []
    for box in boxes:
        ranks = [rank[j] for j in box.inputs if j is not None and j < len(rank)]
        rank.append(1 + max(ranks) if ranks else 0)
    if not rank:
        return "TB"
    levels = max(rank) + 1
    fields = [
        [_CHAR * len(text) + 16 for text in (b.name, b.widest_data, b.widest_grad)] for b in boxes
    ]
    # Either way a box stacks its three rows: top to bottom the ranks are rows of boxes,
    # left to right they are columns.
    across = [0.0] * levels
    down = [0.0] * levels
    column = [0.0] * levels
    for r, widths in zip(rank, fields, strict=True):
        across[r] += max(widths) + 36
        down[r] += 3 * _ROW + 18
        column[r] = max(column[r], max(widths))
    # Between two ranks of boxes: an op's oval and two gaps (and the edges' labels).
    tb = (max(across), levels * (3 * _ROW) + (levels - 1) * 110)
    lr = (sum(column) + (levels - 1) * 150, max(down))

    def scale(size: tuple[float, float]) -> float:
        return min(viewer[0] / size[0], viewer[1] / size[1])

    return "LR" if scale(lr) > 1.05 * scale(tb) else "TB"


def dot_source(boxes: Sequence[NodeBox], rankdir: str = "auto") -> str:
    """The DOT text of the one layout: a record per box, an oval per op, ids as above."""
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {RANKDIRS}, not {rankdir!r}")
    if rankdir == "auto":
        rankdir = choose_rankdir(boxes)
    large = len(boxes) > LARGE
    speed = " mclimit=0.3 nslimit=1 nslimit1=1 searchsize=10" if large else ""
    # Many labelled edges between two ranks (a grouped layer reads 16 neurons, 16 times) laid
    # out as labels stretch the drawing into a thin column: place those after the layout.
    labelled = sum(1 for box in boxes for text in box.edge_labels if text)
    label = "xlabel" if large or labelled > MANY_LABELS * max(1, len(boxes)) else "label"
    # Top to bottom, two edge labels into one op sit side by side: give them room.
    nodesep = 0.25 if rankdir in ("LR", "RL") else 0.5
    lines = [
        "digraph autograd {",
        f"  graph [rankdir={rankdir} fontname={FONT} nodesep={nodesep} ranksep=0.45{speed}];",
        f"  node [fontname={FONT} fontsize=12];",
        "  edge [arrowsize=0.7];",
    ]
    # A box and its op's oval share a group: dot keeps the edge between them short and
    # straight, even where a box read by many ops would otherwise drift away from its oval.
    for i, box in enumerate(boxes):
        fields = "|".join(_record(t) for t in (box.name, box.widest_data, box.widest_grad))
        # Name, data and grad stacked: a record lays its fields across the rank direction,
        # and braces turn them a quarter (side by side, left to right, is a thin strip).
        stacked = fields if rankdir in ("LR", "RL") else "{" + fields + "}"
        lines.append(
            f'  n{i} [id="n{i}" group=g{i} class="value {box.kind}" shape=record style=filled '
            f"label={_quote(stacked, escaped=True)}];"
        )
        if not box.op:
            continue
        lines.append(
            f'  n{i}_op [id="n{i}_op" group=g{i} class="op" shape=ellipse height=0.3 '
            f"label={_quote(box.op)}];"
        )
        for j, parent in enumerate(box.inputs):
            if parent is None:
                continue
            text = box.edge_labels[j] if j < len(box.edge_labels) else ""
            extra = f" {label}={_quote(text)} fontname={FONT} fontsize=12" if text else ""
            lines.append(f'  n{parent} -> n{i}_op [id="n{i}_e{j}"{extra}];')
        lines.append(f'  n{i}_op -> n{i} [id="n{i}_out"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


_EDGE_LABEL = re.compile(
    r'(<g id="n\d+_e\d+" class="edge">\s*<path [^>]*/>\s*<polygon [^>]*/>\s*)<text ([^>]*)>'
)
_NODE_BLOCK = re.compile(r'<g id="(n\d+)" class="node value[^"]*">(.*?)</g>', re.DOTALL)
_TEXT = re.compile(r"<text ([^>]*)>[^<]*</text>")


def _name_texts(match: re.Match[str]) -> str:
    """Give a value box's three texts ids and classes, so a frame can find and change them."""
    node_id, body = match[1], match[2]
    roles = iter(("name", "data", "grad"))

    def named(text: re.Match[str]) -> str:
        role = next(roles, None)
        if role is None:  # pragma: no cover - a record always has exactly three fields
            raise RuntimeError(f"the box {node_id} has more than three texts")
        return f'<text id="{node_id}_{role}" class="{role}" {text[1]}></text>'

    head = match[0][: match[0].index(">") + 1]
    return head + _TEXT.sub(named, body) + "</g>"


def layout_svg(boxes: Sequence[NodeBox], rankdir: str = "auto") -> str:
    """Lay the graph out once with ``dot`` and return the SVG, texts empty, ids in place.

    Comments, Graphviz's ``<title>`` tooltips and the attributes repeated on every text,
    line and arrowhead (font, anchor, fill, stroke) are dropped (together about half the
    bytes of a big graph); the stylesheet :data:`SVG_STYLE` is added and sets them once.
    Edge labels are laid out but hidden until their edge is ``sending``. ``rankdir`` is a
    Graphviz direction or ``"auto"`` (:func:`choose_rankdir`).
    """
    svg = svg_from_dot(dot_source(boxes, rankdir))
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<!--.*?-->\n?", "", svg, flags=re.DOTALL)
    svg = re.sub(r"<title>[^<]*</title>\n?", "", svg)
    # Attributes every text, line and arrowhead repeats are said once in the stylesheet.
    svg = svg.replace(f' font-family="{FONT},monospace" font-size="12.00"', "")
    svg = svg.replace(' text-anchor="middle"', "")
    svg = re.sub(r'<(path|polyline|ellipse) fill="none" stroke="black"', r"<\1", svg)
    svg = re.sub(
        r'(<g id="n\d+_(?:e\d+|out)" class="edge">\s*<path [^>]*/>\s*<polygon) '
        r'fill="black" stroke="black"',
        r"\1",
        svg,
    )
    svg = re.sub(
        r'(<g id="n\d+" class="node value[^"]*">\s*<polygon) fill="lightgrey" '
        r'stroke="black"',
        r"\1",
        svg,
    )
    svg = _NODE_BLOCK.sub(_name_texts, svg)
    svg = _EDGE_LABEL.sub(r'\1<text class="edge-label" \2>', svg)
    # The page sets the size and the view itself; a static frame keeps Graphviz's size.
    return svg.replace(">", f"><style>{SVG_STYLE}</style>", 1)


def apply_frame(
    svg: str,
    texts: Mapping[str, str],
    classes: Mapping[str, str],
) -> str:
    """The laid-out ``svg`` showing one frame, as a standalone picture.

    Args:
        svg: the output of :func:`layout_svg`.
        texts: element id (``n3_data``) -> the text it shows.
        classes: element id (``n3``, ``n3_op``, ``n3_e0``, ``n3_grad``) -> extra CSS classes
            (``sending`` on an edge shows its label).
    """

    def text(match: re.Match[str]) -> str:
        element_id = match[1]
        extra = classes.get(element_id, "")
        cls = f"{match[2]} {extra}" if extra else match[2]
        content = html.escape(texts.get(element_id, ""))
        return f'<text id="{element_id}" class="{cls}"{match[3]}>{content}</text>'

    svg = re.sub(r'<text id="([^"]+)" class="([^"]+)"([^>]*)></text>', text, svg)

    def group(match: re.Match[str]) -> str:
        extra = classes.get(match[1])
        return match[0] if not extra else f'<g id="{match[1]}" class="{match[2]} {extra}"'

    return re.sub(r'<g id="([^"]+)" class="([^"]+)"', group, svg)

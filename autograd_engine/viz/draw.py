"""Drawing a computation graph with Graphviz: one box per Value, one small oval per op.

Each Value becomes a record ``{ name | data  x.xxxx | grad  g.gggg }``, and each non-leaf
Value gets an oval naming the op that made it, with edges ``parent -> op -> value`` in
argument order. So ``e = a * b`` is drawn ``a -> (*) -> e <- (*) <- b``, and a node used
twice (``x * x``) sends two edges into the same op. The backward pass runs along those
edges the other way: each edge carries one term of the chain rule.

Reading a drawing:

* **colours**: light blue for leaves (inputs and parameters), grey for intermediate
  nodes, amber for the output (the root);
* **thick red outline**: a highlighted node (``highlight=``; the stepper's node about to fire);
* **red edges with a label**: edges given in ``edge_labels=`` (the stepper's chain-rule terms);
* **dashed outline**: in a partial drawing (``depth=``), a node with neighbours left out;
* **names**: a node's ``label``, or its id ``n<i>`` if it has none.

Every number is printed fixed-width and sign-padded (``f"{x: .4f}"``) in a monospace font,
so a sequence of drawings of the same graph (the stepper's frames) does not jitter. Node ids
come from topological position (``n0, n1, ...``, ops ``n<i>_op``), so the DOT source of a
graph is the same on every run.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

from ..graph import topological_order
from ..value import Value
from .render import svg_from_dot

try:
    import graphviz
except ImportError as error:  # pragma: no cover - depends on the installation
    raise ImportError(
        "autograd_engine.viz needs the `graphviz` Python package, part of the `viz` extra: "
        "pip install 'autograd-engine[viz]'"
    ) from error

__all__ = ["GraphDrawing", "check_node_count", "draw_dot", "escape_record", "render_svg"]

FONT = "Courier"
LEAF_COLOUR = "#cfe8fc"
INTERMEDIATE_COLOUR = "#eeeeee"
OUTPUT_COLOUR = "#fde9a9"
HIGHLIGHT_COLOUR = "#d62728"

_RANKDIRS = ("LR", "RL", "TB", "BT")

# Characters with a meaning inside a record label, and how to write them literally. Spaces
# are escaped too: Graphviz would otherwise collapse the padding of fixed-width numbers.
_RECORD_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "{": "\\{",
    "}": "\\}",
    "|": "\\|",
    "<": "\\<",
    ">": "\\>",
    " ": "\\ ",
    "\t": "\\ ",
    "\n": "\\n",
    "\r": "",
}


class GraphDrawing(graphviz.Digraph):  # type: ignore[misc]
    """A ``graphviz.Digraph`` that renders with ``dot`` or, failing that, ``graphviz-pure``.

    Everything a Digraph does works (``.source``, ``.render()``, ``.pipe()``); displaying it
    in Jupyter, where it shows inline, uses the same fallback as :func:`render_svg`.
    """

    def _repr_image_svg_xml(self) -> str:
        return svg_from_dot(self.source)


def escape_record(text: str) -> str:
    """``text`` escaped for a Graphviz record field, so it is drawn exactly as written.

    >>> escape_record("a|b{c}<d>")
    'a\\\\|b\\\\{c\\\\}\\\\<d\\\\>'
    """
    return "".join(_RECORD_ESCAPES.get(char, char) for char in text)


def _escape_plain(text: str) -> Any:
    """``text`` for an ordinary (non-record) label: only backslashes and quotes are special."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return graphviz.nohtml(escaped)  # never read as an HTML label, even if it looks like one


def check_node_count(count: int, max_nodes: int) -> None:
    """Raise ValueError if a drawing would have more than ``max_nodes`` Value nodes."""
    if count > max_nodes:
        raise ValueError(
            f"the graph has {count} Value nodes, more than max_nodes={max_nodes}: a drawing "
            f"that big is slow to lay out and hard to read. Raise the limit "
            f"(max_nodes={count}) or draw the neighbourhood of one node, e.g. "
            f"draw_dot(root, focus=node, depth=2) for the nodes within 2 hops of it."
        )


def _check_options(root: object, rankdir: str, max_nodes: int, precision: int) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot: root must be a Value, not {type(root).__name__}")
    if rankdir not in _RANKDIRS:
        raise ValueError(f"draw_dot: rankdir must be one of {_RANKDIRS}, not {rankdir!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw_dot: max_nodes must be a positive integer, not {max_nodes!r}")
    if isinstance(precision, bool) or not isinstance(precision, int) or not 0 <= precision <= 17:
        raise ValueError(f"draw_dot: precision must be an integer from 0 to 17, not {precision!r}")


def _as_nodes(
    nodes: Value | Iterable[Value] | None, what: str, graph: Mapping[Value, int]
) -> set[Value]:
    if nodes is None:
        return set()
    items = [nodes] if isinstance(nodes, Value) else list(nodes)
    for item in items:
        if not isinstance(item, Value):
            raise TypeError(f"draw_dot: {what} must be Values, not {type(item).__name__}")
        if item not in graph:
            raise ValueError(f"draw_dot: {what} {item!r} is not in the graph of root")
    return set(items)


def _consumers(order: list[Value]) -> dict[Value, list[Value]]:
    """For each node, the nodes computed from it (its children), in topological order."""
    consumers: dict[Value, list[Value]] = {node: [] for node in order}
    for node in order:
        for parent in node.parents:
            consumers[parent].append(node)
    return consumers


def _neighbourhood(focus: Value, depth: int, consumers: Mapping[Value, list[Value]]) -> set[Value]:
    """The nodes at most ``depth`` edges from ``focus``, following edges either way."""
    seen = {focus}
    frontier: deque[tuple[Value, int]] = deque([(focus, 0)])
    while frontier:
        node, hops = frontier.popleft()
        if hops == depth:
            continue
        for neighbour in (*node.parents, *consumers[node]):
            if neighbour not in seen:
                seen.add(neighbour)
                frontier.append((neighbour, hops + 1))
    return seen


def draw_dot(
    root: Value,
    rankdir: str = "LR",
    show_grad: bool = True,
    highlight: Value | Iterable[Value] | None = None,
    max_nodes: int = 500,
    *,
    focus: Value | None = None,
    depth: int | None = None,
    precision: int = 4,
    grads: Mapping[Value, float] | None = None,
    edge_labels: Mapping[tuple[Value, int], str] | None = None,
    title: str | None = None,
) -> GraphDrawing:
    """Draw the computation graph that produced ``root``.

    Args:
        root: the output Value; every node it depends on is drawn.
        rankdir: layout direction, ``"LR"`` (inputs on the left), ``"TB"``, ``"RL"``, ``"BT"``.
        show_grad: also print each node's gradient.
        highlight: a node (or several) to outline in thick red.
        max_nodes: the most Value nodes to draw; more raises ``ValueError`` (see ``depth``).
        focus: with ``depth``, the node to centre a partial drawing on (default ``root``).
        depth: draw only the nodes at most ``depth`` edges from ``focus``, following edges
            both ways (0: the focus alone; 1: its inputs and the nodes made from it; ...).
            Nodes with neighbours left out get a dashed outline.
        precision: digits after the decimal point for data and grad.
        grads: the gradients to print instead of each node's ``.grad`` (a node missing from
            the mapping prints 0); :class:`~autograd_engine.viz.BackwardStepper` passes a
            frame's gradients here.
        edge_labels: edges to mark in red with a label: key ``(node, i)`` is the edge from
            ``node.parents[i]`` into ``node``'s op.
        title: a caption printed above the graph.

    Returns:
        A :class:`GraphDrawing` (a ``graphviz.Digraph``): ``.source`` is the DOT text; in
        Jupyter it displays inline; :func:`render_svg` gives the SVG.

    Raises:
        ValueError: more than ``max_nodes`` nodes, or an option out of range.
    """
    _check_options(root, rankdir, max_nodes, precision)
    order = topological_order(root)
    position = {node: i for i, node in enumerate(order)}
    if focus is not None and depth is None:
        raise ValueError("draw_dot: focus= needs depth=, the number of edges to draw around it")
    consumers: dict[Value, list[Value]] = {}
    shown: set[Value] | None = None  # None: the whole graph
    if depth is not None:
        if isinstance(depth, bool) or not isinstance(depth, int) or depth < 0:
            raise ValueError(f"draw_dot: depth must be a non-negative integer, not {depth!r}")
        (centre,) = _as_nodes(root if focus is None else focus, "focus", position)
        consumers = _consumers(order)
        shown = _neighbourhood(centre, depth, consumers)
    check_node_count(len(order) if shown is None else len(shown), max_nodes)
    highlighted = _as_nodes(highlight, "highlight", position)
    marks = dict(edge_labels or {})
    for node, index in marks:
        if node not in position or not 0 <= index < len(node.parents):
            raise ValueError(f"draw_dot: edge_labels has no edge ({node!r}, {index}) in the graph")

    drawing = GraphDrawing(
        name="autograd",
        graph_attr={"rankdir": rankdir, "fontname": FONT, "fontsize": "12"},
        node_attr={"fontname": FONT, "fontsize": "12"},
        edge_attr={"fontname": FONT, "fontsize": "10", "arrowsize": "0.7"},
    )
    if title is not None:
        drawing.attr(label=_escape_plain(title), labelloc="t", labeljust="l")

    def number(x: float) -> str:
        return f"{x: .{precision}f}"

    for i, node in enumerate(order):
        if shown is not None and node not in shown:
            continue
        name = node.label or f"n{i}"
        fields = [name, f"data {number(node.data)}"]
        if show_grad:
            gradient = node.grad if grads is None else grads.get(node, 0.0)
            fields.append(f"grad {number(gradient)}")
        kind = "output" if node is root else "leaf" if node.is_leaf else "intermediate"
        colour = {"output": OUTPUT_COLOUR, "leaf": LEAF_COLOUR}.get(kind, INTERMEDIATE_COLOUR)
        classes = ["value", kind]
        style = "filled"
        attributes: dict[str, str] = {}
        if node in highlighted:
            classes.append("highlighted")
            attributes = {"color": HIGHLIGHT_COLOUR, "penwidth": "3"}
        if shown is not None and any(n not in shown for n in (*node.parents, *consumers[node])):
            classes.append("cut")
            style = "filled,dashed"
        drawing.node(
            f"n{i}",
            label="{" + "|".join(escape_record(field) for field in fields) + "}",
            shape="record",
            style=style,
            fillcolor=colour,
            **attributes,
            **{"class": " ".join(classes)},
        )
        if node.is_leaf:
            continue
        op_id = f"n{i}_op"
        drawing.node(
            op_id, label=_escape_plain(node.op), shape="ellipse", height="0.3", **{"class": "op"}
        )
        for index, parent in enumerate(node.parents):
            if shown is not None and parent not in shown:
                continue
            if (node, index) in marks:
                drawing.edge(
                    f"n{position[parent]}",
                    op_id,
                    label=_escape_plain(marks[node, index]),
                    color=HIGHLIGHT_COLOUR,
                    fontcolor=HIGHLIGHT_COLOUR,
                    penwidth="2",
                    **{"class": "marked"},
                )
            else:
                drawing.edge(f"n{position[parent]}", op_id)
        drawing.edge(op_id, f"n{i}")
    return drawing


def render_svg(root: Value, **options: Any) -> str:
    """SVG text of :func:`draw_dot` ``(root, **options)``, rendered by ``dot`` or ``graphviz-pure``.

    Raises:
        RendererNotFoundError: neither renderer is installed (the message says how to get one).
    """
    return svg_from_dot(draw_dot(root, **options).source)

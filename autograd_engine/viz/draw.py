"""Drawing a computation graph with Graphviz: one box per Value, one small oval per op.

Each Value becomes a record ``{ name | data x | grad g }``, and each non-leaf Value gets an
oval naming the op that made it, with edges ``parent -> op -> value`` in argument order. So
``e = a * b`` is drawn ``a -> (*) -> e <- (*) <- b``, and a node used twice (``x * x``) sends
two edges into the same op. The backward pass runs along those edges the other way: each
edge carries one term of the chain rule, the gradient above times the op's local derivative
(hover over an oval or an edge to see that derivative, or pass ``rules=True`` to write it on
the edges).

Reading a drawing:

* **colours** (the one language of :mod:`autograd_engine.palette`): light blue for leaves
  (inputs and parameters), grey for intermediate nodes, amber for the output (the root),
  green for a collapsed group (``group=``). After ``backward()`` each edge is coloured by the
  sign of the chain-rule term it carried back to its input: **blue positive, orange
  negative** (black: zero), as the network view colours weights and gradients;
* **constants** (the ``0.01`` of ``x * 0.01``) are no box of their own: they are written in
  their op's oval (``* 0.01``, ``+ 1``), since nothing upstream can change them;
* **thick red outline**: a highlighted node (``highlight=``; the stepper's node about to fire);
* **red edges with a label**: edges given in ``edge_labels=`` (the stepper's chain-rule terms);
* **dashed outline**: in a partial drawing (``depth=``), a box with neighbours left out;
* **names**: from :func:`~autograd_engine.viz.format.node_names`: a node's ``label``, a
  module output's scope path, or its op and an index (``tanh#3``).

Every number goes through :func:`~autograd_engine.viz.format.format_number` (4 significant
digits, scientific notation when tiny or huge), as in the stepper and ``print_graph``. DOT
ids come from topological position (``n0, n1, ...``, ops ``n<i>_op``, groups ``g<k>``), so the
DOT source of a graph is the same on every run.
"""

from __future__ import annotations

import math
import re
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from typing import Any

from .. import palette
from ..graph import topological_order
from ..value import Value
from .format import format_number, node_names, op_label, rule_text
from .group import group_nodes, group_outputs
from .layout import RANKDIRS, NodeBox, choose_rankdir
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
LEAF_COLOUR = palette.LEAF_FILL
INTERMEDIATE_COLOUR = palette.INTERMEDIATE_FILL
OUTPUT_COLOUR = palette.OUTPUT_FILL
HIGHLIGHT_COLOUR = palette.GRAD
GROUP_COLOUR = palette.GROUP_FILL

#: What a box stands for: one node, or a group of them (by its name, see ``group=``).
Unit = Value | str

_RANKDIRS = RANKDIRS

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
    if isinstance(precision, bool) or not isinstance(precision, int) or not 1 <= precision <= 17:
        raise ValueError(f"draw_dot: precision must be an integer from 1 to 17, not {precision!r}")


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


def _neighbourhood(focus: Unit, depth: int, adjacency: Mapping[Unit, list[Unit]]) -> set[Unit]:
    """The boxes at most ``depth`` edges from ``focus``, following edges either way."""
    seen = {focus}
    frontier: deque[tuple[Unit, int]] = deque([(focus, 0)])
    while frontier:
        unit, hops = frontier.popleft()
        if hops == depth:
            continue
        for neighbour in adjacency[unit]:
            if neighbour not in seen:
                seen.add(neighbour)
                frontier.append((neighbour, hops + 1))
    return seen


def _natural(name: str) -> list[tuple[int, str]]:
    """A sort key that orders the numbers inside names by value (``neurons.2 < neurons.10``)."""
    return [
        (0, part) if not part.isdigit() else (1, f"{int(part):020d}")
        for part in re.split(r"(\d+)", name)
    ]


def _shared_parameters(drawn: list[Value], groups: Mapping[Value, str]) -> set[Value]:
    """Leaves read only by several calls of one scope (``neurons.3``, ``neurons.3#2``...).

    A neuron's weights on a batch of examples, or an RNN cell's at every time step: they
    belong to no single call, and drawing them as boxes would bury the grouped view, so a
    grouped drawing leaves them out (each group box still counts the nodes it holds).
    """
    readers: dict[Value, set[str]] = {}
    for node in drawn:
        for parent in node.parents:
            if parent.is_leaf and parent not in groups:
                readers.setdefault(parent, set()).add(groups.get(node, ""))
    return {
        leaf
        for leaf, names in readers.items()
        if len(names) > 1 and "" not in names and len({_SUFFIX.sub("", n) for n in names}) == 1
    }


_SUFFIX = re.compile(r"#\d+$")


def _number_fields(data: float, grad: float | None, digits: int) -> list[str]:
    fields = [f"data {format_number(data, digits)}"]
    if grad is not None:
        fields.append(f"grad {format_number(grad, digits)}")
    return fields


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
    group: str | None = None,
    rules: bool = False,
) -> GraphDrawing:
    """Draw the computation graph that produced ``root``.

    Args:
        root: the output Value; every node it depends on is drawn.
        rankdir: layout direction, ``"LR"`` (inputs on the left), ``"TB"``, ``"RL"``, ``"BT"``,
            or ``"auto"``: the one a wide window shows largest (top to bottom for a deep,
            narrow graph; see :func:`~autograd_engine.viz.layout.choose_rankdir`).
        show_grad: also print each node's gradient.
        highlight: a node (or several) to outline in thick red (a grouped node outlines its
            group).
        max_nodes: the most boxes to draw; more raises ``ValueError`` (see ``depth``, ``group``).
        focus: with ``depth``, the node to centre a partial drawing on (default ``root``).
        depth: draw only the boxes at most ``depth`` edges from ``focus``, following edges
            both ways (0: the focus alone; 1: its inputs and the boxes made from it; ...).
            Boxes with neighbours left out get a dashed outline.
        precision: significant digits of data and grad (see :func:`format_number`).
        grads: the gradients to print instead of each node's ``.grad`` (a node missing from
            the mapping prints 0); the stepper passes a frame's gradients here.
        edge_labels: edges to mark in red with a label: key ``(node, i)`` is the edge from
            ``node.parents[i]`` into ``node``'s op.
        title: a caption printed above the graph.
        group: ``"neuron"`` or ``"layer"`` (any scope kind): collapse each such scope of an
            ``nn`` network into one box with its outputs' data and grad and the number of
            nodes inside (see :func:`~autograd_engine.viz.group.group_nodes`).
        rules: also write each edge's local derivative (``1 - out²``) on it. Without it
            the rules are tooltips of the op ovals and edges (hover in a browser).

    Returns:
        A :class:`GraphDrawing` (a ``graphviz.Digraph``): ``.source`` is the DOT text; in
        Jupyter it displays inline; :func:`render_svg` gives the SVG.

    Raises:
        ValueError: more than ``max_nodes`` boxes, no scope of kind ``group``, or an option
            out of range.
    """
    _check_options(root, rankdir, max_nodes, precision)
    order = topological_order(root)
    position = {node: i for i, node in enumerate(order)}
    names = node_names(order)
    if focus is not None and depth is None:
        raise ValueError("draw_dot: focus= needs depth=, the number of edges to draw around it")
    if depth is not None and (isinstance(depth, bool) or not isinstance(depth, int) or depth < 0):
        raise ValueError(f"draw_dot: depth must be a non-negative integer, not {depth!r}")
    groups = {} if group is None else group_nodes(order, group)
    outputs = group_outputs(order, groups)
    # Groups are numbered in natural order of their names: layer 0 first, neurons.2 < neurons.10.
    group_ids = {name: f"g{k}" for k, name in enumerate(sorted(outputs, key=_natural))}

    def unit(node: Value) -> Unit:
        return groups.get(node, node)

    def unit_id(box: Unit) -> str:
        return group_ids[box] if isinstance(box, str) else f"n{position[box]}"

    # Constants are drawn inside their op, so they are no box (unless one is the root).
    drawn = [node for node in order if not node.is_constant or node is root]
    if groups:
        hidden = _shared_parameters(drawn, groups)
        drawn = [node for node in drawn if node not in hidden]
    kept = set(drawn)
    adjacency: dict[Unit, list[Unit]] = {unit(node): [] for node in drawn}
    for node in drawn:
        for parent in node.parents:
            if parent in kept and unit(parent) != unit(node):
                adjacency[unit(parent)].append(unit(node))
                adjacency[unit(node)].append(unit(parent))
    shown: set[Unit] | None = None  # None: the whole graph
    if depth is not None:
        (centre,) = _as_nodes(root if focus is None else focus, "focus", position)
        shown = _neighbourhood(unit(centre), depth, adjacency)
    check_node_count(len(adjacency) if shown is None else len(shown), max_nodes)
    highlighted = {unit(node) for node in _as_nodes(highlight, "highlight", position)}
    marks = dict(edge_labels or {})
    for node, index in marks:
        if node not in position or not 0 <= index < len(node.parents):
            raise ValueError(f"draw_dot: edge_labels has no edge ({node!r}, {index}) in the graph")

    if rankdir == "auto":
        rankdir = choose_rankdir(
            [
                NodeBox(
                    names[node],
                    "",
                    f"data {format_number(node.data, precision)}",
                    f"grad {format_number(node.grad, precision)}",
                    "",
                    tuple(position[p] for p in node.parents),
                )
                for node in order
            ]
        )
    drawing = GraphDrawing(
        name="autograd",
        graph_attr={"rankdir": rankdir, "fontname": FONT, "fontsize": "12"},
        node_attr={"fontname": FONT, "fontsize": "12"},
        edge_attr={"fontname": FONT, "fontsize": "10", "arrowsize": "0.7"},
    )
    if title is not None:
        drawing.attr(label=_escape_plain(title), labelloc="t", labeljust="l")
    if groups:
        # Keep neurons.0, neurons.1, ... in order down each layer, with room for the edges.
        drawing.attr(ordering="out", ranksep="1.5")

    def stack(fields: str) -> str:
        # Name, data and grad stacked vertically: narrow boxes, even for long names. A record
        # lays its fields out across the rank direction, and braces turn it a quarter.
        return fields if rankdir in ("LR", "RL") else "{" + fields + "}"

    def grad_of(node: Value) -> float | None:
        if not show_grad:
            return None
        return node.grad if grads is None else grads.get(node, 0.0)

    def box(box_id: str, fields: list[str], kind: str, colour: str, here: Unit) -> None:
        classes = ["value", kind]
        style = "filled"
        attributes: dict[str, str] = {}
        if here in highlighted:
            classes.append("highlighted")
            attributes = {"color": HIGHLIGHT_COLOUR, "penwidth": "3"}
        if shown is not None and any(n not in shown for n in adjacency[here]):
            classes.append("cut")
            style = "filled,dashed"
        drawing.node(
            box_id,
            label=stack("|".join(escape_record(field) for field in fields)),
            shape="record",
            style=style,
            fillcolor=colour,
            **attributes,
            **{"class": " ".join(classes)},
        )

    def visible(here: Unit) -> bool:
        return shown is None or here in shown

    members = Counter(groups[node] for node in drawn if node in groups)
    incoming: dict[str, dict[Unit, None]] = {name: {} for name in group_ids}
    # Group boxes first, in their names' natural order, so neurons.2 is drawn above neurons.10.
    for name in group_ids:
        if not visible(name):
            continue
        fields = [name, f"{members[name]} nodes"]
        for out in outputs[name]:
            numbers = _number_fields(out.data, grad_of(out), precision)
            if len(outputs[name]) == 1:
                fields += numbers
            else:  # a layer: one line per output, named inside the group (neurons.3)
                fields.append("  ".join([names[out].removeprefix(name + "."), *numbers]))
        kind = "group output" if root in outputs[name] else "group"
        box(group_ids[name], fields, kind, GROUP_COLOUR, name)
    for node in drawn:
        here = unit(node)
        if isinstance(here, str):  # inside a group: the group's box and incoming edges
            for parent in node.parents:
                if parent in kept and unit(parent) != here:
                    incoming[here][unit(parent)] = None
            continue
        if not visible(here):
            continue
        kind = "output" if node is root else "leaf" if node.is_leaf else "intermediate"
        colour = {"output": OUTPUT_COLOUR, "leaf": LEAF_COLOUR}.get(kind, INTERMEDIATE_COLOUR)
        fields = [names[node], *_number_fields(node.data, grad_of(node), precision)]
        box(f"n{position[node]}", fields, kind, colour, here)
        if node.is_leaf:
            continue
        op_id = f"n{position[node]}_op"
        terms = _terms(node) if show_grad and grads is None else None

        def sign_of_term(index: int, terms: tuple[float, ...] | None = terms) -> dict[str, str]:
            # After backward(), each edge has carried grad x local derivative back to its
            # input: coloured by that term's sign, it shows which way the loss pulls there.
            if terms is None or not math.isfinite(terms[index]) or terms[index] == 0:
                return {}
            return {"color": palette.sign_colour(terms[index]), "penwidth": "1.6"}

        rule_lines = [rule_text(node, index, names) for index in range(len(node.parents))]
        drawing.node(
            op_id,
            label=_escape_plain(op_label(node, names)),
            shape="ellipse",
            height="0.3",
            tooltip=_escape_plain("\n".join(line for line in rule_lines if line)),
            **{"class": "op"},
        )
        for index, parent in enumerate(node.parents):
            if parent not in kept or not visible(unit(parent)):
                continue
            source = unit_id(unit(parent))
            if (node, index) in marks:
                drawing.edge(
                    source,
                    op_id,
                    label=_escape_plain(marks[node, index]),
                    color=HIGHLIGHT_COLOUR,
                    fontcolor=HIGHLIGHT_COLOUR,
                    penwidth="2",
                    **{"class": "marked"},
                )
            else:
                extra = dict(sign_of_term(index))
                if rules and rule_lines[index]:
                    rule = _escape_plain(rule_lines[index])
                    drawing.edge(source, op_id, label=rule, tooltip=rule, **extra)
                elif rule_lines[index]:
                    drawing.edge(source, op_id, tooltip=_escape_plain(rule_lines[index]), **extra)
                else:
                    drawing.edge(source, op_id, **extra)
        drawing.edge(op_id, f"n{position[node]}")
    for name, sources in incoming.items():
        if not visible(name):
            continue
        for giver in sources:
            if visible(giver):
                drawing.edge(unit_id(giver), group_ids[name])
    return drawing


def _terms(node: Value) -> tuple[float, ...] | None:
    """The chain-rule term ``node.grad * d(node)/d(input)`` sent to each input, or None."""
    op = node._op
    if op is None or node.grad == 0:
        return None
    try:
        local = op.backward(1.0, node.data, *(parent.data for parent in node.parents))
    except (ArithmeticError, ValueError):  # a rule undefined here (sqrt at 0): no colour
        return None
    return tuple(node.grad * float(d) for d in local)


def render_svg(root: Value, **options: Any) -> str:
    """SVG text of :func:`draw_dot` ``(root, **options)``, rendered by ``dot`` or ``graphviz-pure``.

    Raises:
        RendererNotFoundError: neither renderer is installed (the message says how to get one).
    """
    return svg_from_dot(draw_dot(root, **options).source)

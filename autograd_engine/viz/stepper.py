"""The forward and backward pass as a sequence of frames you can step through.

``backward()`` visits the non-leaf nodes in reverse topological order. At each one it runs
the op's local-gradient rule once: the node's gradient ``g = dL/d(node)``, complete by then
because every node computed from it came earlier, is multiplied by each local derivative
``d(node)/d(parent)`` and *added* to that parent's gradient. A node used twice receives two
terms, one per edge, and fires only after both have arrived: this is the "dynamic
programming" of backpropagation, every shared term computed once.

:class:`BackwardStepper` turns that into frames, in three phases:

1. **forward**: the nodes computed one by one in topological order, their data appearing;
2. **backward**: frame ``k`` shows the gradients after ``k`` steps. Frame 0 has only the
   root's seed ``dL/dL = 1``; the last, ``len(stepper)``, has exactly what ``backward()``
   gives. In every other frame the node about to fire is outlined in red, each edge it is
   about to send gradient along carries its chain-rule product, and the caption writes out
   the rule: the local derivative as a formula (from the op table's ``derivative_text``)
   with its value, the product, and the running sum at each receiving node ("1 of 2 terms
   arrived"). Which terms have arrived is tracked, never guessed from a gradient being 0;
3. **update** (with ``lr=``): ``p.data -= lr * p.grad`` for every parameter.

``grads(k)``, ``caption(k)``, ``firing(k)``, ``svg(k)`` number the *backward* frames, as
``len(stepper)`` counts backward steps; :attr:`BackwardStepper.frames` is the whole sequence
the web page plays. The graph is laid out once (:mod:`.layout`): every frame only changes
texts and colours, so nothing moves, and the page stores one SVG plus what each frame changes.
Numbers never touch any ``.grad`` or ``.data``: everything comes from
:func:`~autograd_engine.backward_steps`.

A whole network is too many frames one node at a time: ``group="neuron"`` (or ``"layer"``)
steps one box per neuron, and ``focus=node, depth=k`` only the boxes near one node
(:mod:`.stepper_group`); the boxes are then :attr:`BackwardStepper.units`.
"""

from __future__ import annotations

import html
import json
import operator
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from ..graph import BackwardStep, backward_steps, topological_order
from ..value import Value
from .draw import GraphDrawing, _shared_parameters, check_node_count, draw_dot
from .format import format_number, node_names
from .group import group_nodes
from .layout import RANKDIRS, NodeBox, apply_frame, layout_svg
from .panel import PanelFrame, panel_frames, panel_pages, shared_parts
from .quiz import ABS_TOL, NUMBER, REL_TOL, Question, questions
from .stepper_group import (
    _EDGE,
    RawFrame,
    Unit,
    build_units,
    grouped_frames,
    restrict,
    unit_neighbourhood,
)
from .stepper_group import symbol as _symbol

__all__ = ["BackwardStepper", "Frame"]

_RANKDIRS = RANKDIRS
_INFIX = ("+", "*")
WAITING = "–"  # what a gradient shows before any term has arrived: not 0, nothing yet
_TITLE = "Stepping through backpropagation"
_QUIZ_TITLE = "Backpropagation quiz: what does each node send?"


@dataclass(frozen=True, slots=True)
class Frame:
    """One frame of the page: what it says and what it changes from the frame before.

    Attributes:
        phase: ``"forward"``, ``"backward"`` or ``"update"``.
        number: the frame's number within its phase (a backward frame's ``k``).
        caption: what happens, with the rule and the numbers (several lines).
        firing: the index (in ``stepper.nodes``, or ``stepper.units`` when grouped or
            focused) of the box computed (forward) or about to fire (backward), or None.
        focus: the nodes the view should centre on: the firing node and its inputs.
        changes: ``(node index, field, text)`` for every shown text or state that differs
            from the frame before; fields are ``data``, ``grad`` (box texts), ``state``
            (``pending``, ``updated`` or ""), ``arrival`` (``waiting``, ``partial``,
            ``complete``) and ``terms`` (``1 of 2``).
        edges: ``(edge id, label)``: the edges highlighted in this frame, with their text.
    """

    phase: str
    number: int
    caption: str
    firing: int | None
    focus: tuple[int, ...]
    changes: tuple[tuple[int, str, str], ...]
    edges: tuple[tuple[str, str], ...]


class BackwardStepper:
    """Step through ``root``'s forward and backward pass one node (one rule) at a time.

    Args:
        root: the output to backpropagate from.
        gradient: the seed dL/dL, as for ``root.backward(gradient)``.
        precision: digits after the decimal point in :meth:`frame`'s standalone drawings.
        rankdir: layout direction, ``"TB"``, ``"LR"``, ``"BT"``, ``"RL"`` or ``"auto"``
            (default: the one a 1400x900 window shows largest, see
            :func:`~autograd_engine.viz.layout.choose_rankdir`).
        max_nodes: the most Value nodes to draw (a bigger graph raises ``ValueError``).
        lr: a learning rate: adds a last frame showing ``p.data -= lr * p.grad``.
        params: the parameters that update frame moves (default: every leaf that is not a
            constant; pass ``model.parameters()`` to leave the inputs alone).
        group: ``"neuron"`` or ``"layer"`` (any scope kind, as for ``draw_dot``): one box
            per scope call showing its output's data and grad, one forward and one backward
            frame per box (see :mod:`.stepper_group`). The per-node methods (:meth:`grads`,
            :meth:`firing`, :meth:`frame`, :meth:`static_frame`) then raise.
        focus, depth: step through only the boxes within ``depth`` edges of ``focus``'s box;
            steps elsewhere are folded into the next frame shown (its caption says so).
        quiz: make the page (:meth:`to_html`, :meth:`widget`) a quiz: before each backward
            step the learner types the term the firing node sends along each edge, incoming
            gradient × local derivative, and the page checks it against the engine, shows
            the rule and the right product when it is wrong, and keeps a score (see
            :mod:`.quiz`; the questions are :meth:`questions`). Not with ``group=`` or
            ``focus=``: a grouped box runs many rules in one frame (its term is a sum over
            the paths inside a neuron, no single rule to show), and a focused view folds
            steps away, so there is no one chain-rule product to ask for; those raise.
        panel: a function ``panel(frame) -> str`` drawing a picture (SVG text) for each frame
            of the page, shown beside the graph and swapped as the slider moves: e.g.
            ``nn.plotting.network_panel(model)``, the network view with the gradients
            complete so far. It is called once per frame with a
            :class:`~.panel.PanelFrame` (the leaves' gradients complete once that frame's
            rules have run, their values, the final gradients); identical pictures are
            stored once (see :mod:`.panel` and :meth:`panels`).

    Constants (numbers mixed into an expression, ``x * 0.01``) get no box, no gradient and
    no row: they are written inside their op.

    >>> from autograd_engine import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> e = a * b
    >>> stepper = BackwardStepper(e)
    >>> len(stepper), stepper.grads(0)[a], stepper.grads(1)[a]
    (1, 0.0, -3.0)
    """

    def __init__(
        self,
        root: Value,
        gradient: float = 1.0,
        *,
        precision: int = 4,
        rankdir: str = "auto",
        max_nodes: int = 500,
        lr: float | None = None,
        params: Iterable[Value] | None = None,
        group: str | None = None,
        focus: Value | None = None,
        depth: int | None = None,
        quiz: bool = False,
        panel: Callable[[PanelFrame], str] | None = None,
    ) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"BackwardStepper: root must be a Value, not {type(root).__name__}")
        if rankdir not in _RANKDIRS:
            raise ValueError(
                f"BackwardStepper: rankdir must be one of {_RANKDIRS}, not {rankdir!r}"
            )
        self.root = root
        #: Every node of the graph but constants, parents before children (drawn ``n<i>``).
        order = topological_order(root)
        self.nodes: list[Value] = [n for n in order if not n.is_constant]
        if (focus is None) != (depth is None):
            raise ValueError("BackwardStepper: focus= and depth= go together (a node and a count)")
        if depth is not None and (
            isinstance(depth, bool) or not isinstance(depth, int) or depth < 0
        ):
            raise ValueError(
                f"BackwardStepper: depth must be a non-negative integer, not {depth!r}"
            )
        if not isinstance(quiz, bool):
            raise TypeError(f"BackwardStepper: quiz must be True or False, not {quiz!r}")
        if quiz and (group is not None or focus is not None):
            shows = (
                "boxes that each run many rules at once"
                if group is not None
                else "part of the graph, folding steps away"
            )
            raise ValueError(
                "BackwardStepper: quiz=True asks for one op's chain-rule term per edge, but "
                f"{'group=' if group is not None else 'focus='} shows {shows}: quiz a small "
                "expression node by node (no group=, no focus=)"
            )
        if group is None and focus is None:
            check_node_count(len(self.nodes), max_nodes)
        if panel is not None and not callable(panel):
            raise TypeError(
                f"BackwardStepper: panel must be a function frame -> SVG text, not {panel!r}"
            )
        #: Whether the page is a quiz (see :mod:`.quiz`).
        self.quiz = quiz
        #: The side panel's drawing function (see :mod:`.panel`), or None.
        self.panel = panel
        self._panels: tuple[list[str], list[int]] | None = None
        self._ran: tuple[tuple[int, ...], ...] | None = None
        self._questions: tuple[Question, ...] | None = None
        self.group = group
        #: One step per non-leaf node, in the order the backward pass runs them.
        self.steps: tuple[BackwardStep, ...] = tuple(backward_steps(root, gradient))
        if quiz and not self.steps:
            raise ValueError(
                f"BackwardStepper: quiz=True, but the root {root!r} is a leaf: there is no "
                "backward step to ask about; quiz an expression built from it"
            )
        self.seed = float(gradient)
        self.lr = None if lr is None else float(lr)
        self._position = {node: i for i, node in enumerate(self.nodes)}
        self._names = node_names(self.nodes)
        if params is None:
            self.params = [n for n in self.nodes if n.is_leaf]
        else:
            self.params = list(params)
            missing = [p for p in self.params if p not in self._position]
            if missing:
                raise ValueError(f"BackwardStepper: params {missing[:3]!r} are not in the graph")
        self._draw_options: dict[str, Any] = {
            "rankdir": rankdir,
            "precision": precision,
            "max_nodes": max_nodes,
        }
        # How many terms each node's gradient sums: one per edge out of it.
        self._expected = dict.fromkeys(self.nodes, 0)
        for node in self.nodes:
            for parent in node.parents:
                if not parent.is_constant:
                    self._expected[parent] += 1
        self._frames: tuple[Frame, ...] | None = None
        self._layout: str | None = None
        #: The boxes drawn when grouped or focused (None: one box per node, all of them).
        self.units: list[Unit] | None = None
        if group is not None or focus is not None:
            self._build_view(order, group, focus, depth)
            check_node_count(len(self.units or ()), max_nodes)

    def _build_view(
        self, order: list[Value], group: str | None, focus: Value | None, depth: int | None
    ) -> None:
        """Boxes and frames for ``group=`` and/or ``focus=``, ``depth=`` (see the class)."""
        if group is not None:
            groups = group_nodes(order, group)
            hidden = _shared_parameters(self.nodes, groups)
            kept = [node for node in self.nodes if node not in hidden]
            units = build_units(kept, groups, self._names, group, self._op_text)
            params = [p for p in self.params if p not in hidden]
            raw = grouped_frames(
                units,
                self.steps,
                self.seed,
                self.lr,
                params,
                self._names,
                lambda node: self._formula(node, numbers=False),
            )
        else:
            units = [
                Unit(
                    self.name(node),
                    "output" if node is self.root else "leaf" if node.is_leaf else "intermediate",
                    self._op_text(node),
                    (node,),
                    (node,),
                    tuple(None if p.is_constant else self._position[p] for p in node.parents),
                )
                for node in self.nodes
            ]
            raw = [_raw(frame) for frame in self._build_frames()]
        if focus is not None:
            assert depth is not None
            centre = next((u for u, unit in enumerate(units) if focus in unit.members), None)
            if centre is None:
                raise ValueError(
                    f"BackwardStepper: focus {focus!r} is not a drawn node of the graph"
                )
            kept_units = unit_neighbourhood(units, centre, depth)
            new = {old: i for i, old in enumerate(kept_units)}
            units = [
                Unit(
                    unit.name,
                    unit.kind,
                    unit.op,
                    unit.members,
                    unit.outputs,
                    tuple(None if v is None else new.get(v) for v in unit.inputs),
                )
                for unit in (units[u] for u in kept_units)
            ]
            raw = restrict(raw, kept_units)
        self.units = units
        self._frames = tuple(_cooked(frame) for frame in raw)
        self._ran = tuple(frame.ran for frame in raw)

    def __len__(self) -> int:
        """The number of backward steps: one per non-leaf node (grouped: per box) shown."""
        if self.units is None:
            return len(self.steps)
        return sum(1 for frame in self.frames if frame.phase == "backward") - 1

    def _per_node(self, method: str) -> None:
        if self.units is not None:
            raise ValueError(
                f"BackwardStepper.{method}() is per node, but this stepper shows "
                f"{'groups' if self.group else 'part of the graph'}: use caption(k), svg(k) "
                "or frames, or make a stepper without group=/focus= for node-by-node numbers"
            )

    # --- the backward pass, frame by frame --------------------------------------------------

    def _frame_index(self, k: object) -> int:
        try:
            index = operator.index(k)  # type: ignore[arg-type]
        except TypeError:
            raise TypeError(f"frame number must be an integer, not {type(k).__name__}") from None
        if not 0 <= index <= len(self):
            raise IndexError(f"frame {index} is out of range: frames go from 0 to {len(self)}")
        return index

    def name(self, node: Value) -> str:
        """What the drawings call ``node``: its label, or its op and position (``tanh#3``)."""
        if node.is_constant:
            return format_number(node.data)
        return self._names[node]

    def grads(self, k: int) -> dict[Value, float]:
        """Every node's gradient dL/d(node) after ``k`` backward steps (0.0 before any arrives).

        ``grads(0)`` has only the seed at the root; ``grads(len(self))`` equals the ``.grad``
        values ``root.backward()`` leaves on a fresh graph, term for term in the same order.
        Whether a 0.0 means "nothing arrived yet" or "terms arrived and sum to 0" is
        :meth:`arrived`'s to say.
        """
        self._per_node("grads")
        k = self._frame_index(k)
        gradients = dict.fromkeys(self.nodes, 0.0)
        gradients[self.root] += self.seed
        for step in self.steps[:k]:
            for parent, term in zip(step.node.parents, step.parent_grads, strict=True):
                if not parent.is_constant:
                    gradients[parent] += term
        return gradients

    def arrived(self, k: int) -> set[tuple[Value, int]]:
        """The edges whose chain-rule term has arrived after ``k`` backward steps.

        An edge is ``(consumer, i)``: the term ``dL/d(consumer) * d(consumer)/d(input i)``
        sent to ``consumer.parents[i]``. A node's gradient is complete when all its edges out
        are in this set; that is tracked, so a complete gradient of exactly 0 shows as such.
        """
        self._per_node("arrived")
        k = self._frame_index(k)
        return {
            (step.node, i)
            for step in self.steps[:k]
            for i, parent in enumerate(step.node.parents)
            if not parent.is_constant
        }

    def terms_arrived(self, k: int) -> dict[Value, tuple[int, int]]:
        """For each node, ``(terms arrived, terms expected)`` after ``k`` backward steps.

        The root counts its seed as its one term, present from frame 0.
        """
        counts = {node: (0, self._expected[node]) for node in self.nodes}
        counts[self.root] = (1, 1)
        for consumer, i in self.arrived(k):
            parent = consumer.parents[i]
            done, expected = counts[parent]
            counts[parent] = (done + 1, expected)
        return counts

    def firing(self, k: int) -> BackwardStep | None:
        """The step about to run at frame ``k`` (None at the last frame, when all have run)."""
        self._per_node("firing")
        k = self._frame_index(k)
        return self.steps[k] if k < len(self.steps) else None

    def caption(self, k: int) -> str:
        """What happens at backward frame ``k``: the rule and the numbers, one line per edge."""
        k = self._frame_index(k)
        return self.frames[self.backward_start + k].caption

    # --- formulas -----------------------------------------------------------------------

    def _symbol(self, node: Value) -> str:
        return _symbol(self.name(node))

    def _op_text(self, node: Value) -> str:
        """The op's name with its constants written in: ``*``, ``* 0.01``, ``0.5 *``, ``tanh``."""
        constants = [format_number(p.data) if p.is_constant else "" for p in node.parents]
        if len(constants) == 2 and any(constants) and node.op in _INFIX:
            return " ".join(t for t in (constants[0], node.op, constants[1]) if t)
        return node.op

    def _formula(self, node: Value, numbers: bool) -> str:
        """How ``node`` is made, with names (``x1 * w1``) or with values (``2 * -3``)."""
        inputs = [
            format_number(p.data) if numbers or p.is_constant else self._symbol(p)
            for p in node.parents
        ]
        if node.op in _INFIX and len(inputs) == 2:
            return f"{inputs[0]} {node.op} {inputs[1]}"
        if node.op.startswith("**") and len(inputs) == 1:
            return f"{inputs[0]}{node.op}"
        # Inside a call's parentheses a name needs no brackets of its own.
        plain = [
            format_number(p.data) if numbers or p.is_constant else self.name(p)
            for p in node.parents
        ]
        return f"{node.op}({', '.join(plain)})"

    def _derivative_formula(self, node: Value, index: int) -> str | None:
        """``op.derivative_text[index]`` written with this node's names, or None if not given."""
        op = node._op
        texts = () if op is None else op.derivative_text
        if index >= len(texts) or not texts[index]:
            return None
        names = {"out": self._symbol(node)}
        parents = node.parents
        names["x"] = names["a"] = self._symbol(parents[0])
        if len(parents) > 1:
            names["b"] = self._symbol(parents[1])
        # Whole words only; "²" counts as a word character to \b, so spell the edges out.
        word = r"(?<![A-Za-z0-9_])(out|x|a|b)(?![A-Za-z0-9_])"
        return re.sub(word, lambda m: names.get(m[1], m[1]), texts[index])

    # --- building the frames --------------------------------------------------------------

    @property
    def frames(self) -> tuple[Frame, ...]:
        """Every frame the page plays: forward, backward (from :attr:`backward_start`), update."""
        if self._frames is None:
            self._frames = tuple(self._build_frames())
        return self._frames

    @property
    def backward_start(self) -> int:
        """The index in :attr:`frames` of backward frame 0 (after the forward frames)."""
        if self.units is not None:
            return next(i for i, frame in enumerate(self.frames) if frame.phase == "backward")
        return sum(1 for node in self.nodes if not node.is_leaf) + 1

    def _build_frames(self) -> list[Frame]:
        nodes, position = self.nodes, self._position
        state: dict[str, list[str]] = {
            field: [""] * len(nodes) for field in ("data", "grad", "state", "arrival", "terms")
        }

        def set_all(changes: list[tuple[int, str, str]], i: int, **fields: str) -> None:
            for field, text in fields.items():
                if state[field][i] != text:
                    state[field][i] = text
                    changes.append((i, field, text))

        frames: list[Frame] = []
        computed = [node for node in nodes if not node.is_leaf]
        m = len(computed)
        changes: list[tuple[int, str, str]] = []
        for i, node in enumerate(nodes):
            set_all(
                changes,
                i,
                data=f"data {format_number(node.data)}" if node.is_leaf else "data ?",
                grad=f"grad {WAITING}",
                state="" if node.is_leaf else "pending",
                arrival="waiting",
                terms=f"0 of {self._expected[node]}",
            )
        frames.append(
            Frame(
                "forward",
                0,
                f"forward 0/{m}: the leaves hold the inputs and parameters; "
                f"the {m} computed nodes have no value yet.",
                None,
                (),
                tuple(changes),
                (),
            )
        )
        for j, node in enumerate(computed, start=1):
            changes = []
            i = position[node]
            set_all(changes, i, data=f"data {format_number(node.data)}", state="")
            inputs = [position[p] for p in node.parents if not p.is_constant]
            caption = (
                f"forward {j}/{m}: {self.name(node)} = {self._formula(node, numbers=False)} "
                f"= {self._formula(node, numbers=True)} = {format_number(node.data)}"
            )
            edges = [(f"n{i}_e{e}", "") for e, p in enumerate(node.parents) if not p.is_constant]
            frames.append(
                Frame(
                    "forward",
                    j,
                    caption,
                    i,
                    (i, *inputs),
                    tuple(changes),
                    (*edges, (f"n{i}_out", "")),
                )
            )

        # Backward: frame k is the state after k steps, with step k about to fire.
        gradients = dict.fromkeys(nodes, 0.0)
        terms: dict[Value, list[float]] = {node: [] for node in nodes}
        gradients[self.root] = self.seed
        terms[self.root].append(self.seed)
        changes = []
        root_index = position[self.root]
        set_all(
            changes,
            root_index,
            grad=f"grad {format_number(self.seed)}",
            arrival="complete",
            terms="seed",
        )
        n = len(self.steps)
        for k in range(n + 1):
            if k > 0:
                for parent, term in zip(
                    self.steps[k - 1].node.parents, self.steps[k - 1].parent_grads, strict=True
                ):
                    if parent.is_constant:
                        continue
                    gradients[parent] += term
                    terms[parent].append(term)
                    done, expected = len(terms[parent]), self._expected[parent]
                    text = f"grad {format_number(gradients[parent])}"
                    set_all(
                        changes,
                        position[parent],
                        grad=text if done == expected else f"{text} ({done}/{expected})",
                        arrival="complete" if done == expected else "partial",
                        terms=f"{done} of {expected}",
                    )
            frames.append(self._backward_frame(k, tuple(changes), gradients, terms))
            changes = []
        if self.lr is not None:
            frames.append(self._update_frame(gradients))
        return frames

    def _backward_frame(
        self,
        k: int,
        changes: tuple[tuple[int, str, str], ...],
        gradients: dict[Value, float],
        terms: dict[Value, list[float]],
    ) -> Frame:
        n = len(self.steps)
        root = self._symbol(self.root)
        if k == n:
            caption = (
                f"backward {n}/{n}: done. Every node holds ∂{root}/∂node, "
                "exactly what backward() gives."
            )
            return Frame("backward", k, caption, None, (), changes, ())
        step = self.steps[k]
        node = step.node
        i = self._position[node]
        this = self._symbol(node)
        local = _local_derivatives(node)
        g = format_number(step.grad)
        if node is self.root:
            why = "the seed"
        else:
            count = self._expected[node]
            why = "its only term has arrived" if count == 1 else f"all {count} terms have arrived"
        lines = [
            f"backward {k}/{n}: {self.name(node)} = {self._formula(node, numbers=False)} fires. "
            f"∂{root}/∂{this} = {g} is complete ({why})."
        ]
        edges = []
        pending: dict[Value, list[float]] = {}
        for index, (parent, derivative, term) in enumerate(
            zip(node.parents, local, step.parent_grads, strict=True)
        ):
            if parent.is_constant:
                continue
            that = self._symbol(parent)
            formula = self._derivative_formula(node, index)
            rule = f"∂{this}/∂{that} = " + ("" if formula is None else f"{formula} = ")
            rule += format_number(derivative)
            product = f"{g} × {format_number(derivative)} = {format_number(term)}"
            so_far = pending.setdefault(parent, list(terms[parent]))
            so_far.append(term)
            expected = self._expected[parent]
            total = format_number(sum(so_far))
            if len(so_far) == 1:
                running = f"∂{root}/∂{that} = {total}"
            else:
                running = f"∂{root}/∂{that} = {' + '.join(map(format_number, so_far))} = {total}"
            if expected == 1:
                status = "its only term arrived"
            elif len(so_far) == expected:
                status = "both terms arrived" if expected == 2 else f"all {expected} terms arrived"
            else:
                status = f"{len(so_far)} of {expected} terms arrived"
            lines.append(
                f"  to {self.name(parent)}: local {rule}; chain rule ∂{root}/∂{that} += {product}; "
                f"{running}, {status}"
            )
            edges.append((f"n{i}_e{index}", product))
        receivers = tuple(self._position[p] for p in node.parents if not p.is_constant)
        return Frame("backward", k, "\n".join(lines), i, (i, *receivers), changes, tuple(edges))

    def _update_frame(self, gradients: dict[Value, float]) -> Frame:
        assert self.lr is not None
        lr = format_number(self.lr)
        changes = []
        lines = [
            f"update: each parameter steps against its gradient, p.data -= lr × p.grad, lr = {lr}"
        ]
        for p in self.params:
            new = p.data - self.lr * gradients[p]
            i = self._position[p]
            changes.append((i, "data", f"data {format_number(new)}"))
            changes.append((i, "state", "updated"))
            if len(lines) <= 8:
                lines.append(
                    f"  {self.name(p)}: {format_number(p.data)} - {lr} × "
                    f"{format_number(gradients[p])} = {format_number(new)}"
                )
        if len(self.params) > 8:
            lines.append(f"  ... and {len(self.params) - 8} more (see the table)")
        return Frame("update", 0, "\n".join(lines), None, (), tuple(changes), ())

    # --- pictures -------------------------------------------------------------------------

    def _boxes(self) -> list[NodeBox]:
        widest: dict[tuple[int, str], str] = {}
        for frame in self.frames:
            for i, field, text in frame.changes:
                if field in ("data", "grad") and len(text) > len(widest.get((i, field), "")):
                    widest[i, field] = text
        edge_labels: dict[str, str] = {}
        for frame in self.frames:
            edge_labels.update((edge, label) for edge, label in frame.edges if label)
        boxes = []
        for i, (name, kind, op, inputs) in enumerate(self._box_specs()):
            boxes.append(
                NodeBox(
                    name,
                    kind,
                    widest[i, "data"],
                    widest[i, "grad"],
                    op,
                    inputs,
                    tuple(edge_labels.get(f"n{i}_e{j}", "") for j in range(len(inputs))),
                )
            )
        return boxes

    def _box_specs(self) -> list[tuple[str, str, str, tuple[int | None, ...]]]:
        """Each box's name, kind (its colour), oval text and inputs, in drawing order."""
        if self.units is not None:
            return [(u.name, u.kind, u.op, u.inputs) for u in self.units]
        return [
            (
                self.name(node),
                "output" if node is self.root else "leaf" if node.is_leaf else "intermediate",
                self._op_text(node),
                tuple(None if p.is_constant else self._position[p] for p in node.parents),
            )
            for node in self.nodes
        ]

    def layout(self) -> str:
        """The one SVG every frame is drawn on (laid out by ``dot`` once, then remembered)."""
        if self._layout is None:
            self._layout = layout_svg(self._boxes(), self._draw_options["rankdir"])
        return self._layout

    def page_svg(self, frame: int) -> str:
        """Frame number ``frame`` of :attr:`frames` (any phase) as a standalone SVG."""
        if not 0 <= frame < len(self.frames):
            raise IndexError(f"page frame {frame} is out of range: 0 to {len(self.frames) - 1}")
        texts: dict[str, str] = {}
        fields: dict[tuple[int, str], str] = {}
        for past in self.frames[: frame + 1]:
            for i, field, text in past.changes:
                fields[i, field] = text
        current = self.frames[frame]
        classes: dict[str, str] = {}
        for i, (name, *_) in enumerate(self._box_specs()):
            texts[f"n{i}_name"] = name
            texts[f"n{i}_data"] = fields.get((i, "data"), "")
            texts[f"n{i}_grad"] = fields.get((i, "grad"), "")
            if current.phase != "forward":
                classes[f"n{i}_grad"] = fields.get((i, "arrival"), "")
            if fields.get((i, "state")):
                classes[f"n{i}"] = fields[i, "state"]
        for i in current.focus[1:]:
            classes[f"n{i}"] = (classes.get(f"n{i}", "") + " receiving").strip()
        if current.firing is not None:
            f = current.firing
            classes[f"n{f}"] = (classes.get(f"n{f}", "") + " firing").strip()
            classes[f"n{f}_op"] = "firing"
        for edge, _ in current.edges:
            classes[edge] = "sending" if current.phase == "backward" else "computing"
        title = html.escape(current.caption.split("\n")[0])
        svg = apply_frame(self.layout(), texts, classes)
        return svg.replace("<style>", f"<title>{title}</title><style>", 1)

    def svg(self, k: int) -> str:
        """Backward frame ``k`` as SVG text, on the one layout (no new ``dot`` run)."""
        return self.page_svg(self.backward_start + self._frame_index(k))

    def frame(self, k: int) -> GraphDrawing:
        """A standalone Graphviz drawing of backward frame ``k`` (laid out on its own).

        Prefer :meth:`svg` (same layout in every frame) or :meth:`static_frame` (readable
        neighbourhood of the firing node); this one is kept for ``draw_dot``'s options.
        """
        self._per_node("frame")
        step = self.firing(k)
        labels: dict[tuple[Value, int], str] = {}
        if step is not None:
            local = _local_derivatives(step.node)
            for index, term in enumerate(step.parent_grads):
                labels[step.node, index] = (
                    f"{format_number(step.grad)} × {format_number(local[index])} = "
                    f"{format_number(term)}"
                )
        n = len(self.steps)
        title = f"frame {k}/{n}" + (": done" if step is None else f": {self.name(step.node)} fires")
        return draw_dot(
            self.root,
            highlight=None if step is None else step.node,
            grads=self.grads(k),
            edge_labels=labels,
            title=title,
            **self._draw_options,
        )

    def static_frame(self, k: int, depth: int = 1) -> GraphDrawing:
        """Backward frame ``k`` around its firing node only: readable where no script runs.

        For notebook exports and printed notes: the firing node, the nodes within ``depth``
        edges of it, their gradients at frame ``k``, and the chain-rule products on the edges
        it is about to send along. At the last frame, the neighbourhood of the root.
        """
        self._per_node("static_frame")
        step = self.firing(k)
        focus = self.root if step is None else step.node
        labels: dict[tuple[Value, int], str] = {}
        if step is not None:
            local = _local_derivatives(step.node)
            for index, term in enumerate(step.parent_grads):
                if not step.node.parents[index].is_constant:
                    labels[step.node, index] = (
                        f"{format_number(step.grad)} × {format_number(local[index])} = "
                        f"{format_number(term)}"
                    )
        options = dict(self._draw_options)
        return draw_dot(
            self.root,
            highlight=None if step is None else step.node,
            grads=self.grads(k),
            edge_labels=labels,
            title=self.caption(k),
            focus=focus,
            depth=depth,
            **options,
        )

    # --- the quiz -------------------------------------------------------------------------

    def questions(self) -> tuple[Question, ...]:
        """The quiz: one :class:`~.quiz.Question` per edge of each backward step, in order.

        Each asks for the term the firing node sends along one edge, ``dL/d(node) ×
        d(node)/d(input)``, and holds the engine's number as the answer. Available on any
        node-by-node stepper (the page asks them only with ``quiz=True``).
        """
        self._per_node("questions")
        if self._questions is None:
            self._questions = questions(self)
        return self._questions

    def quiz_data(self) -> dict[str, Any]:
        """What the quiz page needs: the tolerance, the number syntax, and every question."""
        return {
            "rel_tol": REL_TOL,
            "abs_tol": ABS_TOL,
            "number": NUMBER,
            "questions": [
                {
                    "frame": q.frame,
                    "step": q.step,
                    "sender": q.sender,
                    "receiver": q.receiver,
                    "edge": q.edge,
                    "prompt": q.prompt,
                    "answer": q.answer,
                    "rule": q.rule,
                    "product": q.product,
                    "mistakes": q.mistakes,
                }
                for q in self.questions()
            ],
        }

    # --- the side panel -------------------------------------------------------------------

    def panel_frames(self) -> Iterator[PanelFrame]:
        """What the side panel is given, one :class:`~.panel.PanelFrame` per page frame."""
        ran = self._ran if self._ran is not None else tuple(_ran(f) for f in self.frames)
        return panel_frames(
            [(f.phase, f.number, f.caption, r) for f, r in zip(self.frames, ran, strict=True)],
            self.steps,
            self.root,
            self.seed,
            [node for node in self.nodes if node.is_leaf],
            self.params,
            self.lr,
        )

    def panels(self) -> tuple[list[str], list[int]]:
        """The side panel's distinct SVGs, and for each page frame the index of its own.

        Calls ``panel`` once per frame (the first time only); ``([], [])`` without a panel.
        """
        if self.panel is None:
            return [], []
        if self._panels is None:
            self._panels = panel_pages(self.panel, self.panel_frames())
        return self._panels

    # --- the page -------------------------------------------------------------------------

    def page_data(self) -> dict[str, Any]:
        """What the web page needs besides the SVG: node names, and per frame what changes."""
        return {
            "root": self.name(self.root),
            "backward_start": self.backward_start,
            "nodes": [
                {"id": f"n{i}", "name": name, "op": op or "leaf"}
                for i, (name, _, op, _) in enumerate(self._box_specs())
            ],
            "frames": [
                {
                    "phase": frame.phase,
                    "number": frame.number,
                    "caption": frame.caption,
                    "firing": frame.firing,
                    "focus": frame.focus,
                    "changes": frame.changes,
                    "edges": frame.edges,
                }
                for frame in self.frames
            ],
            **self._panel_data(),
        }

    def _panel_data(self) -> dict[str, Any]:
        if self.panel is None:
            return {}
        pictures, shown = self.panels()
        parts, cut = shared_parts(pictures)
        return {"panel_parts": parts, "panels": cut, "panel_of": shown}

    def html(self, title: str | None = None) -> str:
        """The self-contained web page :meth:`to_html` writes, as a string."""
        if title is None:
            title = _QUIZ_TITLE if self.quiz else _TITLE
        folder = resources.files("autograd_engine.viz")
        template = folder.joinpath("page.html").read_text("utf-8")
        # The data is a JavaScript literal (so an infinite gradient is Infinity, not an error);
        # "<" is escaped so no label can close the <script> element it sits in.
        page = self.page_data()
        quiz_panel = quiz_script = side_panel = panel_script = ""
        if self.panel is not None:
            # Its style comes before the scripts, which measure the graph's viewer at once.
            side_panel = (
                f"<style>\n{folder.joinpath('panel.css').read_text('utf-8')}</style>\n"
                '  <div id="panel" aria-live="polite"></div>\n'
            )
            panel_script = f"<script>\n{folder.joinpath('panel.js').read_text('utf-8')}</script>\n"
        if self.quiz:
            page["quiz"] = self.quiz_data()
            quiz_panel = folder.joinpath("quiz.html").read_text("utf-8")
            quiz_script = f"<script>\n{folder.joinpath('quiz.js').read_text('utf-8')}</script>\n"
        data = json.dumps(page, ensure_ascii=False, separators=(",", ":"))
        return Template(template).substitute(
            title=_html_text(title),
            style=folder.joinpath("page.css").read_text("utf-8"),
            script=folder.joinpath("page.js").read_text("utf-8"),
            quiz_panel=quiz_panel,
            quiz_script=quiz_script,
            panel=side_panel,
            panel_script=panel_script,
            svg=self.layout(),
            data=data.replace("<", "\\u003c"),
        )

    def to_html(self, path: str | Path, title: str | None = None) -> Path:
        """Write a self-contained web page of all frames: player, zoom, follow, table.

        The page holds the one SVG, what each frame changes, and its own script and style:
        no network, no kernel, so it can be mailed or put on a course website as it is.
        With ``quiz=True`` it is a quiz: the player waits at each backward step until the
        learner has typed (or revealed) the term sent along each edge, with a score.

        Returns:
            The path written.
        """
        path = Path(path)
        path.write_text(self.html(title), encoding="utf-8")
        return path

    def widget(self, height: int = 720) -> Any:
        """The same page in a notebook: an ipywidgets HTML holding it in an ``<iframe>``.

        Everything runs in the browser (the page's own player, zoom and follow), so no frame
        is redrawn by the kernel and a saved notebook keeps working.
        """
        try:
            import ipywidgets
        except ImportError as error:  # pragma: no cover - depends on the installation
            raise ImportError(
                "BackwardStepper.widget() needs ipywidgets, part of the `viz` extra: "
                "pip install 'autograd-engine[viz]'"
            ) from error
        srcdoc = html.escape(self.html(), quote=True)
        return ipywidgets.HTML(
            value=f'<iframe srcdoc="{srcdoc}" style="width: 100%; height: {height}px; '
            f'border: 1px solid #ccc"></iframe>'
        )


def _raw(frame: Frame) -> RawFrame:
    """``frame`` with its edges as ``(box, part, label)``, so :func:`restrict` can renumber."""
    edges = []
    for edge, label in frame.edges:
        match = _EDGE.match(edge)
        assert match is not None, edge
        edges.append((int(match[1]), match[2], label))
    return RawFrame(
        frame.phase,
        frame.number,
        frame.caption,
        frame.firing,
        frame.focus,
        frame.changes,
        tuple(edges),
        _ran(frame),
    )


def _ran(frame: Frame) -> tuple[int, ...]:
    """The backward step a node-by-node frame runs: backward frame ``k`` runs step ``k``."""
    return (frame.number,) if frame.phase == "backward" and frame.firing is not None else ()


def _cooked(frame: RawFrame) -> Frame:
    """``frame`` with its edges named by their SVG ids (``n3_e0``)."""
    return Frame(
        frame.phase,
        frame.number,
        frame.caption,
        frame.firing,
        frame.focus,
        frame.changes,
        tuple((f"n{u}_{part}", label) for u, part, label in frame.edges),
    )


def _local_derivatives(node: Value) -> tuple[float, ...]:
    """d(node)/d(input) for each input, at the node's values."""
    op = node._op
    assert op is not None  # steps are only taken at non-leaf nodes
    # Rules are linear in the incoming gradient, so a seed of 1 gives the local derivatives.
    return tuple(op.backward(1.0, node.data, *(parent.data for parent in node.parents)))


def _html_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

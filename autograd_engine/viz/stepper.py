"""The forward and backward pass as a sequence of frames you can step through.

``backward()`` visits the non-leaf nodes in reverse topological order. At each one it runs
the op's local-gradient rule once: the node's gradient ``g = dL/d(node)``, complete by then
because every node computed from it came earlier, is multiplied by each local derivative
``d(node)/d(parent)`` and *added* to that parent's gradient. A node used twice receives two
terms, one per edge, and fires only after both have arrived: this is the "dynamic
programming" of backpropagation, every shared term computed once.

:class:`BackwardStepper` shows that as frames, one numbering everywhere: frame ``k`` of
``stepper.frames``, ``stepper.caption(k)``, ``stepper.svg(k)`` and the page's slider at
``k`` are the same frame, and ``len(stepper)`` is the number of frames on the page:

1. **forward**: the nodes computed one by one in topological order, their data appearing;
2. **backward**: frame 0 holds the root's seed ``dL/dL = 1``; each later frame shows the
   state *after* one node fired: the red edges carry the terms it sent (incoming gradient ×
   local derivative), and each receiving node shows its sum so far, ``(1/2)`` while terms
   are missing and ``–`` while none has arrived. The last backward frame holds exactly
   what ``backward()`` gives. With ``quiz=True`` each firing is preceded by a frame showing
   the state before it, where the learner types the terms;
3. **update** (with ``lr=``): ``p ← p - lr · ∂L/∂p`` for the *parameters* only;
4. **forward again**: the gradients cleared, the loss recomputed with the moved parameters,
   old → new.

What each frame holds is plain data (:mod:`.frame_model`), built once; the page
(:mod:`.page`), the still pictures (:mod:`.frame_svg`), the captions (:mod:`.frame_text`),
the quiz (:mod:`.quiz`) and the side panel (:mod:`.panel`) only read it. Numbers never touch
any ``.grad`` or ``.data``: everything comes from :func:`~autograd_engine.backward_steps`.

A whole network is too many frames one node at a time: ``group="neuron"`` (or ``"layer"``)
steps one box per neuron, and ``focus=node, depth=k`` only the boxes near one node (the
boxes are then :attr:`BackwardStepper.units`). A grouped box opens into its own nodes
(:meth:`BackwardStepper.drill`, :mod:`.drill`): on the page, by clicking it.
"""

from __future__ import annotations

import html
import operator
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from ..graph import BackwardStep, backward_steps, topological_order
from ..scope import scope_members, scope_of
from ..value import Value
from .draw import _shared_parameters, check_node_count
from .drill import Drill, NodeFrames, drill, drill_record, node_frames, pack_views
from .format import op_label
from .frame_model import Frame, build_frames, restrict_frames
from .frame_svg import SvgPicture, layout_boxes, neighbourhood_svg, picture
from .frame_text import caption as write_caption
from .group import group_nodes
from .layout import RANKDIRS, layout_svg
from .naming import board_names
from .page import frame_records, node_records, page_html
from .panel import PanelFrame, panel_frames, panel_pages, shared_parts
from .quiz import ABS_TOL, NUMBER, REL_TOL, Question, questions
from .stepper_group import Unit, build_units, kept_units, unit_neighbourhood
from .stepper_group import symbol as _symbol

__all__ = ["BackwardStepper", "module_parameters"]

_RANKDIRS = RANKDIRS
_TITLE = "Stepping through backpropagation"
_QUIZ_TITLE = "Backpropagation quiz: what does each node send?"


def module_parameters(order: Iterable[Value]) -> list[Value]:
    """The leaves of a graph that ``nn`` modules own: their weights and biases.

    A module call records its inputs (see :mod:`autograd_engine.scope`); a leaf read inside
    a module call that is none of its inputs is a parameter of it. Inputs, targets and any
    leaf used outside every module are not.
    """
    order = list(order)
    inside = scope_members(order)
    inputs: set[int] = set()
    for node in order:
        record = scope_of(node)
        if record is not None:
            inputs.update(id(v) for v in _flat(record.inputs))
    found: dict[Value, None] = {}
    for node in order:
        if node.is_leaf or (node not in inside and scope_of(node) is None):
            continue
        for parent in node.parents:
            if parent.is_leaf and not parent.is_constant and id(parent) not in inputs:
                found[parent] = None
    return [node for node in order if node in found]


def _flat(items: Iterable[Any]) -> Iterator[Value]:
    for item in items:
        if isinstance(item, Value):
            yield item
        elif isinstance(item, list | tuple):
            yield from _flat(item)


class BackwardStepper:
    """Step through ``root``'s forward and backward pass one node (one rule) at a time.

    Args:
        root: the output to backpropagate from.
        gradient: the seed dL/dL, as for ``root.backward(gradient)``.
        precision: significant digits of every number shown: page, captions, pictures
            (8 reproduces a published worked example digit for digit).
        rankdir: layout direction, ``"TB"``, ``"LR"``, ``"BT"``, ``"RL"`` or ``"auto"``
            (default: the one a 1400x900 window shows largest, see
            :func:`~autograd_engine.viz.layout.choose_rankdir`).
        max_nodes: the most Value nodes to draw (a bigger graph raises ``ValueError``).
        lr: a learning rate: after the backward pass, an update frame moving the parameters
            ``p ← p - lr · ∂L/∂p``, then the forward pass again with the loss old → new.
        params: the parameters the update moves. By default the leaves ``nn`` modules own
            (their weights and biases, never the inputs); a graph built without modules
            needs ``params=[...]`` with ``lr=`` (it raises rather than guess).
        group: ``"neuron"`` or ``"layer"`` (any scope kind, as for ``draw_dot``): one box
            per scope call showing its output's data and grad, one forward and one backward
            frame per box. The per-node methods (:meth:`grads`, :meth:`firing`) then raise.
            On the page, clicking a group's box opens its own nodes, node by node, at the
            moment shown (:meth:`drill`).
        focus, depth: step through only the boxes within ``depth`` edges of ``focus``'s box;
            steps elsewhere are folded into the next frame shown (its caption says so).
        quiz: make the page a quiz: before each node fires, the learner types the term it
            sends along each edge, incoming gradient × local derivative, and the page checks
            it against the engine (within 1 %), shows the rule and the right product when it
            is wrong, and keeps a score (see :mod:`.quiz`). ``True`` asks the terms that need
            thought (a ``+`` passing its gradient on is filled in, with a line saying so);
            ``"all"`` asks every edge. Not with ``group=`` or ``focus=`` (a box running many
            rules has no single product to ask for); those raise.
        panel: a function ``panel(frame) -> str`` drawing a picture (SVG text) for each frame
            of the page, shown beside the graph: e.g. ``nn.plotting.network_panel(model)``.
        steps: the backward pass to show, one step per non-leaf node in backward order
            (default: this engine's, ``backward_steps(root, gradient)``). Another engine's
            terms on the same graph show what *it* sent: see
            :func:`autograd_engine.grading.compare`.

    Constants (numbers mixed into an expression, ``x * 0.01``) get no box, no gradient and
    no row: they are written inside their op.

    >>> from autograd_engine import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> e = a * b
    >>> e.label = "e"
    >>> stepper = BackwardStepper(e)
    >>> [f"{f.phase} {f.number}" for f in stepper.frames]
    ['forward 0', 'forward 1', 'backward 0', 'backward 1']
    >>> len(stepper), stepper.grads(2).get(a), stepper.grads(3)[a]
    (4, None, -3.0)
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
        quiz: bool | str = False,
        panel: Callable[[PanelFrame], str] | None = None,
        steps: Iterable[BackwardStep] | None = None,
    ) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"BackwardStepper: root must be a Value, not {type(root).__name__}")
        if rankdir not in _RANKDIRS:
            raise ValueError(
                f"BackwardStepper: rankdir must be one of {_RANKDIRS}, not {rankdir!r}"
            )
        if (
            isinstance(precision, bool)
            or not isinstance(precision, int)
            or not 1 <= precision <= 17
        ):
            raise ValueError(
                f"BackwardStepper: precision must be an integer from 1 to 17 (significant "
                f"digits), not {precision!r}"
            )
        self.root = root
        order = topological_order(root)
        #: Every node of the graph but constants, parents before children (drawn ``n<i>``).
        self.nodes: list[Value] = [n for n in order if not n.is_constant]
        if (focus is None) != (depth is None):
            raise ValueError("BackwardStepper: focus= and depth= go together (a node and a count)")
        if depth is not None and (
            isinstance(depth, bool) or not isinstance(depth, int) or depth < 0
        ):
            raise ValueError(
                f"BackwardStepper: depth must be a non-negative integer, not {depth!r}"
            )
        if not (isinstance(quiz, bool) or quiz == "all"):
            raise TypeError(f"BackwardStepper: quiz must be True, False or 'all', not {quiz!r}")
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
        #: Whether the page is a quiz: False, True (terms that need thought) or "all".
        self.quiz = quiz
        #: The side panel's drawing function (see :mod:`.panel`), or None.
        self.panel = panel
        self.group = group
        #: Significant digits of every number shown.
        self.precision = precision
        self.rankdir = rankdir
        #: One step per non-leaf node, in the order the backward pass runs them.
        self.steps: tuple[BackwardStep, ...] = tuple(
            backward_steps(root, gradient) if steps is None else steps
        )
        if quiz and not self.steps:
            raise ValueError(
                f"BackwardStepper: quiz=True, but the root {root!r} is a leaf: there is no "
                "backward step to ask about; quiz an expression built from it"
            )
        self.seed = float(gradient)
        self.lr = None if lr is None else float(lr)
        self._position = {node: i for i, node in enumerate(self.nodes)}
        self._names = board_names(order)
        self.params = self._parameters(params)
        self._panels: tuple[list[str], list[int]] | None = None
        self._questions: tuple[Question, ...] | None = None
        self._layout: str | None = None
        self._page: dict[str, Any] | None = None
        self._captions: list[str | None] = []
        units = self._units(order, group)
        kept = None
        if focus is not None:
            assert depth is not None
            centre = next((u for u, unit in enumerate(units) if focus in unit.members), None)
            if centre is None:
                raise ValueError(
                    f"BackwardStepper: focus {focus!r} is not a drawn node of the graph"
                )
            kept = unit_neighbourhood(units, centre, depth)
        #: The parameters the update moves: every one, also those drawn in no box (a weight
        #: shared by several calls of a neuron), or the forward pass again would not see them.
        self._frame_params = list(self.params)
        frames = build_frames(
            units,
            self.steps,
            self.seed,
            self._names,
            self._rule,
            lr=self.lr,
            params=self._frame_params,
            ask_first=bool(quiz),
        )
        #: The boxes drawn when grouped or focused (None: one box per node, all of them).
        self.units: list[Unit] | None = None
        if kept is not None:
            new = {old: i for i, old in enumerate(kept)}
            root_unit = len(units) - 1
            units = kept_units(units, kept)
            frames = restrict_frames(frames, kept)
            self._root_box = new.get(root_unit)
        else:
            self._root_box = len(units) - 1
        if group is not None or focus is not None:
            self.units = units
            check_node_count(len(units), max_nodes)
        self._boxes = units
        self._focused = kept is not None
        self._whole: NodeFrames | None = None
        self._drills: dict[int, Drill] = {}
        self._drill_records: list[dict[str, Any]] | None = None
        #: Every frame of the page, in order (see :class:`~.frame_model.Frame`).
        self.frames: tuple[Frame, ...] = frames
        self._captions = [None] * len(frames)
        self._last_backward = max(
            (f.index for f in frames if f.phase == "backward"), default=len(frames) - 1
        )

    # --- building -------------------------------------------------------------------------

    def _parameters(self, params: Iterable[Value] | None) -> list[Value]:
        if params is not None:
            chosen = list(params)
            missing = [p for p in chosen if p not in self._position]
            if missing:
                raise ValueError(f"BackwardStepper: params {missing[:3]!r} are not in the graph")
            computed = [p for p in chosen if not p.is_leaf]
            if computed:
                raise ValueError(
                    f"BackwardStepper: params must be leaves (inputs of the graph that an "
                    f"update can move), but {self.name(computed[0])} is computed by "
                    f"{computed[0].op}"
                )
            return chosen
        owned = module_parameters(self.nodes)
        if self.lr is not None and not owned:
            leaves = [self.name(n) for n in self.nodes if n.is_leaf]
            listed = ", ".join(leaves[:6]) + (" ..." if len(leaves) > 6 else "")
            raise ValueError(
                "BackwardStepper(lr=...): which leaves are parameters? This graph was built by "
                f"no nn module, and its leaves ({listed}) may be inputs too, which an update "
                "must not move: pass params=[...] with the leaves to update"
            )
        return owned

    def _units(self, order: list[Value], group: str | None) -> list[Unit]:
        if group is not None:
            groups = group_nodes(order, group)
            hidden = _shared_parameters(self.nodes, groups)
            kept = [node for node in self.nodes if node not in hidden]
            return build_units(kept, groups, self._names, group, self._op_text)
        return [
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

    def _op_text(self, node: Value) -> str:
        """The op's name with its constants written in: ``*``, ``* 0.01``, ``0.5 *``, ``tanh``."""
        return op_label(node, self._names)

    def _rule(self, node: Value, index: int) -> str | None:
        """``op.derivative_text`` for input ``index``, written with this graph's names."""
        op = node._op
        texts = () if op is None else op.derivative_text
        if len(texts) == 1:
            template = texts[0]
            names = {"out": _symbol(self.name(node)), "x": _symbol(self.name(node.parents[index]))}
        elif index < len(texts) and texts[index]:
            template = texts[index]
            names = {"out": _symbol(self.name(node))}
            for letter, parent in zip(("a", "b"), node.parents, strict=False):
                names[letter] = _symbol(self.name(parent))
        else:
            return None
        # A power of 1 is no power: 2·x^(1) is written 2·x, and x^(0) is 1.
        template = template.replace("^(1)", "").replace("·x^(0)", "")
        word = r"(?<![A-Za-z0-9_])(out|x|a|b)(?![A-Za-z0-9_])"
        return re.sub(word, lambda m: names.get(m[1], m[1]), template)

    # --- frames -----------------------------------------------------------------------------

    def __len__(self) -> int:
        """The number of frames on the page (forward, backward, update, forward again)."""
        return len(self.frames)

    def _index(self, k: object) -> int:
        try:
            index = operator.index(k)  # type: ignore[arg-type]
        except TypeError:
            raise TypeError(f"frame number must be an integer, not {type(k).__name__}") from None
        if not 0 <= index < len(self.frames):
            raise IndexError(
                f"frame {index} is out of range: frames go from 0 to {len(self.frames) - 1}"
            )
        return index

    def _per_node(self, method: str) -> None:
        if self.units is not None:
            raise ValueError(
                f"BackwardStepper.{method}() is per node, but this stepper shows "
                f"{'groups' if self.group else 'part of the graph'}: use caption(k), svg(k) "
                "or frames, or make a stepper without group=/focus= for node-by-node numbers"
            )

    @property
    def backward_start(self) -> int:
        """The frame number of backward frame 0 (the seed), right after the forward pass."""
        return next(f.index for f in self.frames if f.phase == "backward")

    @property
    def backward_end(self) -> int:
        """The frame number of the last backward frame: every gradient complete, exactly
        what ``backward()`` gives."""
        return self._last_backward

    def name(self, node: Value) -> str:
        """What the drawings call ``node``: its label, or its op and position (``tanh#3``)."""
        return self._names[node]

    def fired(self, node: Value) -> int:
        """The frame number showing the state just after ``node`` fired (its terms sent)."""
        for frame in self.frames:
            sent = frame.stage == "sent" and frame.firing is not None
            if sent and node in self._boxes[frame.firing].members:  # type: ignore[index]
                return frame.index
        raise ValueError(f"BackwardStepper.fired: {node!r} never fires (a leaf, or not shown)")

    def grads(self, k: int) -> dict[Value, float]:
        """Each node's gradient as frame ``k`` shows it: the sum of the terms arrived so far.

        A node nothing has reached yet is *absent* (the page shows ``–``), never 0.0; at the
        last backward frame every node has exactly the ``.grad`` ``root.backward()`` leaves.
        Whether a gradient is complete is :meth:`terms_arrived`'s to say.
        """
        self._per_node("grads")
        frame = self.frames[self._index(k)]
        return {
            node: state.grad[0]
            for node, state in zip(self.nodes, frame.boxes, strict=True)
            if state.grad is not None
        }

    def terms_arrived(self, k: int) -> dict[Value, tuple[int, int]]:
        """For each node, ``(terms arrived, terms expected)`` at frame ``k`` (the root's seed
        is its one term)."""
        self._per_node("terms_arrived")
        frame = self.frames[self._index(k)]
        return {
            node: (state.arrived, state.expected)
            for node, state in zip(self.nodes, frame.boxes, strict=True)
        }

    def firing(self, k: int) -> BackwardStep | None:
        """The backward step frame ``k`` shows firing (about to, or just sent), else None."""
        self._per_node("firing")
        frame = self.frames[self._index(k)]
        if frame.phase != "backward" or frame.firing is None:
            return None
        node = self.nodes[frame.firing]
        return next(step for step in self.steps if step.node is node)

    def caption(self, k: int) -> str:
        """What frame ``k`` shows, in words and numbers: the rule, the terms, the sums."""
        k = self._index(k)
        text = self._captions[k]
        if text is None:
            text = write_caption(
                self.frames[k],
                self._boxes,
                self.name(self.root),
                self.precision,
                last_backward=k == self._last_backward,
            )
            self._captions[k] = text
        return text

    # --- pictures -------------------------------------------------------------------------

    def layout(self) -> str:
        """The one SVG every frame is drawn on (laid out by ``dot`` once, then remembered)."""
        if self._layout is None:
            boxes = layout_boxes(self.frames, self._boxes, self._root_box, self.precision)
            self._layout = layout_svg(boxes, self.rankdir)
        return self._layout

    def svg(self, k: int) -> SvgPicture:
        """Frame ``k`` as SVG text, on the page's own layout: what the page shows at ``k``."""
        k = self._index(k)
        title = self.caption(k).split("\n")[0]
        return picture(
            self.layout(), self.frames[k], self._boxes, self._root_box, self.precision, title
        )

    def frame(self, k: int) -> SvgPicture:
        """Frame ``k`` as a picture a notebook shows inline (the same as :meth:`svg`)."""
        return self.svg(k)

    def static_frame(self, k: int, depth: int = 1) -> SvgPicture:
        """Frame ``k`` around its firing box only (else the root), laid out on its own.

        For printed notes and big graphs: the boxes within ``depth`` edges of the firing
        one, with the same texts and marks as the page's frame ``k``, and its caption as the
        picture's title.
        """
        k = self._index(k)
        return neighbourhood_svg(
            self.frames,
            self._boxes,
            k,
            depth,
            self._root_box,
            self.precision,
            self.rankdir,
            self.caption(k),
        )

    # --- opening a group -------------------------------------------------------------------

    def drill(self, box: int) -> Drill:
        """Grouped box ``box`` opened into its own nodes, one frame per node, at every moment.

        ``drill(box).frames[drill(box).frame_of[k]]`` shows the group's nodes (the products
        ``w·x``, the sums, the bias, the activation) and the values flowing in from outside
        as they stand at grouped frame ``k``: the same numbers, marks and names as the
        node-by-node stepper, worked out from the same backward steps (see :mod:`.drill`).
        The page opens it when a group's box is clicked.
        """
        if self.group is None or self._focused:
            raise ValueError(
                "BackwardStepper.drill() opens a group's box: make the stepper with group= "
                "(and without focus=)"
            )
        if isinstance(box, bool) or not isinstance(box, int) or not 0 <= box < len(self._boxes):
            raise IndexError(f"drill: box must be 0 to {len(self._boxes) - 1}, not {box!r}")
        unit = self._boxes[box]
        if unit.kind != "group":
            raise ValueError(f"drill: box {box} ({unit.name}) is a single node, not a group")
        if box not in self._drills:
            if self._whole is None:
                self._whole = node_frames(
                    self._boxes,
                    self.frames,
                    self.steps,
                    self.seed,
                    self._names,
                    self._rule,
                    self._op_text,
                    lr=self.lr,
                    params=self._frame_params,
                )
            self._drills[box] = drill(self._whole, box, unit.name)
        return self._drills[box]

    def drill_caption(self, box: int, k: int) -> str | None:
        """The caption of frame ``k`` of :meth:`drill` (``box``), or None for a frame where
        only boxes outside the group ran (the page then shows the grouped frame's caption)."""
        view = self.drill(box)
        if view.moments[k] is not None:
            return None
        return write_caption(view.frames[k], view.units, self.name(self.root), self.precision)

    def drill_data(self) -> list[dict[str, Any]]:
        """What the page's drill-down shows for every group's box (see :mod:`.drill`); the
        page holds it packed (:func:`~.drill.pack_views`)."""
        if self._drill_records is None:
            self._drill_records = self._drill_views()
        return self._drill_records

    def _drill_views(self) -> list[dict[str, Any]]:
        if self.group is None or self._focused:
            return []
        records = []
        for u, unit in enumerate(self._boxes):
            if unit.kind != "group":
                continue
            view = self.drill(u)
            root = next((i for i, x in enumerate(view.units) if self.root in x.outputs), None)
            captions = [self.drill_caption(u, k) for k in range(len(view.frames))]
            records.append(drill_record(view, captions, root, self.precision))
        return records

    # --- the quiz -------------------------------------------------------------------------

    def questions(self) -> tuple[Question, ...]:
        """The quiz: one :class:`~.quiz.Question` per term sent, in the order sent.

        Each asks, at the frame before a node fires, for the term it sends along one edge,
        ``dL/d(node) × d(node)/d(input)``, and holds the engine's number as the answer.
        Only with ``quiz=`` (the question frames are part of the page).
        """
        self._per_node("questions")
        if not self.quiz:
            raise ValueError(
                "BackwardStepper.questions(): this stepper is not a quiz; make it with "
                "quiz=True (or quiz='all')"
            )
        if self._questions is None:
            self._questions = questions(
                self.frames, self._boxes, self.name(self.root), ask_all=self.quiz == "all"
            )
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
                    "given": q.given,
                }
                for q in self.questions()
            ],
        }

    # --- the side panel -------------------------------------------------------------------

    def panel_frames(self) -> Iterator[PanelFrame]:
        """What the side panel is given, one :class:`~.panel.PanelFrame` per page frame."""
        return panel_frames(
            [(f.phase, f.number, self.caption(f.index), f.ran) for f in self.frames],
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
        """What the web page needs besides the SVG: box names, and per frame what changes."""
        if self._page is None:
            self._page = self._page_data()
        return self._page

    def _page_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "root": self.name(self.root),
            "backward_start": self.backward_start,
            "nodes": node_records(self._boxes),
            "frames": frame_records(
                self.frames,
                [self.caption(k) for k in range(len(self.frames))],
                self._root_box,
                self.precision,
            ),
        }
        if self.panel is not None:
            pictures, shown = self.panels()
            parts, cut = shared_parts(pictures)
            data.update(panel_parts=parts, panels=cut, panel_of=shown)
        if self.quiz:
            data["quiz"] = self.quiz_data()
        drills = self.drill_data()
        if drills:
            data["drill"] = pack_views(drills)
        return data

    def html(self, title: str | None = None) -> str:
        """The self-contained web page :meth:`to_html` writes, as a string."""
        if title is None:
            title = _QUIZ_TITLE if self.quiz else _TITLE
        return page_html(
            title,
            self.layout(),
            self.page_data(),
            quiz=bool(self.quiz),
            panel=self.panel is not None,
            drill="drill" in self.page_data(),
        )

    def to_html(self, path: str | Path, title: str | None = None) -> Path:
        """Write a self-contained web page of all frames: player, zoom, follow, table.

        The page holds the one SVG, what each frame changes, and its own script and style:
        no network, no kernel, so it can be mailed or put on a course website as it is.
        With ``quiz=True`` it is a quiz: the player waits at each node about to fire until
        the learner has typed (or revealed) the term sent along each edge, with a score.

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

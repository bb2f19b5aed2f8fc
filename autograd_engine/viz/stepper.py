"""The backward pass as a sequence of frames you can step through.

``backward()`` visits the non-leaf nodes in reverse topological order. At each one it runs
the op's local-gradient rule once: the node's gradient ``g = dL/d(node)``, complete by then
because every node computed from it came earlier, is multiplied by each local derivative
``d(node)/d(parent)`` and *added* to that parent's gradient. A node used twice receives two
terms, one per edge, and fires only after both have arrived: this is the "dynamic
programming" of backpropagation, every shared term computed once.

:class:`BackwardStepper` turns that into frames. Frame ``k`` shows the gradients after
``k`` steps: frame 0 has only the root's seed ``dL/dL = 1``; the last frame,
``len(stepper)``, has exactly what ``backward()`` gives. In every other frame the node
about to fire is outlined in red and each edge it is about to send gradient along is
labelled with its chain-rule product, ``dL/d(node) x d(node)/d(parent) = term``.
"""

from __future__ import annotations

import json
import operator
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from ..graph import BackwardStep, backward_steps, topological_order
from ..value import Value
from .draw import GraphDrawing, check_node_count, draw_dot
from .render import svg_from_dot

__all__ = ["BackwardStepper"]


class BackwardStepper:
    """Step through ``root``'s backward pass one node (one local-gradient rule) at a time.

    Args:
        root: the output to backpropagate from.
        gradient: the seed dL/dL, as for ``root.backward(gradient)``.
        precision: digits after the decimal point in the drawings.
        rankdir: layout direction of the drawings (see :func:`~autograd_engine.viz.draw_dot`).
        max_nodes: the most Value nodes to draw (a bigger graph raises ``ValueError``).

    Nothing here touches any ``.grad``: the frames are computed from
    :func:`~autograd_engine.backward_steps`.

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
        rankdir: str = "LR",
        max_nodes: int = 500,
    ) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"BackwardStepper: root must be a Value, not {type(root).__name__}")
        self.root = root
        #: Every node of the graph, parents before children (node ``nodes[i]`` is drawn ``n<i>``).
        self.nodes: list[Value] = topological_order(root)
        #: One step per non-leaf node, in the order the backward pass runs them.
        self.steps: tuple[BackwardStep, ...] = tuple(backward_steps(root, gradient))
        self.seed = float(gradient)
        check_node_count(len(self.nodes), max_nodes)
        self._position = {node: i for i, node in enumerate(self.nodes)}
        self._draw_options: dict[str, Any] = {
            "rankdir": rankdir,
            "precision": precision,
            "max_nodes": max_nodes,
        }
        draw_dot(root, **self._draw_options)  # check the options now, not at the first frame
        self._svgs: dict[int, str] = {}

    def __len__(self) -> int:
        """The number of steps: one per non-leaf node, whose local-gradient rule runs once."""
        return len(self.steps)

    def _frame_index(self, k: object) -> int:
        try:
            index = operator.index(k)  # type: ignore[arg-type]
        except TypeError:
            raise TypeError(f"frame number must be an integer, not {type(k).__name__}") from None
        if not 0 <= index <= len(self.steps):
            raise IndexError(
                f"frame {index} is out of range: frames go from 0 to {len(self.steps)}"
            )
        return index

    def name(self, node: Value) -> str:
        """What the drawings call ``node``: its label, or ``n<i>`` (its topological position)."""
        return node.label or f"n{self._position[node]}"

    def grads(self, k: int) -> dict[Value, float]:
        """Every node's gradient dL/d(node) after ``k`` steps (0.0 where none has arrived yet).

        ``grads(0)`` has only the seed at the root; ``grads(len(self))`` equals the ``.grad``
        values ``root.backward()`` leaves on a fresh graph, term for term in the same order.
        """
        k = self._frame_index(k)
        gradients = dict.fromkeys(self.nodes, 0.0)
        gradients[self.root] += self.seed
        for step in self.steps[:k]:
            for parent, term in zip(step.node.parents, step.parent_grads, strict=True):
                gradients[parent] += term
        return gradients

    def firing(self, k: int) -> BackwardStep | None:
        """The step about to run at frame ``k`` (None at the last frame, when all have run)."""
        k = self._frame_index(k)
        return self.steps[k] if k < len(self.steps) else None

    def _described(self, node: Value) -> str:
        """``name (op)`` for a labelled node; ``n7 = a * b`` (how it was made) for the others."""
        if node.label:
            return f"{node.label} ({node.op})"
        inputs = [self.name(parent) for parent in node.parents]
        if node.op in ("+", "*", "**") and len(inputs) == 2:
            formula = f"{inputs[0]} {node.op} {inputs[1]}"
        elif node.op.startswith("**") and len(inputs) == 1:
            formula = f"{inputs[0]}{node.op}"
        else:
            formula = f"{node.op}({', '.join(inputs)})"
        return f"{self.name(node)} = {formula}"

    def _terms(self, step: BackwardStep) -> list[tuple[str, str]]:
        """For each edge of ``step``: its chain-rule symbols and its numbers, as text."""
        node = step.node
        op = node._op
        assert op is not None  # steps are only taken at non-leaf nodes
        # Rules are linear in the incoming gradient, so a seed of 1 gives the local derivatives.
        local = op.backward(1.0, node.data, *(parent.data for parent in node.parents))
        digits = self._draw_options["precision"]
        root, this = _symbol(self.name(self.root)), _symbol(self.name(node))
        terms = []
        for parent, derivative, term in zip(node.parents, local, step.parent_grads, strict=True):
            symbols = f"∂{root}/∂{this}·∂{this}/∂{_symbol(self.name(parent))}"
            numbers = f"{step.grad:.{digits}g} × {derivative:.{digits}g} = {term:.{digits}g}"
            terms.append((symbols, numbers))
        return terms

    def caption(self, k: int) -> str:
        """One sentence saying what happens at frame ``k``."""
        step = self.firing(k)
        n = len(self.steps)
        root = _symbol(self.name(self.root))
        if step is None:
            return f"frame {n}/{n}: done. Every node holds ∂{root}/∂node, as backward() gives."
        node = step.node
        sends = " and ".join(
            f"∂{root}/∂{_symbol(self.name(parent))} += {numbers}"
            for parent, (_, numbers) in zip(node.parents, self._terms(step), strict=True)
        )
        digits = self._draw_options["precision"]
        return (
            f"frame {k}/{n}: {self._described(node)} fires. "
            f"∂{root}/∂{_symbol(self.name(node))} = {step.grad:.{digits}g} is complete, "
            f"so it sends {sends}."
        )

    def frame(self, k: int) -> GraphDrawing:
        """The drawing of frame ``k``: gradients after ``k`` steps, the next step marked."""
        step = self.firing(k)
        labels: dict[tuple[Value, int], str] = {}
        if step is not None:
            for index, (symbols, numbers) in enumerate(self._terms(step)):
                labels[step.node, index] = f"{symbols}\n{numbers}"
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

    def svg(self, k: int) -> str:
        """Frame ``k`` as SVG text (rendered once, then remembered)."""
        k = self._frame_index(k)
        if k not in self._svgs:
            self._svgs[k] = svg_from_dot(self.frame(k).source)
        return self._svgs[k]

    def widget(self) -> Any:
        """An ipywidgets box: a play button and a slider over the frames, the caption, the SVG.

        Moving the slider (or pressing play) redraws the view; the play button and the
        slider are linked in the browser, so they move together.
        """
        try:
            import ipywidgets
        except ImportError as error:  # pragma: no cover - depends on the installation
            raise ImportError(
                "BackwardStepper.widget() needs ipywidgets, part of the `viz` extra: "
                "pip install 'autograd-engine[viz]'"
            ) from error
        last = len(self.steps)
        play = ipywidgets.Play(value=0, min=0, max=last, step=1, interval=1200, description="play")
        slider = ipywidgets.IntSlider(value=0, min=0, max=last, step=1, description="frame")
        ipywidgets.jslink((play, "value"), (slider, "value"))
        caption = ipywidgets.HTML(value=_html_text(self.caption(0)))
        view = ipywidgets.HTML(value=self._scrolling_svg(0))

        def show(change: dict[str, Any]) -> None:
            k = change["new"]
            caption.value = _html_text(self.caption(k))
            view.value = self._scrolling_svg(k)

        slider.observe(show, names="value")
        return ipywidgets.VBox([ipywidgets.HBox([play, slider]), caption, view])

    def _scrolling_svg(self, k: int) -> str:
        """Frame ``k`` for an HTML view: a wide graph scrolls instead of overflowing the page."""
        return f'<div style="overflow-x: auto">{_inline_svg(self.svg(k))}</div>'

    def page_data(self) -> dict[str, Any]:
        """Everything the HTML page shows, as JSON-ready data: nodes, and one entry per frame."""
        digits = self._draw_options["precision"]
        nodes = [
            {
                "id": f"n{i}",
                "name": self.name(node),
                "op": node.op,
                "data": node.data,
                "data_text": f"{node.data: .{digits}f}",
            }
            for i, node in enumerate(self.nodes)
        ]
        frames = []
        for k in range(len(self.steps) + 1):
            step = self.firing(k)
            gradients = self.grads(k)
            frames.append(
                {
                    "svg": _inline_svg(self.svg(k)),
                    "caption": self.caption(k),
                    "firing": None if step is None else f"n{self._position[step.node]}",
                    "grads": [gradients[node] for node in self.nodes],
                    # Formatted here, exactly as in the drawings (f"{x: .4f}").
                    "grad_texts": [f"{gradients[node]: .{digits}f}" for node in self.nodes],
                }
            )
        return {
            "root": self.name(self.root),
            "nodes": nodes,
            "frames": frames,
        }

    def to_html(self, path: str | Path, title: str = "Stepping through backpropagation") -> Path:
        """Write a self-contained web page of all frames, with a slider and play button.

        The page holds every frame's SVG inline and a few lines of JavaScript: no network,
        no kernel, so it can be mailed or put on a course website as it is.

        Returns:
            The path written.
        """
        template = resources.files("autograd_engine.viz").joinpath("page.html").read_text("utf-8")
        # The data is a JavaScript literal (so an infinite gradient is Infinity, not an error);
        # "<" is escaped so no label can close the <script> element it sits in.
        data = json.dumps(self.page_data(), ensure_ascii=False).replace("<", "\\u003c")
        page = Template(template).substitute(title=_html_text(title), data=data)
        path = Path(path)
        path.write_text(page, encoding="utf-8")
        return path


def _symbol(name: str) -> str:
    """A name to write after ∂: in parentheses unless it is one word (∂(x1*w1), but ∂x1)."""
    return name if name.replace("_", "").isalnum() else f"({name})"


def _inline_svg(svg: str) -> str:
    """The ``<svg>`` element alone, without the XML prolog that has no place inside HTML."""
    return svg[svg.index("<svg") :]


def _html_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

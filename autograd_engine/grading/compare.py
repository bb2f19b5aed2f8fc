"""Side by side, frame by frame: this engine's backward pass and a learner's, on one page.

:func:`compare` builds the same expression in both engines, records what each node of the
learner's engine sent to each input when its ``_backward`` ran, and opens the stepper twice
over the same graph: once with this engine's steps, once with the learner's (the stepper
takes the steps to show, see :class:`~autograd_engine.viz.stepper.BackwardStepper`). The
first diverging node is marked in red on both, and the caption above says what each engine
sent to it.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..graph import BackwardStep, backward_steps
from ..value import Value
from .bounded import run_bounded
from .catalog import OPS
from .expressions import Apply, Expr, Leaf, Num, build, names, nodes
from .learner import Learner, describe_error
from .tracing import trace
from .trial import run_trial

__all__ = ["Comparison", "compare"]

_ONE_NODE_OPS = ("add", "mul", "neg", "pow", "exp", "log", "tanh", "sigmoid", "relu")


@dataclass
class Comparison:
    """The two steppers on one page: ``html()``, ``to_html(path)``, and shown in Jupyter.

    Attributes:
        first_divergence: the name of the first node where the gradients part, or None.
        caption: what each engine sent to that node (or that they agree).
    """

    ours: Any
    theirs: Any
    first_divergence: str | None
    caption: str
    marked: int | None

    def _page(self, stepper: Any, title: str) -> str:
        page: str = stepper.html(title)
        if self.marked is not None:
            # Shaded and dashed, so as not to be taken for the stepper's solid red outline of
            # the node firing.
            mark = (
                f"<style>#n{self.marked} polygon:first-of-type {{ fill: #ffc9c5 !important; "
                "stroke: #cf222e !important; stroke-width: 4 !important; "
                "stroke-dasharray: 8 4 !important; }</style>"
            )
            page = page.replace("</head>", mark + "</head>", 1)
        # Start with the whole graph in view (the page's own "fit" button), so that the marked
        # node is on screen.
        fit = (
            "<script>addEventListener('load', () => "
            "document.getElementById('fit')?.click());</script>"
        )
        return page.replace("</body>", fit + "</body>", 1)

    def html(self) -> str:
        """One self-contained page: the caption, then the two steppers one above the other
        (the same layout, so each node of one sits right above the same node of the other)."""
        frames = []
        for stepper, title in ((self.ours, "this engine"), (self.theirs, "your engine")):
            srcdoc = html.escape(self._page(stepper, title), quote=True)
            frames.append(
                f'<iframe srcdoc="{srcdoc}" '
                'style="width:100%;height:640px;border:1px solid #ccc"></iframe>'
            )
        colour = "#cf222e" if self.first_divergence else "#1a7f37"
        return (
            '<!DOCTYPE html><html><head><meta charset="utf-8"><title>compare</title></head>'
            '<body style="font-family:system-ui,sans-serif;margin:8px">'
            f'<div style="font-size:15px;color:{colour};margin-bottom:6px">'
            f"{html.escape(self.caption)}</div>"
            f'<div style="display:flex;flex-direction:column;gap:8px">{"".join(frames)}</div>'
            "</body></html>"
        )

    def to_html(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(self.html(), encoding="utf-8")
        return path

    def _repr_html_(self) -> str:
        srcdoc = html.escape(self.html(), quote=True)
        return f'<iframe srcdoc="{srcdoc}" style="width:100%;height:1400px;border:0"></iframe>'


@dataclass
class Fired:
    """What one node's ``_backward`` did in the learner's engine: its gradient when it ran,
    and each input's ``.grad`` before and after (so ``=`` for ``+=`` shows as a jump)."""

    grad: float
    before: list[float]
    after: list[float]

    @property
    def deltas(self) -> list[float]:
        return [y - x for x, y in zip(self.before, self.after, strict=True)]


def _recorded_steps(root: Expr, learner: Learner, seconds: float) -> dict[Apply, Fired]:
    """Build ``root`` in the learner's engine, run its ``backward()`` with every op node's
    ``_backward`` wrapped, and return what each op node did when it (last) fired."""
    sent: dict[Apply, Fired] = {}

    def run() -> None:
        theirs = build(root, learner.leaf)
        for node in nodes(root):
            if not isinstance(node, Apply):
                continue
            obj = theirs.objects[node]
            if not callable(getattr(obj, "_backward", None)):
                raise TypeError(
                    "compare() follows each node's `_backward` (micrograd's name); "
                    f"this {learner.name} node has none"
                )
            inputs = [theirs.objects[a] for a in node.args if not isinstance(a, Num)]
            parents = learner.parents(obj)
            if parents is not None and not all(any(p is i for p in parents) for i in inputs):
                raise ValueError(
                    f"compare(): your {node.op} is built from other ops (its node does not "
                    "list its inputs as parents), so its terms cannot be shown on one edge; "
                    "check_engine() still grades it"
                )

            def recorded(obj: Any = obj, inner: Any = obj._backward, node: Apply = node) -> None:
                args = [theirs.objects[a] for a in node.args if not isinstance(a, Num)]
                before = [learner.number(a, "grad") for a in args]
                g = learner.number(obj, "grad")
                inner()
                after = [learner.number(a, "grad") for a in args]
                sent[node] = Fired(g, before, after)

            obj._backward = recorded
        theirs.root.backward()

    outcome = run_bounded(run, seconds)
    if outcome.timed_out:
        raise TimeoutError(f"compare(): your backward() did not finish within {seconds:g} s")
    if outcome.error is not None:
        if isinstance(outcome.error, TypeError | ValueError) and "compare()" in str(outcome.error):
            raise outcome.error
        raise RuntimeError(f"compare(): your engine raised {describe_error(outcome.error)}")
    return sent


def _arg_names(node: Apply, name_of: dict[Expr, str]) -> list[str]:
    return [f"{a.value:g}" if isinstance(a, Num) else name_of[a] for a in node.args]


def compare(
    expr_fn: Callable[..., Any],
    value_class: type,
    *,
    precision: int = 4,
    seconds: float = 2.0,
    **leaves: float,
) -> Comparison:
    """Step through ``expr_fn``'s backward pass in this engine and in ``value_class``, side by side.

    Args:
        expr_fn: the expression, as a function of its leaves:
            ``lambda x=2.0, y=-3.0: (x * y).tanh() + x``. Ops: ``+ *`` unary ``- **``
            (a number as exponent), ``exp log tanh sigmoid relu``, numbers mixed in.
        value_class: the learner's micrograd-shaped class (nodes with ``_backward``).
        precision: significant digits shown.
        leaves: numbers for leaves without defaults (``x=2.0``).

    Returns:
        A :class:`Comparison` (shown in Jupyter; ``to_html(path)`` writes the page).
    """
    from ..viz.stepper import BackwardStepper

    root = trace(expr_fn, leaves)
    if isinstance(root, Leaf | Num):
        raise ValueError("compare(): the expression is a single leaf: there is no backward pass")
    for node in nodes(root):
        if isinstance(node, Apply) and node.op not in _ONE_NODE_OPS:
            raise ValueError(
                f"compare(): {node.op} is one node in this engine but usually two in a "
                "micrograd-style one (a - b as a + (-b), a / b as a * b**-1), so the two graphs "
                "would not line up box for box; write it that way in the expression"
            )
    name_of = names(root)
    ours = build(root, Value)
    for node, obj in ours.objects.items():
        obj.label = name_of[node]
    learner = Learner(value_class, seconds)
    sent = _recorded_steps(root, learner, seconds)
    by_value = {id(obj): node for node, obj in ours.objects.items()}
    learner_steps = []
    for step in backward_steps(ours.root):
        node = by_value[id(step.node)]
        assert isinstance(node, Apply)
        fired = sent.get(node)
        g, deltas = (fired.grad, fired.deltas) if fired is not None else (0.0, [])
        inputs = [a for a in node.args if not isinstance(a, Num)]
        terms = []
        seen: set[int] = set()
        for parent in step.node.parents:
            if parent.is_constant or id(parent) in seen:
                # A constant gets nothing; an input used twice (x * x) gets both terms at
                # once, which the learner's engine does not tell apart: shown on its first edge.
                terms.append(0.0)
                continue
            seen.add(id(parent))
            k = next(i for i, a in enumerate(inputs) if ours.objects[a] is parent)
            terms.append(deltas[k] if k < len(deltas) else 0.0)
        learner_steps.append(BackwardStep(step.node, g, tuple(terms)))
    ours_stepper = BackwardStepper(ours.root, precision=precision)
    theirs_stepper = BackwardStepper(ours.root, precision=precision, steps=learner_steps)
    trial = run_trial(root, learner)
    first = trial.first_divergence if trial is not None else None
    marked = None
    caption = "The two engines agree at every node."
    if first is not None:
        target = next(n for n in nodes(root) if name_of[n] == first)
        marked = ours_stepper.nodes.index(ours.objects[target])
        parts = []
        steps_by_node = {by_value[id(s.node)]: s for s in backward_steps(ours.root)}
        for user in nodes(root):
            if isinstance(user, Apply) and target in user.args:
                edge = [p is ours.objects[target] for p in ours.objects[user].parents].index(True)
                mine = steps_by_node[user].parent_grads[edge]
                user_inputs: list[Expr] = [a for a in user.args if not isinstance(a, Num)]
                k = user_inputs.index(target)
                done = sent.get(user)
                if done is None:
                    yours = "never ran in your engine"
                else:
                    old, new = done.before[k], done.after[k]
                    yours = (
                        f"your {name_of[user]} changed {first}.grad from {old:.{precision}g} "
                        f"to {new:.{precision}g} (by {new - old:.{precision}g})"
                    )
                parts.append(
                    f"{name_of[user]} = {OPS[user.op].text(*_arg_names(user, name_of))} "
                    f"sends {first} {mine:.{precision}g} here; {yours}"
                )
        where = f"First divergence: {first} (shaded red, dashed outline)"
        caption = ". ".join([where, *parts]) + "."
    return Comparison(ours_stepper, theirs_stepper, first, caption, marked)

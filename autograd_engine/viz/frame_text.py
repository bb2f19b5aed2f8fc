"""The stepper's words: box texts, edge labels and captions, read off the frame model.

Every text the page, the still pictures and the notebooks show comes from here, written
from a :class:`~.frame_model.Frame` with one number formatter at the stepper's
``precision``: a box shows ``grad –`` before any term has arrived (never 0), ``grad 0.5
(1/2)`` while terms are missing, ``grad 0.5`` once complete; a caption says what the frame
*shows*: a backward frame the terms just sent, in the past tense, and each receiving node's
sum as its box now holds it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .format import format_number
from .frame_model import BoxState, Frame, Send
from .stepper_group import Unit, symbol

__all__ = ["WAITING", "box_texts", "caption", "edge_labels", "expression"]

WAITING = "–"  # what a gradient shows before any term has arrived: not 0, nothing yet
_INFIX = ("+", "*", "-", "/")
#: The most edges a grouped caption spells out (the rest are counted).
_SHOWN = 8


def _formatter(digits: int) -> Callable[[float], str]:
    def write(x: float) -> str:
        return format_number(x, digits)

    return write


def _numbers(word: str, values: Sequence[float], digits: int) -> str:
    """``data 0.5`` for one output; ``data 0.5, -1.2, … (16)`` for a layer's many."""
    shown = ", ".join(format_number(v, digits) for v in values[:3])
    more = f", … ({len(values)})" if len(values) > 3 else ""
    return f"{word} {shown}{more}"


def box_texts(state: BoxState, digits: int, root: bool = False) -> dict[str, str]:
    """A box's texts: ``data``, ``grad`` (its two lines), ``arrival`` (``waiting``,
    ``partial``, ``complete``: the gradient's colour), ``terms`` (``1 of 2``) and ``state``
    (``pending`` before it is computed, ``updated`` when the update just moved it)."""
    data = "data ?" if state.data is None else _numbers("data", state.data, digits)
    if state.grad is None:
        grad, arrival = f"grad {WAITING}", "waiting"
    elif state.complete:
        grad, arrival = _numbers("grad", state.grad, digits), "complete"
    else:
        grad = f"{_numbers('grad', state.grad, digits)} ({state.arrived}/{state.expected})"
        arrival = "partial"
    terms = "seed" if root and state.arrived else f"{state.arrived} of {state.expected}"
    kind = "pending" if state.data is None else "updated" if state.moved else ""
    return {"data": data, "grad": grad, "state": kind, "arrival": arrival, "terms": terms}


def edge_labels(frame: Frame, digits: int) -> dict[int, str]:
    """Input position -> the label of that edge in this frame (backward: what it carries)."""
    if frame.phase != "backward":
        return {}
    on_edge: dict[int, list[Send]] = {}
    for send in frame.sends:
        on_edge.setdefault(send.edge, []).append(send)
    labels = {}
    for edge, sends in on_edge.items():
        if len(sends) > 1:
            labels[edge] = f"{len(sends)} terms"
        else:
            labels[edge] = (
                _product(sends[0], digits)
                if sends[0].local is not None
                else (format_number(sends[0].term, digits))
            )
    return labels


def _product(send: Send, digits: int) -> str:
    assert send.incoming is not None
    assert send.local is not None
    f = _formatter(digits)
    return f"{f(send.incoming)} × {f(send.local)} = {f(send.term)}"


def expression(op: str, operands: Sequence[str]) -> str:
    """How a node is made, as written on a board: ``x1 * w1``, ``u**2``, ``tanh(n)``."""
    if op in _INFIX and len(operands) == 2:
        return f"{symbol(operands[0])} {op} {symbol(operands[1])}"
    if op.startswith("**") and len(operands) == 1:
        return f"{symbol(operands[0])}{op}"
    if op == "neg" and len(operands) == 1:
        return f"-{symbol(operands[0])}"
    return f"{op}({', '.join(operands)})"


def _sum(send: Send, root: str, digits: int) -> str:
    """``∂L/∂u = 0.46 + 0.46 = 0.92, 2 of 3 terms arrived``: the receiver as its box shows it."""
    f = _formatter(digits)
    terms = send.so_far
    if len(terms) == 1:
        written = f(send.total)
    elif len(terms) <= 4:
        written = f"{' + '.join(f(t) for t in terms)} = {f(send.total)}"
    else:
        biggest = sorted(terms, key=abs, reverse=True)[:3]
        written = (
            f"a sum of {len(terms)} terms (largest {', '.join(f(t) for t in biggest)}) "
            f"= {f(send.total)}"
        )
    if send.expected == 1:
        status = "its only term arrived"
    elif send.complete:
        status = (
            "both terms arrived" if send.expected == 2 else f"all {send.expected} terms arrived"
        )
    else:
        status = f"{len(terms)} of {send.expected} terms arrived"
    return f"∂{root}/∂{symbol(send.target)} = {written}, {status}"


def caption(
    frame: Frame, units: Sequence[Unit], root: str, digits: int, *, last_backward: bool = False
) -> str:
    """What ``frame`` shows, in words and numbers (one line per edge or parameter).

    Args:
        frame: the frame.
        units: the boxes (names, kinds).
        root: the root's name.
        digits: significant digits (the stepper's ``precision``).
        last_backward: this is the last backward frame: say the pass is done.
    """
    f = _formatter(digits)
    r = symbol(root)
    m = frame.count
    lines: list[str] = []
    if frame.folded:
        lines.append(f"({frame.folded} steps outside this view ran before this one)")
    head = f"{frame.phase} {frame.number}/{m}"
    if frame.phase in ("forward", "forward again"):
        grouped = any(u.kind == "group" for u in units)
        if frame.firing is None:
            what = "boxes" if grouped else "computed nodes"
            if frame.phase == "forward":
                lines.append(
                    f"{head}: the leaves hold the inputs and parameters; the {m} {what} have "
                    "no value yet."
                )
            else:
                lines.append(
                    f"{head}: the parameters have moved, so the {m} {what} are out of date; "
                    "the gradients are cleared for the next pass (zero_grad)."
                )
        else:
            unit = units[frame.firing]
            state = frame.boxes[frame.firing]
            assert state.data is not None
            if unit.kind == "group":
                ins = ", ".join(frame.operands) or "its parameters"
                values = ", ".join(f(v) for v in state.data[:4])
                more = f" and {len(state.data) - 4} more" if len(state.data) > 4 else ""
                lines.append(
                    f"{head}: {unit.name} ({unit.op}, {len(unit.members)} nodes) is computed "
                    f"from {ins}: {values}{more}"
                )
            else:
                numbers = expression(frame.op, [f(v) for v in frame.values])
                lines.append(
                    f"{head}: {unit.name} = {expression(frame.op, frame.operands)} = {numbers} "
                    f"= {f(state.data[0])}"
                )
            if frame.was:
                lines[-1] += f" (was {', '.join(f(v) for v in frame.was[:4])})"
            if frame.loss is not None:
                old, new = frame.loss
                lines.append(
                    f"The step moved {root} from {f(old)} to {f(new)} (a change of {f(new - old)})."
                )
        return "\n".join(lines)
    if frame.phase == "update":
        assert frame.lr is not None
        lr = f(frame.lr)
        lines.append(
            f"update: each of the {len(frame.moves)} parameters steps against its gradient, "
            f"p ← p - lr × ∂{r}/∂p, lr = {lr} (the inputs stay as they are)"
        )
        lines += [
            f"  {move.name}: {f(move.old)} - {lr} × {f(move.grad)} = {f(move.new)}"
            for move in frame.moves
        ]
        return "\n".join(lines)
    # backward
    if frame.firing is None:
        lines.append(
            f"{head}: the seed ∂{r}/∂{r} = {f(frame.incoming[0])}; no other node has a "
            f"gradient yet ({WAITING})."
        )
        if last_backward:
            lines.append(f"Done: every node holds ∂{r}/∂node, exactly what backward() gives.")
        return "\n".join(lines)
    unit = units[frame.firing]
    g = ", ".join(f(v) for v in frame.incoming[:3])
    if unit.kind == "group":
        more = f" and {len(frame.incoming) - 3} more" if len(frame.incoming) > 3 else ""
        rules = sum(1 for node in unit.members if not node.is_leaf)
        lines.append(
            f"{head}: {unit.name} ({unit.op}) ran its {rules} rules, from its output back to "
            f"its inputs, with ∂{r}/∂{symbol(unit.name)} = {g}{more} complete."
        )
        sends = list(frame.sends)
        shown = sends
        if len(sends) > _SHOWN:
            keep = set(sorted(range(len(sends)), key=lambda i: -abs(sends[i].term))[:_SHOWN])
            shown = [s for i, s in enumerate(sends) if i in keep]
        for send in shown:
            through = f" (summed over {send.paths} paths)" if send.paths > 1 else ""
            lines.append(
                f"  to {send.target}: sent {f(send.term)}{through}; {_sum(send, r, digits)}"
            )
        if len(shown) < len(sends):
            lines.append(
                f"  ... the {len(shown)} largest of {len(sends)} terms shown; every box's sum "
                "is in the table"
            )
        if frame.params:
            listed = ", ".join(
                f"{name.removeprefix(unit.name + '.')} = {f(v)}" for name, v in frame.params
            )
            lines.append(f"  its {len(frame.params)} parameters got their gradients: {listed}")
        if frame.hidden:
            lines.append(
                f"  and {frame.hidden} terms went to parameters shared with other calls of this "
                f"{unit.op} (not drawn: each sums one term per call)"
            )
    else:
        this = symbol(unit.name)
        count = frame.incoming_terms
        if unit.kind == "output":
            why = "the seed"
        else:
            why = "its only term arrived" if count == 1 else f"all {count} terms arrived"
        made = expression(frame.op, frame.operands)
        verb = "fires next" if frame.stage == "fires" else "fired"
        lines.append(
            f"{head}: {unit.name} = {made} {verb}, with ∂{r}/∂{this} = {g} complete ({why})."
        )
        for send in frame.sends:
            that = symbol(send.target)
            local = f(send.local if send.local is not None else 0.0)
            said = send.rule is None or send.rule == local
            rule = f"∂{this}/∂{that} = " + ("" if said else f"{send.rule} = ") + local
            if frame.stage == "fires":
                tail = f"it will send {_product(send, digits)}"
                if send.op == "+" and send.local == 1:
                    tail += " (a sum passes its gradient on unchanged)"
            else:
                tail = f"sent {_product(send, digits)}; "
                tail += (
                    _sum(send, r, digits) if send.last else f"another term to {send.target} follows"
                )
            lines.append(f"  to {send.target}: local {rule}; {tail}")
    if last_backward:
        lines.append(f"Done: every node holds ∂{r}/∂node, exactly what backward() gives.")
    return "\n".join(lines)

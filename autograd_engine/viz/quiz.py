"""The stepper's quiz: before each backward step, the learner computes what it will send.

At backward frame ``k`` a node is about to fire. Its gradient ``g = dL/d(node)`` is complete
(the page shows it), and for each input it will send one chain-rule term along that edge::

    term = dL/d(node) × d(node)/d(input)      (incoming gradient × local derivative)

That one product *is* backpropagation, so it is what the quiz asks for: one
:class:`Question` per edge, in the order ``backward()`` sends them, asked at the frame that
shows the state *before* the node fires. A ``+`` passes its gradient on unchanged: those
terms are filled in with a line saying so, unless ``quiz="all"``. The answer is the
engine's own number (``BackwardStep.parent_grads``), never recomputed here. The local
derivative and the product shown when an answer is wrong come from the op's rule and its
``derivative_text``, as in the stepper's captions.

Answers are checked by :func:`grade`, a small pure function the page's script mirrors
(``quiz.js``; the browser test checks both agree on a table of inputs):

* what counts as a number (:func:`parse_answer`): ``0.5``, ``-1e-3``, ``.5``, ``+2``, ``5.``
  and a typographic minus ``−0.5``; anything else is *unreadable*: refused with a message and
  never counted as an attempt;
* what counts as right: within :data:`REL_TOL` (1 %) of the engine's number, relative to
  it however small it is (a learner multiplying the page's rounded numbers lands well
  inside that), and for an engine's number of exactly 0, a typed 0 (within :data:`ABS_TOL`);
* a wrong answer that matches a classic slip (the local derivative alone, the incoming
  gradient alone, the sign flipped, the running sum instead of the one term, the term of the
  other edge, a division instead of a product) is told which slip it is.

The answers travel inside the page (a learner who reads the page source can find them): the
quiz is for practice, not for exams.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .format import format_number
from .frame_model import Frame
from .frame_text import expression
from .stepper_group import Unit, symbol

__all__ = ["ABS_TOL", "REL_TOL", "Question", "grade", "is_right", "parse_answer", "questions"]

#: An answer within this fraction of the engine's number is right (1 %).
REL_TOL = 0.01
#: ... or, when the engine's number is exactly 0, within this much of 0 (only an exact zero
#: has no relative size; a small term such as 0.000439 is still judged to 1 %).
ABS_TOL = 1e-12

#: A decimal number as people type it: optional sign, digits with an optional point (or a
#: point and digits), an optional exponent. No spaces inside, no commas, no words.
NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBER = re.compile(NUMBER)


@dataclass(frozen=True, slots=True)
class Question:
    """One chain-rule term to compute before a backward step runs.

    Attributes:
        frame: the index in :attr:`BackwardStepper.frames` of the backward frame it is asked
            at (the node about to fire is outlined there).
        step: that frame's backward number ``k``.
        sender: the box (index in ``stepper.nodes``) of the node about to fire.
        receiver: the box of the input the term is sent to.
        edge: the SVG id of the edge it travels along (``n3_e0``).
        prompt: the question, in words, with the incoming gradient's value.
        incoming: ``dL/d(sender)``, complete at this step.
        local: the local derivative ``d(sender)/d(receiver)`` at the node's values.
        answer: the term the engine sends, ``incoming × local`` as ``backward()`` computes it.
        rule: the local derivative written out: ``∂n/∂x1 = w1 = -3``.
        product: the chain rule with the numbers: ``∂L/∂n × ∂n/∂x1 = 0.5 × -3 = -1.5``.
        mistakes: ``(value, why)`` for classic slips whose value is not itself right, in the
            order they are checked.
        given: not asked, filled in with this line: a ``+`` passing its gradient on
            unchanged needs no thought (``quiz="all"`` asks it too); "" when asked.
    """

    frame: int
    step: int
    sender: int
    receiver: int
    edge: str
    prompt: str
    incoming: float
    local: float
    answer: float
    rule: str
    product: str
    mistakes: tuple[tuple[float, str], ...]
    given: str = ""


def parse_answer(text: str) -> float | None:
    """The number the learner typed, or None if ``text`` is not one (see :data:`NUMBER`).

    >>> [parse_answer(t) for t in ("0.5", " -1e-3 ", ".5", "−2", "5.", "1,5", "abc", "", "1e999")]
    [0.5, -0.001, 0.5, -2.0, 5.0, None, None, None, None]
    """
    text = text.strip().replace("−", "-")
    if not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def is_right(typed: float, answer: float) -> bool:
    """Whether ``typed`` is within :data:`REL_TOL` of ``answer`` (relative), or, for an
    answer of exactly 0, within :data:`ABS_TOL` of 0.

    >>> is_right(-1.5, -1.5), is_right(-1.51, -1.5), is_right(-1.6, -1.5), is_right(0.0, 5e-5)
    (True, True, False, False)
    >>> is_right(0.0005, 0.000439), is_right(0.000441, 0.000439), is_right(0.0, 0.0)
    (False, True, True)
    """
    if answer == 0:
        return abs(typed) <= ABS_TOL
    return abs(typed - answer) <= REL_TOL * abs(answer)


def grade(question: Question, text: str) -> tuple[str, str]:
    """``("right" | "wrong" | "unreadable", why)`` for the learner's ``text``.

    ``why`` is empty when right; for a wrong answer, the slip it matches (or ""); for an
    unreadable one, what to type instead.
    """
    typed = parse_answer(text)
    if typed is None:
        return "unreadable", (
            f"{text.strip()!r} is not a number: type a decimal such as 0.5, -1.5, .25 or 1e-3"
        )
    if is_right(typed, question.answer):
        return "right", ""
    for value, why in question.mistakes:
        if is_right(typed, value):
            return "wrong", why
    return "wrong", ""


def questions(
    frames: Sequence[Frame],
    units: Sequence[Unit],
    root: str,
    *,
    ask_all: bool = False,
) -> tuple[Question, ...]:
    """Every question of a quiz: one per term sent, at the frame before it is sent.

    Args:
        frames: the stepper's frames, with a ``"fires"`` frame before each firing.
        units: the boxes (one per node).
        root: the root's name.
        ask_all: also ask the terms a ``+`` passes on unchanged (by default they are filled
            in, ``given``, with a line saying why: nothing to compute there).

    Raises:
        ValueError: a term is NaN or infinite (nothing a learner can type and be checked on).
    """
    r = symbol(root)
    asked: list[Question] = []
    for frame in frames:
        if frame.stage != "fires" or frame.firing is None:
            continue
        sender = units[frame.firing]
        this = symbol(sender.name)
        made = expression(frame.op, frame.operands)
        for send in frame.sends:
            assert send.incoming is not None
            assert send.local is not None
            g, derivative, answer = send.incoming, send.local, send.term
            that = symbol(send.target)
            if not (math.isfinite(answer) and math.isfinite(g)):
                raise ValueError(
                    f"BackwardStepper(quiz=True): the term {sender.name} sends to "
                    f"{send.target} is {format_number(answer)} (incoming gradient "
                    f"{format_number(g)}); a quiz needs finite numbers: quiz a smaller graph "
                    "or other inputs"
                )
            twice = sum(1 for s in frame.sends if s.target == send.target) > 1
            ordinal = ("first", "second")[send.edge] if send.edge < 2 else f"#{send.edge + 1}"
            which = f" (its {ordinal} input)"
            to = send.target + (which if twice else "")
            value = format_number(derivative)
            said = send.rule is None or send.rule == value  # ∂(a + b)/∂a = 1, not "1 = 1"
            rule = f"∂{this}/∂{that} = " + ("" if said else f"{send.rule} = ") + value
            product = (
                f"∂{r}/∂{this} × ∂{this}/∂{that} = {format_number(g)} × "
                f"{format_number(derivative)} = {format_number(answer)}"
            )
            prompt = (
                f"{sender.name} = {made} is about to fire, with its gradient ∂{r}/∂{this} = "
                f"{format_number(g)} complete. What term does it send to {to}? Type the "
                f"incoming gradient × the local derivative: ∂{r}/∂{this} × ∂{this}/∂{that}."
            )
            before = send.so_far[:-1]
            slips = [
                (
                    derivative,
                    f"that is the local derivative ∂{this}/∂{that} alone: multiply it by the "
                    f"incoming gradient ∂{r}/∂{this} = {format_number(g)}",
                ),
                (
                    g,
                    f"that is the incoming gradient ∂{r}/∂{this} alone: multiply it by the "
                    f"local derivative ∂{this}/∂{that}",
                ),
                (
                    -answer,
                    "right size, wrong sign: check the sign of the local derivative and of "
                    "the incoming gradient",
                ),
            ]
            if before:
                slips.append(
                    (
                        send.total,
                        f"that is the whole sum ∂{r}/∂{that} after this term arrives: type "
                        "only the one term sent along this edge",
                    )
                )
            for other in frame.sends:
                if other.edge != send.edge:
                    slips.append(
                        (
                            other.term,
                            f"that is the term sent along the other edge, to {other.target}: "
                            f"take the derivative with respect to {send.target}",
                        )
                    )
            if derivative != 0:
                slips.append(
                    (
                        g / derivative,
                        "that divides the incoming gradient by the local derivative: the "
                        "chain rule multiplies them",
                    )
                )
            mistakes = tuple(
                (value, why)
                for value, why in slips
                if math.isfinite(value) and not is_right(value, answer)
            )
            given = ""
            if send.op == "+" and derivative == 1 and not ask_all:
                given = (
                    f"{sender.name} is a sum: ∂{this}/∂{that} = 1, so it passes its gradient "
                    f"on unchanged: {format_number(answer)}"
                )
            asked.append(
                Question(
                    frame.index,
                    frame.number,
                    frame.firing,
                    send.receiver,
                    f"n{frame.firing}_e{send.edge}",
                    prompt,
                    g,
                    derivative,
                    answer,
                    rule,
                    product,
                    mistakes,
                    given,
                )
            )
    return tuple(asked)

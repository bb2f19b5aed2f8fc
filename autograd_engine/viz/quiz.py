"""The stepper's quiz: before each backward step, the learner computes what it will send.

At backward frame ``k`` a node is about to fire. Its gradient ``g = dL/d(node)`` is complete
(the page shows it), and for each input it will send one chain-rule term along that edge::

    term = dL/d(node) × d(node)/d(input)      (incoming gradient × local derivative)

That one product *is* backpropagation, so it is what the quiz asks for: one
:class:`Question` per edge, in the order ``backward()`` sends them. The answer is the
engine's own number (``BackwardStep.parent_grads``), never recomputed here. The local
derivative and the product shown when an answer is wrong come from the op's rule and its
``derivative_text``, as in the stepper's captions.

Answers are checked by :func:`grade`, a small pure function the page's script mirrors
(``quiz.js``; the browser test checks both agree on a table of inputs):

* what counts as a number (:func:`parse_answer`): ``0.5``, ``-1e-3``, ``.5``, ``+2``, ``5.``
  and a typographic minus ``−0.5``; anything else is *unreadable*: refused with a message and
  never counted as an attempt;
* what counts as right: within :data:`REL_TOL` (1 %) of the engine's number, or within
  :data:`ABS_TOL` of it, since the page shows numbers rounded to 4 significant digits and a
  learner multiplies the rounded ones;
* a wrong answer that matches a classic slip (the local derivative alone, the incoming
  gradient alone, the sign flipped, the running sum instead of the one term, the term of the
  other edge, a division instead of a product) is told which slip it is.

The answers travel inside the page (a learner who reads the page source can find them): the
quiz is for practice, not for exams.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .format import format_number

if TYPE_CHECKING:
    from .stepper import BackwardStepper

__all__ = ["ABS_TOL", "REL_TOL", "Question", "grade", "is_right", "parse_answer", "questions"]

#: An answer within this fraction of the engine's number is right (1 %).
REL_TOL = 0.01
#: ... or within this much of it (for answers at or near 0).
ABS_TOL = 1e-4

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
    """Whether ``typed`` is within :data:`REL_TOL` of ``answer``, or within :data:`ABS_TOL`.

    >>> is_right(-1.5, -1.5), is_right(-1.51, -1.5), is_right(-1.6, -1.5), is_right(0.0, 5e-5)
    (True, True, False, True)
    """
    return abs(typed - answer) <= max(REL_TOL * abs(answer), ABS_TOL)


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


def questions(stepper: BackwardStepper) -> tuple[Question, ...]:
    """Every question of ``stepper``'s quiz: one per edge of each backward step, in order.

    Raises:
        ValueError: a term is NaN or infinite (nothing a learner can type and be checked on).
    """
    root = stepper._symbol(stepper.root)
    position = {node: i for i, node in enumerate(stepper.nodes)}
    asked: list[Question] = []
    received: dict[int, list[float]] = {}  # the terms each box has received so far
    for k, step in enumerate(stepper.steps):
        node = step.node
        this = stepper._symbol(node)
        g = float(step.grad)
        op = node._op
        assert op is not None  # a step is only taken at a computed node
        local = op.backward(1.0, node.data, *(p.data for p in node.parents))
        edges = [j for j, p in enumerate(node.parents) if not p.is_constant]
        terms = [float(t) for t in step.parent_grads]
        for j in edges:
            parent = node.parents[j]
            that = stepper._symbol(parent)
            answer, derivative = terms[j], float(local[j])
            if not (math.isfinite(answer) and math.isfinite(g)):
                raise ValueError(
                    f"BackwardStepper(quiz=True): the term {stepper.name(node)} sends to "
                    f"{stepper.name(parent)} is {format_number(answer)} (incoming gradient "
                    f"{format_number(g)}); a quiz needs finite numbers: quiz a smaller graph "
                    "or other inputs"
                )
            twice = sum(1 for p in node.parents if p is parent) > 1
            which = f" (its {('first', 'second')[j] if j < 2 else f'#{j + 1}'} input)"
            to = stepper.name(parent) + (which if twice else "")
            formula = stepper._derivative_formula(node, j)
            value = format_number(derivative)
            said = formula is None or formula == value  # ∂(a + b)/∂a = 1, not "1 = 1"
            rule = f"∂{this}/∂{that} = " + ("" if said else f"{formula} = ") + value
            product = (
                f"∂{root}/∂{this} × ∂{this}/∂{that} = {format_number(g)} × "
                f"{format_number(derivative)} = {format_number(answer)}"
            )
            prompt = (
                f"{stepper.name(node)} = {stepper._formula(node, numbers=False)} is about to "
                f"fire, with its gradient ∂{root}/∂{this} = {format_number(g)} complete. "
                f"What term does it send to {to}? Type the incoming gradient × the local "
                f"derivative: ∂{root}/∂{this} × ∂{this}/∂{that}."
            )
            receiver = position[parent]
            so_far = received.setdefault(receiver, [])
            slips = [
                (
                    derivative,
                    f"that is the local derivative ∂{this}/∂{that} alone: multiply it by the "
                    f"incoming gradient ∂{root}/∂{this} = {format_number(g)}",
                ),
                (
                    g,
                    f"that is the incoming gradient ∂{root}/∂{this} alone: multiply it by the "
                    f"local derivative ∂{this}/∂{that}",
                ),
                (
                    -answer,
                    "right size, wrong sign: check the sign of the local derivative and of "
                    "the incoming gradient",
                ),
            ]
            if so_far:
                slips.append(
                    (
                        sum(so_far) + answer,
                        f"that is the whole sum ∂{root}/∂{that} after this term arrives: type "
                        "only the one term sent along this edge",
                    )
                )
            for other in edges:
                if other != j:
                    slips.append(
                        (
                            terms[other],
                            f"that is the term sent along the other edge, to "
                            f"{stepper.name(node.parents[other])}: take the derivative with "
                            f"respect to {stepper.name(parent)}",
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
            asked.append(
                Question(
                    stepper.backward_start + k,
                    k,
                    position[node],
                    receiver,
                    f"n{position[node]}_e{j}",
                    prompt,
                    g,
                    derivative,
                    answer,
                    rule,
                    product,
                    mistakes,
                )
            )
            so_far.append(answer)
    return tuple(asked)

"""The one colour language of every picture: drawings, stepper pages, network view, watch page,
notebooks.

Two questions a picture of backpropagation answers with colour, each with its own colours so
that no colour ever means two things:

* **Which sign?** Blue for a positive number, orange for a negative one (the TensorFlow
  Playground's pair, told apart with the common colour blindnesses), pale grey for zero.
  A weight's line in the network view, the term an edge carries back in ``draw_dot``, a
  neuron's bias, notebook plots of gradients and errors: all use :func:`sign_colour`.
* **Which pass?** Green for the forward pass and data (a value being computed, a parameter
  just updated), red for the backward pass and gradients (the node firing, the edges sending
  its chain-rule terms), purple for a gradient still being summed (some of its terms have
  arrived; the nodes receiving them), grey and dashed for nothing arrived yet.

Box fills say what a node is: light blue leaves (inputs and parameters), grey intermediate
nodes, amber output, pale green groups. ``nn`` imports these names; nothing here imports ``nn``.
"""

from __future__ import annotations

import math

__all__ = [
    "DATA",
    "GRAD",
    "GROUP_FILL",
    "INTERMEDIATE_FILL",
    "LEAF_FILL",
    "NEGATIVE",
    "OUTPUT_FILL",
    "PARTIAL",
    "PENDING",
    "POSITIVE",
    "UPDATED_FILL",
    "ZERO",
    "sign_colour",
]

#: A positive number (TensorFlow Playground blue).
POSITIVE = "#0877bd"
#: A negative number (TensorFlow Playground orange).
NEGATIVE = "#e8710a"
#: Exactly zero: no sign to show.
ZERO = "#d9d9d9"

#: The forward pass: a value being computed.
DATA = "#2a7a1a"
#: The backward pass: the node firing and the gradient terms it sends.
GRAD = "#d62728"
#: A gradient with some, not all, of its terms arrived; the nodes receiving terms.
PARTIAL = "#7b3294"
#: Nothing arrived yet (drawn dashed).
PENDING = "#b3b3b3"

#: Box fills: what a node is.
LEAF_FILL = "#cfe8fc"
INTERMEDIATE_FILL = "#eeeeee"
OUTPUT_FILL = "#fde9a9"
GROUP_FILL = "#dcefd4"
#: A parameter the update step just moved (a pale :data:`DATA`).
UPDATED_FILL = "#d9f2d0"


def sign_colour(value: float) -> str:
    """:data:`POSITIVE`, :data:`NEGATIVE` or :data:`ZERO` for ``value``.

    Raises:
        ValueError: ``value`` is NaN, which has no sign (say so rather than pick a colour).
    """
    if math.isnan(value):
        raise ValueError("sign_colour: NaN has no sign; check the value before drawing it")
    if value > 0:
        return POSITIVE
    if value < 0:
        return NEGATIVE
    return ZERO

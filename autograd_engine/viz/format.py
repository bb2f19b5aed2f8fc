"""How the drawings and the stepper write numbers and name nodes.

* :func:`format_number`: 4 significant digits, scientific notation for tiny and huge values
  (so a gradient of 3e-05 never shows as 0.0000);
* :func:`node_names`: a node's label, or its op and topological index (``tanh#3``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..value import Value

__all__ = ["format_number", "node_names"]


def format_number(x: float) -> str:
    """``x`` with 4 significant digits; scientific for 0 < |x| < 1e-3 and for |x| >= 1e5.

    >>> [format_number(x) for x in (0.0, 0.5, -1.5, 0.70710678, 3e-05, 123456.0)]
    ['0', '0.5', '-1.5', '0.7071', '3e-05', '1.235e+05']
    """
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else str(x)
    if 1e-3 <= abs(x) < 1e5:
        return f"{x:.4g}"
    mantissa, exponent = f"{x:.3e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{exponent}"


def node_names(order: Sequence[Value]) -> dict[Value, str]:
    """What to call each node: its label, else its op and position in ``order`` (``tanh#3``)."""
    return {node: node.label or f"{node.op or 'leaf'}#{i}" for i, node in enumerate(order)}

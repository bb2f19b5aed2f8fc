"""How the drawings, the stepper and ``print_graph`` write numbers and name nodes.

One formatter, one naming rule, used everywhere, so a node is called the same thing and its
numbers read the same in a node box, an edge label, a caption and a terminal table.

Numbers (:func:`format_number`) keep 4 significant digits, which is what a person compares
at a glance. Plain decimals for 0.001 <= |x| < 100000; scientific notation outside that
range, where plain decimals would print ``0.0000`` for a trained network's gradient or a
long row of digits. Trailing zeros are dropped, and the exponent is written short:

    ========== ========= ========== ===========
    x          text      x          text
    ========== ========= ========== ===========
    0.0        0         0.5        0.5
    -3.0       -3        1234.5678  1235
    1e-5       1e-5      -0.00012   -1.2e-4
    123456.0   1.235e5   nan        nan
    ========== ========= ========== ===========

Names (:func:`node_names`): a node's label when it has one; a number mixed into an
expression (a :class:`~autograd_engine.Constant`) is named by its value; the output of an
``nn`` module call (see :mod:`autograd_engine.scope`) by its scope path; every other node by
its op and an index counting the nodes of that op in topological order: ``tanh#1`` is the
first tanh computed, ``+#12`` the twelfth sum, ``leaf#2`` the second unlabelled input.
"""

from __future__ import annotations

import math
import re

from ..scope import scope_of
from ..value import Value

__all__ = ["format_number", "node_names", "op_label", "rule_text"]

#: Significant digits of :func:`format_number`.
DIGITS = 4
#: Below this magnitude (and above 0) numbers switch to scientific notation.
SMALL = 1e-3
#: From this magnitude on numbers switch to scientific notation.
LARGE = 1e5


def _scientific(x: float, digits: int) -> str:
    mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def format_number(x: float, digits: int = DIGITS) -> str:
    """``x`` with ``digits`` significant digits, in scientific notation when tiny or huge.

    Exact zero is ``"0"`` (also ``-0.0``); NaN and infinities are spelled ``nan``, ``inf``,
    ``-inf``. Plain decimals are used for ``1e-3 <= |x| < 1e5``, rounded to ``digits``
    significant digits but never rounding away integer digits (``12345.6`` is ``12346``).

    >>> [format_number(x) for x in (0.0, 0.5, -3.0, 1234.5678, 1e-5, -0.00012, 123456.0)]
    ['0', '0.5', '-3', '1235', '1e-5', '-1.2e-4', '1.235e5']
    >>> format_number(float("-inf")), format_number(2 / 3, digits=2)
    ('-inf', '0.67')
    """
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 17:
        raise ValueError(f"format_number: digits must be an integer from 1 to 17, not {digits!r}")
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"
    magnitude = abs(x)
    if magnitude < SMALL or magnitude >= LARGE:
        return _scientific(x, digits)
    decimals = max(0, digits - 1 - math.floor(math.log10(magnitude)))
    text = f"{x:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if abs(float(text)) >= LARGE:  # 99999.7 rounds up to 100000: say it the large way
        return _scientific(x, digits)
    return "0" if text == "-0" else text


def node_names(order: list[Value]) -> dict[Value, str]:
    """A readable name for every node of ``order`` (a topological order, inputs first).

    A label wins; a constant is named by its value (``0.01``); the output of an ``nn`` module
    call by its scope path (``layers.0.neurons.3``); any other node by its op and an index
    counted per op in the order given (``tanh#1``, ``+#12``, ``leaf#1`` for an unlabelled
    input). The same graph built twice gets the same names.

    >>> from autograd_engine import Value
    >>> x = Value(2.0, "x")
    >>> y = (x * 0.5).tanh() + x
    >>> from autograd_engine.graph import topological_order
    >>> list(node_names(topological_order(y)).values())
    ['x', '0.5', '*#1', 'tanh#1', '+#1']
    """
    names: dict[Value, str] = {}
    counts: dict[str, int] = {}
    for node in order:
        if node.label:
            names[node] = node.label
            continue
        if node.is_constant:
            names[node] = format_number(node.data)
            continue
        record = scope_of(node)
        if record is not None and record.path:
            names[node] = record.path
            continue
        kind = node.op or "leaf"
        counts[kind] = counts.get(kind, 0) + 1
        names[node] = f"{kind}#{counts[kind]}"
    return names


def op_label(node: Value, names: dict[Value, str]) -> str:
    """The op of ``node`` as drawn in its oval, with constant inputs written in.

    ``x * 0.01`` is drawn ``* 0.01``, ``x + 1`` is ``+ 1``, ``2 ** x`` is ``2 **``: the
    constant takes its place on the op's left or right, and gets no box of its own.
    """
    parents = node.parents
    constants = [names[p] if p.is_constant else None for p in parents]
    if not any(constants):
        return node.op
    if len(parents) == 2:
        return " ".join(part for part in (constants[0], node.op, constants[1]) if part)
    return " ".join([node.op, *(part for part in constants if part)])


# The symbols derivative texts are written in: the output and the inputs of an op.
_SYMBOL = re.compile(r"(?<![A-Za-z_])(out|x|a|b)(?![A-Za-z_])")
_PLAIN_NAME = re.compile(r"[\w.#]+")


def rule_text(node: Value, index: int, names: dict[Value, str]) -> str:
    """The local derivative of ``node`` by its input ``index``, with the graph's names.

    The op table writes ``d tanh(x)/dx`` as ``1 - out²``; for ``o = tanh(n)`` this gives
    ``∂o/∂n = 1 - o²``. "" for a leaf, or an op that carries no derivative text.

    >>> from autograd_engine import Value
    >>> n = Value(0.8814, "n")
    >>> o = n.tanh()
    >>> o.label = "o"
    >>> rule_text(o, 0, {n: "n", o: "o"})
    '∂o/∂n = 1 - o²'
    """
    op = node._op
    if op is None or not op.derivative_text:
        return ""
    meaning = {"out": names[node]}
    if len(op.derivative_text) == 1:  # one input, or one rule for each of many (max)
        template = op.derivative_text[0]
        meaning["x"] = names[node.parents[index]]
    elif index < len(op.derivative_text):
        template = op.derivative_text[index]
        for symbol, parent in zip(("a", "b"), node.parents, strict=False):
            meaning[symbol] = names[parent]
    else:
        return ""

    def written(name: str) -> str:
        return name if _PLAIN_NAME.fullmatch(name) and not name.startswith("-") else f"({name})"

    def substitute(match: re.Match[str]) -> str:
        symbol = match.group(1)
        return written(meaning[symbol]) if symbol in meaning else symbol

    text = _SYMBOL.sub(substitute, template)
    return f"∂{written(names[node])}/∂{written(names[node.parents[index]])} = {text}"

"""The one number formatter, node names, op labels with constants, and rule texts."""

from __future__ import annotations

import math

import pytest

from autograd_engine import Value, maximum
from autograd_engine.graph import topological_order
from autograd_engine.ops import OPS, leaky_relu_op, pow_op
from autograd_engine.viz import draw_dot, graph_text
from autograd_engine.viz.format import format_number, node_names, op_label, rule_text
from tests.examples import lecture_graph


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (0.0, "0"),
        (-0.0, "0"),
        (1e-5, "1e-5"),
        (-0.00012, "-1.2e-4"),
        (0.000438568, "4.386e-4"),
        (0.001, "0.001"),
        (0.5, "0.5"),
        (2.0, "2"),
        (-3.0, "-3"),
        (1 / 3, "0.3333"),
        (1234.5678, "1235"),
        (12345.6, "12346"),  # integer digits are never rounded away
        (99999.7, "1e5"),  # rounds up into the scientific range
        (123456.0, "1.235e5"),
        (-2.5e10, "-2.5e10"),
        (5e-324, "4.941e-324"),
        (math.nan, "nan"),
        (math.inf, "inf"),
        (-math.inf, "-inf"),
    ],
)
def test_format_number_table(x: float, text: str) -> None:
    assert format_number(x) == text


def test_format_number_digits_and_bad_digits() -> None:
    assert format_number(math.pi, digits=2) == "3.1"
    assert format_number(math.pi, digits=8) == "3.1415927"
    with pytest.raises(ValueError, match="digits must be an integer from 1 to 17"):
        format_number(1.0, digits=0)


def test_every_drawn_number_goes_through_format_number() -> None:
    x = Value(0.00001234, "x")
    y = x * 123456.0
    y.label = "y"
    y.backward()
    source = draw_dot(y).source
    assert r"data\ 1.234e-5" in source
    assert r"grad\ 1.235e5" in source  # dy/dx = the constant
    assert "* 1.235e5" in source  # the constant inside its op, same format
    text = graph_text(y)
    assert "data 1.234e-5" in text
    first, second = text.splitlines()[:2]
    assert "grad 1.235e5" in second
    # Right-aligned: x's gradient ends where the root's "grad 1" ends.
    assert (
        second.index("1.235e5") + len("1.235e5")
        == first.index("grad") + first[first.index("grad") :].index("1") + 1
    )


def test_node_names_label_constant_and_op_index() -> None:
    x = Value(2.0, "x")
    a = (x * 0.5).tanh()
    b = (x * 3.0).tanh()
    out = a + b
    names = node_names(topological_order(out))
    assert names[x] == "x"
    assert names[a] == "tanh#1"
    assert names[b] == "tanh#2"
    assert names[out] == "+#1"
    assert sorted(n for v, n in names.items() if v.is_constant) == ["0.5", "3"]


def test_node_names_are_deterministic() -> None:
    def build() -> Value:
        x, y = Value(1.0), Value(2.0)
        return ((x * y).tanh() + x * 2.0).exp()

    first = list(node_names(topological_order(build())).values())
    second = list(node_names(topological_order(build())).values())
    assert first == second
    assert len(set(first)) == len(first)  # no two unlabelled nodes share a name
    assert first[-1] == "exp#1"


def test_op_label_writes_constants_in_place() -> None:
    x = Value(1.0, "x")
    cases = {x * 0.01: "* 0.01", x + 1: "+ 1", 2**x: "2 **", x**2: "**2", x * x: "*"}
    for node, label in cases.items():
        assert op_label(node, node_names(topological_order(node))) == label


def test_every_op_has_one_derivative_text_per_input() -> None:
    # max and min have one rule for each of their many inputs
    arity = {"+": 2, "-": 2, "*": 2, "/": 2, "**": 2, "atan2": 2, "hypot": 2, "%": 2}
    for op in [*OPS.values(), pow_op(3.0), pow_op(-0.5), leaky_relu_op(0.2)]:
        assert len(op.derivative_text) == arity.get(op.name, 1), op.name
        assert all(text.strip() for text in op.derivative_text), op.name
    assert pow_op(3.0).derivative_text == ("3·x^(2)",)
    assert leaky_relu_op(0.2).derivative_text == ("1 if x > 0 else 0.2",)


def test_the_rule_of_max_names_each_input() -> None:
    a, b = Value(1.0, "a"), Value(3.0, "b")
    m = maximum(a, b)
    m.label = "m"
    names = node_names(topological_order(m))
    assert rule_text(m, 1, names) == "∂m/∂b = 1 if b = m else 0 (k tied inputs get 1/k each)"


def test_rule_text_uses_the_graph_names() -> None:
    loss, nodes = lecture_graph()
    names = node_names(topological_order(loss))
    assert rule_text(nodes["L"], 0, names) == "∂L/∂d = f"
    assert rule_text(nodes["e"], 1, names) == "∂e/∂b = a"
    n = Value(0.88, "n")
    o = n.tanh()
    assert rule_text(o, 0, node_names(topological_order(o))) == "∂tanh#1/∂n = 1 - tanh#1²"
    total = n + n * 2.0  # a name with an operator in it is put in parentheses
    assert rule_text(total, 0, node_names(topological_order(total))) == "∂(+#1)/∂n = 1"
    assert rule_text(n, 0, {n: "n"}) == ""  # a leaf has no rule


def test_print_graph_and_drawings_show_the_rules() -> None:
    loss, _ = lecture_graph()
    assert "∂L/∂d = f" in graph_text(loss)
    source = draw_dot(loss).source
    assert 'tooltip="∂L/∂d = f' in source  # on the op oval and the edge
    assert 'label="∂L/∂d = f" tooltip="∂L/∂d = f"' in draw_dot(loss, rules=True).source


def _sum_of(n: int) -> Value:
    total = Value(0.0, "x0")
    for i in range(1, n // 2):
        total = total + Value(float(i))
    return total


def test_print_graph_grows_linearly_with_a_deep_graph() -> None:
    # A tree indents each level once more, so a sum's text grew with the square of its
    # length (an 8,000-node sum printed ~490 MB). Deep graphs are a flat table now.
    small, large = len(graph_text(_sum_of(2000))), len(graph_text(_sum_of(4000)))
    assert large < 2.3 * small
    assert len(graph_text(_sum_of(8000))) < 1_500_000
    header, first = graph_text(_sum_of(100)).splitlines()[:2]
    assert header.split() == ["node", "op", "data", "grad", "inputs", "local", "derivatives"]
    assert first.startswith("+#49")  # output first: the order backward visits nodes

"""print_graph: the graph as an indented tree for a terminal."""

from __future__ import annotations

import io

import pytest

from autograd_engine import Value
from autograd_engine.viz import graph_text, print_graph
from tests.examples import lecture_graph


def test_lecture_graph_as_a_tree() -> None:
    loss, _ = lecture_graph()
    loss.backward()
    out = io.StringIO()
    print_graph(loss, file=out)
    # format_number's numbers, right-aligned; each input's line ends with its local derivative.
    assert out.getvalue() == (
        "L              *     data -8  grad  1\n"
        "├── d          +     data  4  grad -2  ∂L/∂d = f\n"
        "│   ├── e      *     data -6  grad -2  ∂d/∂e = 1\n"
        "│   │   ├── a  leaf  data  2  grad  6  ∂e/∂a = b\n"
        "│   │   └── b  leaf  data -3  grad -4  ∂e/∂b = a\n"
        "│   └── c      leaf  data 10  grad -2  ∂d/∂c = 1\n"
        "└── f          leaf  data -2  grad  4  ∂L/∂f = d\n"
    )


def test_a_shared_node_is_written_out_once() -> None:
    x = Value(3.0, "x")
    y = x * x
    y.label = "y"
    z = y + y
    assert graph_text(z, show_grad=False, precision=1) == (
        "+#1        +     data 18\n"  # was n2, data 18.0; integer digits are never rounded
        "├── y      *     data  9  ∂(+#1)/∂y = 1\n"
        "│   ├── x  leaf  data  3  ∂y/∂x = x\n"
        "│   └── x (see above)  ∂y/∂x = x\n"  # the second term of dy/dx
        "└── y (see above)  ∂(+#1)/∂y = 1"
    )


def test_a_deep_chain_needs_no_recursion() -> None:
    x = Value(0.1)
    for _ in range(2000):  # deeper than Python's recursion limit
        x = x + 0.0
    # Constants get no line now (was 4001 lines), and a chain this deep is printed as a
    # table: a header and one line per node.
    assert len(graph_text(x, form="tree").splitlines()) == 2001
    assert len(graph_text(x).splitlines()) == 2002


@pytest.mark.parametrize(
    ("root", "precision", "message"),
    [(1.0, 4, "root must be a Value"), (Value(1.0), 40, "precision")],
)
def test_bad_arguments_are_named(root: object, precision: int, message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        graph_text(root, precision=precision)  # type: ignore[arg-type]

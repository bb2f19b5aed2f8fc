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
    assert out.getvalue() == (
        "L              *     data -8.0000  grad  1.0000\n"
        "├── d          +     data  4.0000  grad -2.0000\n"
        "│   ├── e      *     data -6.0000  grad -2.0000\n"
        "│   │   ├── a  leaf  data  2.0000  grad  6.0000\n"
        "│   │   └── b  leaf  data -3.0000  grad -4.0000\n"
        "│   └── c      leaf  data  10.0000  grad -2.0000\n"
        "└── f          leaf  data -2.0000  grad  4.0000\n"
    )


def test_a_shared_node_is_written_out_once() -> None:
    x = Value(3.0, "x")
    y = x * x
    y.label = "y"
    z = y + y
    assert graph_text(z, show_grad=False, precision=1) == (
        "n2         +     data  18.0\n"
        "├── y      *     data  9.0\n"
        "│   ├── x  leaf  data  3.0\n"
        "│   └── x (see above)\n"
        "└── y (see above)"
    )


def test_a_deep_chain_needs_no_recursion() -> None:
    x = Value(0.1)
    for _ in range(2000):  # deeper than Python's recursion limit
        x = x + 0.0
    assert len(graph_text(x).splitlines()) == 4001  # each + has the chain and a constant


@pytest.mark.parametrize(
    ("root", "precision", "message"),
    [(1.0, 4, "root must be a Value"), (Value(1.0), 40, "precision")],
)
def test_bad_arguments_are_named(root: object, precision: int, message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        graph_text(root, precision=precision)  # type: ignore[arg-type]

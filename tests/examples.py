"""Worked-example graphs shared by the tests (each with its published numbers in the tests)."""

from __future__ import annotations

from autograd_engine import Value


def lecture_graph() -> tuple[Value, dict[str, Value]]:
    """The micrograd lecture's L = (a*b + c) * f with a=2, b=-3, c=10, f=-2 (so L = -8).

    Returns the loss and every node by its label: a, b, c, f, e = a*b, d = e + c, L.
    """
    a, b, c, f = Value(2.0, "a"), Value(-3.0, "b"), Value(10.0, "c"), Value(-2.0, "f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    loss = d * f
    loss.label = "L"
    return loss, {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "L": loss}

# The micrograd lecture's L = (a*b + c) * f.
# Run: the graph with every gradient. Step: the backward
# pass one rule at a time (tick quiz to predict each term).
from autograd_engine import Value

a = Value(2.0, label="a")
b = Value(-3.0, label="b")
c = Value(10.0, label="c")
f = Value(-2.0, label="f")
e = a * b
e.label = "e"
d = e + c
d.label = "d"
L = d * f
L.label = "L"
L

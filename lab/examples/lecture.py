# The micrograd lecture's expression: L = (a*b + c) * f.
# Run draws it with every gradient; Step walks the backward pass one rule at a time.
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

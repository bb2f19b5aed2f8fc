# Your own expression: edit it and press Run (Ctrl+Enter).
# Every op of the engine works: + - * / **, exp, log,
# tanh, sigmoid, relu, ...
from autograd_engine import Value

x = Value(1.5, label="x")
y = Value(-0.5, label="y")
z = (x * y + x.exp()).tanh() / (y**2 + 1)
z.label = "z"
z

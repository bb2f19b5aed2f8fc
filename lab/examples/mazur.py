# Matt Mazur's "A Step by Step Backpropagation Example":
# two inputs, two hidden and two output neurons, all
# logistic, and the error E = 1/2 * sum (target - out)^2.
from autograd_engine import Value


def labelled(node, label):
    node.label = label
    return node


i1, i2 = Value(0.05, label="i1"), Value(0.10, label="i2")
w1, w2, w3, w4, w5, w6, w7, w8 = (
    Value(weight, label=f"w{k}")
    for k, weight in enumerate([0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55], start=1)
)
b1, b2 = Value(0.35, label="b1"), Value(0.60, label="b2")

out_h1 = labelled((w1 * i1 + w2 * i2 + b1).sigmoid(), "out_h1")
out_h2 = labelled((w3 * i1 + w4 * i2 + b1).sigmoid(), "out_h2")
out_o1 = labelled((w5 * out_h1 + w6 * out_h2 + b2).sigmoid(), "out_o1")
out_o2 = labelled((w7 * out_h1 + w8 * out_h2 + b2).sigmoid(), "out_o2")
E_o1 = labelled(0.5 * (0.01 - out_o1) ** 2, "E_o1")
E_o2 = labelled(0.5 * (0.99 - out_o2) ** 2, "E_o2")
E_total = labelled(E_o1 + E_o2, "E_total")
print(f"E_total = {E_total.data:.9f}")  # Mazur: 0.298371109
E_total

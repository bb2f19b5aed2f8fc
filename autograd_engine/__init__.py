"""autograd_engine: a scalar reverse-mode automatic differentiation engine.

>>> from autograd_engine import Value
>>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
>>> y = a * b + a**2          # y = ab + a²
>>> y.backward()
>>> a.grad, b.grad             # dy/da = b + 2a, dy/db = a
(1.0, 2.0)

Modules, one concern each:

* :mod:`.value`: the ``Value`` node and its operators;
* :mod:`.ops`: the op table, each primitive's forward and local-gradient rule;
* :mod:`.graph`: topological order, ``backward``, ``backward_steps``;
* :mod:`.functional`: ``grad``, ``vjp``, ``value_and_grad``, ``jacobian``, ``hessian``;
* :mod:`.forward`: forward mode, ``jvp`` and ``hvp``;
* :mod:`.checks`: ``gradcheck``, ``gradgradcheck``;
* :mod:`.grad_mode`: ``no_grad``, ``enable_grad``;
* :mod:`.anomaly`: ``detect_anomaly``, which stops at the first NaN or inf;
* :mod:`.compile`: ``compile_graph``, a fast replay of a fixed-shape graph (needs NumPy);
* :mod:`.guards`: ``recording``, what Python read from Values while a graph was recorded,
  re-checked by every replay (``FrozenGraphError``).
"""

from .anomaly import AnomalyError, detect_anomaly
from .checks import GradcheckError, gradcheck, gradgradcheck
from .compile import CompiledGraph, compile_graph
from .forward import hvp, jvp
from .functional import grad, hessian, jacobian, value_and_grad, vjp
from .grad_mode import enable_grad, is_grad_enabled, no_grad
from .graph import BackwardStep, backward_steps, topological_order
from .guards import FrozenGraphError
from .ops import Op, maximum
from .value import Value

__all__ = [
    "AnomalyError",
    "BackwardStep",
    "CompiledGraph",
    "FrozenGraphError",
    "GradcheckError",
    "Op",
    "Value",
    "backward_steps",
    "compile_graph",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "hessian",
    "hvp",
    "is_grad_enabled",
    "jacobian",
    "jvp",
    "maximum",
    "no_grad",
    "topological_order",
    "value_and_grad",
    "vjp",
]

__version__ = "0.1.0"

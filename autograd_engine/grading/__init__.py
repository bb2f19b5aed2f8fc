"""Grading a learner's own engine, rule by rule.

>>> from autograd_engine.grading import check_engine
>>> from autograd_engine import Value
>>> check_engine(Value, only=["add", "mul"]).passed
True

:func:`check_engine` takes any class with micrograd's interface and runs a battery against
it: each op's local rule (against this project's engine and finite differences), the
micrograd lecture graph, Mazur's 2-2-2 network, fan-out, ``backward()`` twice, a deep chain,
reflected operators, numbers mixed in, and random expressions. A failing item shows the
smallest failing expression found, every node's expected and received gradient, the first
node where they part, and the classic mistake whose numbers match.

Modules, one concern each:

* :mod:`.catalog`: the ops the grader knows, written once for every engine;
* :mod:`.expressions`: expressions as plain data, built in any engine;
* :mod:`.learner`: reading a learner's class, finding its ops;
* :mod:`.bounded`: running learner code with a time limit;
* :mod:`.trial`: one expression compared node by node;
* :mod:`.mistakes`: the classic mistakes, recognised by re-enacting them;
* :mod:`.search`: the smallest failing expression (hypothesis, shrinking);
* :mod:`.items`: the battery;
* :mod:`.report`: the report, for terminals and notebooks;
* :mod:`.check`: :func:`check_engine`;
* :mod:`.network`: :func:`check_mlp` and :func:`check_training`, for the track's last part;
* :mod:`.tracing` and :mod:`.compare`: :func:`compare`, both engines' backward passes in the
  stepper, side by side, the first diverging node in red.
"""

from .check import check_engine, item_names
from .compare import Comparison, compare
from .mistakes import Mistake
from .network import check_mlp, check_training
from .report import Item, Report

__all__ = [
    "Comparison",
    "Item",
    "Mistake",
    "Report",
    "check_engine",
    "check_mlp",
    "check_training",
    "compare",
    "item_names",
]

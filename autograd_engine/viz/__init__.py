"""Seeing backpropagation: graph drawings, a backward-pass stepper, and a text view.

>>> from autograd_engine import Value
>>> from autograd_engine.viz import draw_dot, render_svg, BackwardStepper, print_graph
>>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
>>> y = a * b
>>> y.label = "y"
>>> y.backward()
>>> print_graph(y)
y      *     data -6  grad  1
├── a  leaf  data  2  grad -3  ∂y/∂a = b
└── b  leaf  data -3  grad  2  ∂y/∂b = a

* :func:`draw_dot` (``draw.py``): the graph as a ``graphviz.Digraph``, shown inline in Jupyter;
  :func:`render_svg`: the same as SVG text (:mod:`.render` finds ``dot`` or ``graphviz-pure``);
* :class:`BackwardStepper` (``stepper.py``): the forward pass, the backward pass and an update
  frame by frame, as still pictures, an ipywidgets player, or a self-contained web page
  (``to_html``). What each frame holds is plain data built once (``frame_model.py``); the
  page (``page.py``), the pictures (``frame_svg.py``), the captions (``frame_text.py``), the
  quiz (``quiz.py``: with ``quiz=True`` the page asks for each chain-rule term before it is
  sent) and the side panel (``panel.py``) only read it; ``naming.py`` names unlabelled nodes
  as on the board (``x1·w1``, ``0.99 − out``);
* :func:`print_graph` (``text.py``): an indented tree (a table for deep graphs) for terminals;
* ``format.py``: the one number formatter and node naming rule all of them share;
  ``group.py``: collapsing ``nn``'s neurons or layers into one box each (``group=``);
  ``drill.py``: opening one of those boxes into its own nodes at the same moment (the
  grouped page does it on a click, ``drill.js``).

``python -m autograd_engine.viz OUTDIR`` writes the README's figures. This package needs the
``viz`` extra (``pip install 'autograd-engine[viz]'``); the engine itself never imports it.
"""

from .draw import GraphDrawing, draw_dot, render_svg
from .render import RendererNotFoundError, find_renderer, set_dot_renderer
from .stepper import BackwardStepper
from .text import graph_text, print_graph

__all__ = [
    "BackwardStepper",
    "GraphDrawing",
    "RendererNotFoundError",
    "draw_dot",
    "find_renderer",
    "graph_text",
    "print_graph",
    "render_svg",
    "set_dot_renderer",
]

"""Turning DOT text into SVG: finding a Graphviz program and running it.

Two renderers are accepted, tried in this order:

1. Graphviz's own ``dot`` (``sudo apt-get install graphviz``, ``brew install graphviz``), and
2. ``graphviz-pure``, a self-contained port of ``dot`` that pip installs with the ``viz`` extra
   (``pip install 'autograd-engine[viz]'``), looked up next to the running Python first (a
   virtual environment's ``bin`` folder need not be on ``PATH``), then on ``PATH``.

Both read DOT on stdin and write SVG on stdout, so nothing else here depends on which one ran.

Where no program can run (Python in a web browser, under Pyodide, has no subprocess), a
function can stand in for them: ``set_dot_renderer(function)`` makes :func:`svg_from_dot`
call ``function(dot_source) -> svg_text`` instead. The browser lab registers Graphviz compiled
to WebAssembly (viz-js) this way, so every drawing and stepper page gets the same DOT in and
only the layout engine differs.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

__all__ = ["RendererNotFoundError", "find_renderer", "set_dot_renderer", "svg_from_dot"]

_dot_renderer: Callable[[str], str] | None = None


class RendererNotFoundError(RuntimeError):
    """Neither Graphviz's ``dot`` nor the pip renderer ``graphviz-pure`` could be found."""


_INSTALL_HINT = (
    "Drawing graphs needs a Graphviz renderer, and neither `dot` nor `graphviz-pure` was found. "
    "Install one: `pip install 'autograd-engine[viz]'` (brings the pip renderer graphviz-pure), "
    "or Graphviz itself (`sudo apt-get install graphviz`, `brew install graphviz`)."
)


def find_renderer() -> str:
    """The path of the program that will render DOT: ``dot`` if installed, else ``graphviz-pure``.

    Raises:
        RendererNotFoundError: neither program exists; the message says how to install one.
    """
    dot = shutil.which("dot")
    if dot is not None:
        return dot
    beside_python = Path(sys.executable).parent / "graphviz-pure"
    if beside_python.is_file():
        return str(beside_python)
    on_path = shutil.which("graphviz-pure")
    if on_path is not None:
        return on_path
    raise RendererNotFoundError(_INSTALL_HINT)


def set_dot_renderer(function: Callable[[str], str] | None) -> None:
    """Make :func:`svg_from_dot` call ``function(dot_source) -> svg_text`` instead of a program.

    For places where no program can run, such as Pyodide in a browser; ``None`` goes back
    to :func:`find_renderer`'s program. The function must raise on DOT it cannot render.

    Raises:
        TypeError: ``function`` is neither callable nor None.
    """
    global _dot_renderer  # one process-wide choice, as the program found on PATH is
    if function is not None and not callable(function):
        raise TypeError(
            f"set_dot_renderer: expected a function DOT -> SVG or None, not {function!r}"
        )
    _dot_renderer = function


def svg_from_dot(source: str) -> str:
    """Render DOT ``source`` to SVG text with the function :func:`set_dot_renderer` registered,
    else with :func:`find_renderer`'s program.

    Raises:
        RendererNotFoundError: no renderer is installed.
        RuntimeError: the renderer rejected the source (its error message is included).
    """
    if _dot_renderer is not None:
        return _dot_renderer(source)
    program = find_renderer()
    result = subprocess.run(
        [program, "-Tsvg"], input=source.encode("utf-8"), capture_output=True, check=False
    )
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", errors="replace").strip()
        raise RuntimeError(
            f"{program} could not render the graph (exit {result.returncode}): {message}"
        )
    return result.stdout.decode("utf-8")

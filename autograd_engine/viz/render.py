"""Turning DOT text into SVG: finding a Graphviz program and running it.

Two renderers are accepted, tried in this order:

1. Graphviz's own ``dot`` (``sudo apt-get install graphviz``, ``brew install graphviz``), and
2. ``graphviz-pure``, a self-contained port of ``dot`` that pip installs with the ``viz`` extra
   (``pip install 'autograd-engine[viz]'``), looked up next to the running Python first (a
   virtual environment's ``bin`` folder need not be on ``PATH``), then on ``PATH``.

Both read DOT on stdin and write SVG on stdout, so nothing else here depends on which one ran.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["RendererNotFoundError", "find_renderer", "svg_from_dot"]


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


def svg_from_dot(source: str) -> str:
    """Render DOT ``source`` to SVG text with :func:`find_renderer`'s program.

    Raises:
        RendererNotFoundError: no renderer is installed.
        RuntimeError: the renderer rejected the source (its error message is included).
    """
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

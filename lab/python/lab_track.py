"""The lab's *Build your own* tab, as Python sees it: the notebook track's cells, run one by one
in one namespace, as a notebook kernel would run them.

The cells themselves come from ``notebooks/build-your-own/`` (``lab/build.py`` extracts them
into ``track.json``), so the lab and the notebook cannot drift apart. The learner's ``Value``
written in exercise 1 is the one that exercise 2 extends, exercise 3 gives a ``backward()``, and
the grader cells grade: every cell runs in the same namespace until *Start over*.

Each cell the learner writes runs under the grader's own time limit (:func:`autograd_engine.
grading.bounded.run_bounded`, a trace function in this thread), so a ``while True:`` in an
exercise ends in a message, not a frozen page. Grader cells run untraced (tracing would slow
the grader's own code several times over): the grader bounds the learner's code it calls
itself. A loop that never returns to Python code (``sum(itertools.count())``)
is not interrupted: reloading the page is then the way out.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import traceback
from collections.abc import Callable
from typing import Any

from autograd_engine.grading.bounded import Outcome, run_bounded

__all__ = ["CELL_SECONDS", "as_json", "reset", "run_cell"]

CELL_SECONDS = 60.0
"""How long a learner's cell may run (the track's training takes seconds)."""

_namespace: dict[str, Any] = {}


def reset() -> None:
    """*Start over*: forget every class and name the cells defined."""
    _namespace.clear()
    _namespace["__name__"] = "__main__"


reset()


def _python_message(error: BaseException) -> str:
    """Python's message for ``error``: the traceback through the cells' lines only."""
    if isinstance(error, SyntaxError):
        return "".join(traceback.format_exception_only(type(error), error)).rstrip()
    summary = traceback.TracebackException.from_exception(error)
    summary.stack = traceback.StackSummary.from_list(
        [frame for frame in summary.stack if frame.filename.startswith("<cell")]
    )
    return "".join(summary.format()).rstrip()


def _shown(value: Any) -> tuple[str | None, str | None]:
    """How a notebook shows a cell's last value: its ``_repr_html_`` (a grader's report, a
    comparison's two steppers), else its ``repr``; nothing for ``None``."""
    if value is None:
        return None, None
    to_html = getattr(value, "_repr_html_", None)
    if callable(to_html):
        return str(to_html()), None
    return None, repr(value)


def run_cell(source: str, label: str, grader: bool = False) -> dict[str, Any]:
    """Run one cell in the track's namespace, as a notebook does.

    Args:
        source: the cell's code, as the learner left it.
        label: the cell's name in tracebacks (``"cell 3"``).
        grader: a grader cell: run untraced, with no time limit of its own (the grader
            bounds the learner's code it calls). Other cells stop after ``CELL_SECONDS``.

    Returns:
        ``{"output", "html", "text", "error"}``: what the cell printed; its last line's value
        as HTML (``_repr_html_``) or as text (``repr``); and Python's message if it failed,
        or why it was stopped (each None when there is none).
    """
    filename = f"<{label}>"
    output = io.StringIO()
    try:
        tree = ast.parse(source, filename)
    except SyntaxError as syntax_error:
        return {"output": "", "html": None, "text": None, "error": _python_message(syntax_error)}
    last = None
    final = tree.body[-1] if tree.body else None
    if isinstance(final, ast.Expr):
        tree.body.pop()
        last = compile(ast.Expression(final.value), filename, "eval")
    body = compile(tree, filename, "exec")

    def cell() -> Any:
        with contextlib.redirect_stdout(output):
            exec(body, _namespace)
            return None if last is None else eval(last, _namespace)

    if grader:
        try:
            outcome = Outcome(value=cell())
        except Exception as failure:  # the grader reports the learner's faults itself
            outcome = Outcome(error=failure)
    else:
        outcome = run_bounded(cell, CELL_SECONDS)
    html: str | None = None
    text: str | None = None
    error: str | None = None
    if outcome.timed_out:
        error = (
            f"Stopped after {CELL_SECONDS:.0f} s: the cell was still running (a loop that never "
            "ends?). What it defined before that is kept; fix it and run it again."
        )
    elif outcome.error is not None:
        error = _python_message(outcome.error)
    else:
        try:
            html, text = _shown(outcome.value)
        except Exception as failure:  # the learner's __repr__ may fail too
            error = _python_message(failure)
    return {"output": output.getvalue(), "html": html, "text": text, "error": error}


def as_json(function_name: str, *args: Any) -> str:
    """What the page calls: the JSON of ``run_cell(...)``, or ``null`` after ``reset()``."""
    functions: dict[str, Callable[..., Any]] = {"run_cell": run_cell, "reset": reset}
    return json.dumps(functions[function_name](*args))

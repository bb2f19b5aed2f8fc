"""The lab's editor, as Python sees it: run the learner's code and find the Value to draw.

The page (``lab.js``) calls :func:`run` when *Run* is pressed and :func:`stepper_page` when
*Step* is: both execute the code afresh in a new namespace, so every press starts from the
source the learner sees. Inside the browser this runs in Pyodide, with
``autograd_engine.viz.render.set_dot_renderer`` pointing at Graphviz compiled to WebAssembly;
under CPython (the tests) the ``dot`` program draws the same DOT.

Which Value is drawn: the value of the code's last line when that line is an expression
(``L`` alone on the last line), else the Value most recently assigned to a top-level name.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import traceback
from collections.abc import Callable
from typing import Any

from autograd_engine import Value, topological_order
from autograd_engine.viz import BackwardStepper, render_svg
from autograd_engine.viz.format import format_number

FILENAME = "<lab>"

__all__ = ["LabError", "as_json", "find_root", "run", "stepper_page"]


class LabError(Exception):
    """The learner's code failed; the message is Python's own, as a console would print it."""


def _python_message(error: BaseException) -> str:
    """Python's message for ``error``: the traceback through the learner's lines only."""
    if isinstance(error, SyntaxError):
        return "".join(traceback.format_exception_only(type(error), error)).rstrip()
    summary = traceback.TracebackException.from_exception(error)
    summary.stack = traceback.StackSummary.from_list(
        [frame for frame in summary.stack if frame.filename == FILENAME]
    )
    return "".join(summary.format()).rstrip()


def execute(source: str) -> tuple[dict[str, Any], Any, str]:
    """Run ``source`` in a fresh namespace; returns it, the last line's value and the output.

    Raises:
        LabError: the code does not compile or raises; its message is Python's.
    """
    output = io.StringIO()
    namespace: dict[str, Any] = {"__name__": "__lab__", "Value": Value}
    try:
        tree = ast.parse(source, FILENAME)
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body[-1].value)
            tree.body.pop()
        body = compile(tree, FILENAME, "exec")
        tail = None if last is None else compile(last, FILENAME, "eval")
        with contextlib.redirect_stdout(output):
            exec(body, namespace)
            result = None if tail is None else eval(tail, namespace)
    except Exception as error:  # the learner's error, whatever it is, goes back to the page
        raise LabError(_python_message(error)) from None
    return namespace, result, output.getvalue()


def find_root(source: str, namespace: dict[str, Any], result: Any) -> Value:
    """The Value to draw: the last line's value, else the last top-level name bound to a Value.

    Raises:
        LabError: the code makes no Value (the message says what to write).
    """
    if isinstance(result, Value):
        return result
    tree = ast.parse(source, FILENAME)
    for statement in reversed(tree.body):
        targets: list[ast.expr] = []
        if isinstance(statement, ast.Assign):
            targets = list(statement.targets)
        elif isinstance(statement, ast.AnnAssign | ast.AugAssign):
            targets = [statement.target]
        for target in reversed(targets):
            names = target.elts if isinstance(target, ast.Tuple) else [target]
            for name in reversed(names):
                found = namespace.get(name.id) if isinstance(name, ast.Name) else None
                if isinstance(found, Value):
                    return found
    raise LabError(
        "Nothing to draw: the code made no Value. End it with the Value to draw on a line of "
        "its own (for example `L`), or assign one (`L = (a * b + c) * f`)."
    )


def _name(node: Value, fallback: str) -> str:
    return node.label or fallback


def run(source: str) -> dict[str, Any]:
    """*Run*: execute ``source``, backpropagate from its Value and draw the graph.

    ``backward()`` is called unless the code already did (the root's grad is then 1).

    Returns:
        ``{"svg", "output", "root", "leaves"}``: the drawing, what the code printed, the
        root's name and value, and each leaf's ``{"name", "data", "grad"}`` in graph order
        (numbers as the drawings write them, so infinities survive JSON).

    Raises:
        LabError: the code failed or made no Value (Python's message).
    """
    namespace, result, output = execute(source)
    root = find_root(source, namespace, result)
    try:
        if root.grad == 0.0:
            root.backward()
        svg = render_svg(root)
    except Exception as error:  # e.g. a graph too large to draw: its message says so
        raise LabError(_python_message(error)) from None
    leaves = [
        {
            "name": _name(node, f"leaf {i}"),
            "data": format_number(node.data),
            "grad": format_number(node.grad),
        }
        for i, node in enumerate(topological_order(root))
        if node.is_leaf and not node.is_constant
    ]
    return {
        "svg": svg,
        "output": output,
        "root": {"name": _name(root, "output"), "data": format_number(root.data)},
        "leaves": leaves,
    }


def stepper_page(source: str, quiz: bool = False) -> str:
    """*Step*: the stepper page of ``source``'s Value, exactly ``BackwardStepper.html()``.

    Raises:
        LabError: the code failed, made no Value, or cannot be stepped (e.g. a quiz on a
            leaf); the message is Python's.
    """
    namespace, result, _ = execute(source)
    root = find_root(source, namespace, result)
    try:
        return BackwardStepper(root, quiz=quiz).html()
    except Exception as error:
        raise LabError(_python_message(error)) from None


def as_json(function_name: str, *args: Any) -> str:
    """What the page calls: ``{"ok": true, "value": ...}`` or ``{"ok": false, "error": msg}``.

    Only the learner's mistakes (:class:`LabError`) become ``"error"``; a fault of the lab
    itself still raises, so it is seen as one.
    """
    functions: dict[str, Callable[..., Any]] = {"run": run, "stepper_page": stepper_page}
    try:
        return json.dumps({"ok": True, "value": functions[function_name](*args)})
    except LabError as error:
        return json.dumps({"ok": False, "error": str(error)})

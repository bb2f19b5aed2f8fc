"""``check_engine``: grade a learner's micrograd-shaped ``Value`` class item by item."""

from __future__ import annotations

from collections.abc import Iterable

from .catalog import OPS
from .items import ITEMS, grade_leaf
from .learner import Learner
from .report import Item, Report

__all__ = ["check_engine", "item_names"]


def item_names() -> list[str]:
    """Every item ``check_engine`` knows, in report order (the op names come first)."""
    return [spec.name for spec in ITEMS]


def check_engine(
    value_class: type, only: Iterable[str] | None = None, *, seconds: float = 2.0
) -> Report:
    """Grade ``value_class`` against this project's engine, item by item.

    Args:
        value_class: a class with micrograd's interface: ``value_class(number)`` makes a
            leaf, nodes have ``.data``, ``.grad`` and ``.backward()``, and the ops it has
            are Python operators and methods (``+ * - / **``, ``.tanh()``, ``.exp()``...).
        only: grade just these items (see :func:`item_names`), e.g. ``["add", "mul"]`` for
            the first exercise of the notebook track. An op named here that the class does
            not have yet is a *failing* item; without ``only``, ops the class lacks are
            skipped and the report says so.
        seconds: the time each run of the learner's code may take before it counts as an
            endless loop (the deep chain gets five times as long).

    Returns:
        A :class:`~.report.Report`: ``report.passed``, ``report.items`` (each with
        ``name``, ``passed``, ``mistake``, ``first_divergence``), printable and shown as a
        table in Jupyter.
    """
    wanted = None if only is None else list(only)
    known = item_names()
    if wanted is not None:
        unknown = [name for name in wanted if name not in known]
        if unknown:
            raise ValueError(f"check_engine: unknown item(s) {unknown}; the items are {known}")
    learner = Learner(value_class, seconds)
    report = Report(learner.name)
    leaf = grade_leaf(learner, [])
    if not leaf.passed:  # nothing else can be built: say so once, for every item asked for
        for name in wanted if wanted is not None else ["leaf"]:
            message = leaf.message if name == "leaf" else f"needs leaves first: {leaf.message}"
            report.items.append(Item(name, False, message=message))
        return report
    have, missing = learner.supported()
    for spec in ITEMS:
        if wanted is not None and spec.name not in wanted:
            continue
        if spec.name in OPS and spec.name in missing:
            if wanted is None:
                report.skipped[spec.name] = missing[spec.name]
            else:
                report.items.append(
                    Item(
                        spec.name,
                        False,
                        message=f"{missing[spec.name]}: write it, then run this check again",
                    )
                )
            continue
        lacking = spec.missing(have)
        if lacking:
            why = f"needs {', '.join(lacking)}, which the class does not have"
            if wanted is None:
                report.skipped[spec.name] = why
            else:
                report.items.append(
                    Item(spec.name, False, message=f"needs {', '.join(lacking)}: write it first")
                )
            continue
        ops = have if wanted is None else [op for op in have if op in wanted] or have
        report.items.append(spec.grade(learner, ops))
    return report

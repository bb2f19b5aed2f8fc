"""What ``check_engine`` hands back: a report, readable in a terminal and in Jupyter.

:class:`Report` holds one :class:`Item` per graded part of the battery. ``str(report)`` is the
terminal view and ``report._repr_html_()`` the notebook view; both read the same fields, and
code can read them too (``report.passed``, ``item.mistake.key``, ``item.first_divergence``).
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field

from .mistakes import Mistake
from .trial import NodeRow

__all__ = ["Item", "Report"]


@dataclass
class Item:
    """One graded part of the battery.

    Attributes:
        name: what was graded ("mul", "fan-out", "deep chain", ...).
        passed: whether the learner's engine got it right.
        mistake: the classic mistake that explains the numbers, or None.
        first_divergence: the node, nearest the output, where the gradients first part
            (named as in ``rows``), or None.
        expression: the smallest failing expression found ("" when the item passed).
        message: what went wrong, in a sentence; or what passed.
        rows: every node of the failing expression, expected and received.
    """

    name: str
    passed: bool
    mistake: Mistake | None = None
    first_divergence: str | None = None
    expression: str = ""
    message: str = ""
    rows: list[NodeRow] = field(default_factory=list)


def _number(x: float | None) -> str:
    if x is None:
        return "—"
    if math.isnan(x):
        return "nan"
    return f"{x:.6g}"


@dataclass
class Report:
    """The graded battery for one engine: ``passed`` when every graded item passed."""

    engine: str
    items: list[Item] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return bool(self.items) and all(item.passed for item in self.items)

    def __getitem__(self, name: str) -> Item:
        for item in self.items:
            if item.name == name:
                return item
        raise KeyError(f"no item {name!r}; items: {[item.name for item in self.items]}")

    def summary(self) -> str:
        passed = sum(item.passed for item in self.items)
        return f"{self.engine}: {passed} of {len(self.items)} items passed"

    # --- terminal ---------------------------------------------------------------------------

    def __str__(self) -> str:
        lines = [self.summary(), ""]
        for item in self.items:
            mark = "PASS" if item.passed else "FAIL"
            lines.append(f"{mark}  {item.name}" + (f": {item.message}" if item.passed else ""))
            if not item.passed:
                lines.extend(_failure_text(item))
        if self.skipped:
            lines.append("")
            lines.append("Skipped (not graded):")
            lines.extend(f"  {name}: {why}" for name, why in self.skipped.items())
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Report {self.summary()}>"

    # --- notebook ---------------------------------------------------------------------------

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.passed else "#cf222e"
        parts = [
            '<div style="font-family:system-ui,sans-serif;font-size:14px;max-width:75em">',
            f'<div style="font-weight:600;color:{colour};margin-bottom:6px">'
            f"{html.escape(self.summary())}</div>",
        ]
        for item in self.items:
            parts.append(_item_html(item))
        if self.skipped:
            rows = "".join(
                f"<li><b>{html.escape(name)}</b>: {html.escape(why)}</li>"
                for name, why in self.skipped.items()
            )
            parts.append(
                f'<div style="color:#57606a;margin-top:6px">Skipped (not graded):<ul '
                f'style="margin:2px 0">{rows}</ul></div>'
            )
        parts.append("</div>")
        return "".join(parts)


def _failure_text(item: Item) -> list[str]:
    lines = []
    if item.expression:
        lines.append(f"      smallest failing expression: {item.expression}")
    lines.append(f"      {item.message}")
    if item.mistake is not None:
        lines.append(f"      mistake: {item.mistake.title}")
        lines.append(f"      what to do: {item.mistake.advice}")
    if item.rows:
        lines.append("      node                      value     expected    received   finite diff")
        for row in item.rows:
            marker = "  <- first divergence" if row.name == item.first_divergence else ""
            lines.append(
                f"      {row.formula:<22} {_number(row.data):>9} {_number(row.expected):>12}"
                f" {_number(row.received):>11} {_number(row.finite_difference):>13}{marker}"
            )
        lines.append("      (nodes in the order backward() visits them: output first)")
    return lines


_CELL = "padding:2px 10px;text-align:right;font-family:ui-monospace,monospace;white-space:nowrap"
_CODE = "background:#eaeef2;padding:0 4px;border-radius:3px;font-size:13px"


def _prose(text: str) -> str:
    """Escaped text with its `code spans` set in a monospace font."""
    return re.sub(r"`([^`]+)`", rf'<code style="{_CODE}">\1</code>', html.escape(text))


def _item_html(item: Item) -> str:
    if item.passed:
        return (
            '<div style="margin:2px 0"><span style="color:#1a7f37;font-weight:600">✓</span> '
            f"<b>{html.escape(item.name)}</b> "
            f'<span style="color:#57606a">{html.escape(item.message)}</span></div>'
        )
    body = []
    if item.expression:
        body.append(
            "<div>smallest failing expression: "
            f"<code style='font-size:15px'>{html.escape(item.expression)}</code></div>"
        )
    body.append(f"<div>{_prose(item.message)}</div>")
    if item.mistake is not None:
        body.append(
            f"<div><b>Mistake:</b> {_prose(item.mistake.title)}</div>"
            f"<div><b>What to do:</b> {_prose(item.mistake.advice)}</div>"
        )
    if item.rows:
        head = "".join(
            f'<th style="{_CELL};border-bottom:1px solid #d0d7de;{align}">{h}</th>'
            for h, align in (
                ("node", "text-align:left"),
                ("value", ""),
                ("expected grad", ""),
                ("your grad", ""),
                ("finite difference", ""),
                ("", ""),
            )
        )
        rows = []
        for row in item.rows:
            first = row.name == item.first_divergence
            wrong = not row.agrees
            style = "background:#ffebe9;" if first else ""
            received = _number(row.received)
            if wrong:
                received = f'<b style="color:#cf222e">{received}</b>'
            note = '<span style="color:#cf222e">← first divergence</span>' if first else ""
            rows.append(
                f'<tr style="{style}"><td style="{_CELL};text-align:left">'
                f"{html.escape(row.formula)}</td>"
                f'<td style="{_CELL}">{_number(row.data)}</td>'
                f'<td style="{_CELL}">{_number(row.expected)}</td>'
                f'<td style="{_CELL}">{received}</td>'
                f'<td style="{_CELL}">{_number(row.finite_difference)}</td>'
                f'<td style="{_CELL};text-align:left">{note}</td></tr>'
            )
        body.append(
            f'<table style="border-collapse:collapse;margin:4px 0"><tr>{head}</tr>'
            f"{''.join(rows)}</table>"
            '<div style="color:#57606a;font-size:12px">Nodes in the order backward() visits '
            "them, output first. Every node above the first divergence is right, so the "
            "mistake is in what its users sent it.</div>"
        )
    return (
        '<div style="margin:6px 0;padding:6px 10px;border-left:4px solid #cf222e;'
        'background:#fff8f8"><span style="color:#cf222e;font-weight:600">✗</span> '
        f"<b>{html.escape(item.name)}</b>{''.join(body)}</div>"
    )

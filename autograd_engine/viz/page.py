"""The stepper's web page: one SVG, and for every frame what it changes, read off the model.

The page's script (``page.js``) keeps each box's texts (``data``, ``grad``) and states
(``state``, ``arrival``, ``terms``) and applies, frame by frame, the changes listed here:
``(box, field, text)`` wherever frame ``k``'s text differs from frame ``k - 1``'s. Every
text comes from :func:`~.frame_text.box_texts` on the frame model, as the still pictures'
do, so the page at frame ``k`` and ``stepper.svg(k)`` show the same numbers and marks.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from string import Template
from typing import Any

from .frame_model import Frame
from .frame_text import box_texts, edge_labels
from .stepper_group import Unit

__all__ = ["FIELDS", "frame_changes", "page_html"]

#: The per-box fields the page keeps.
FIELDS = ("data", "grad", "state", "arrival", "terms")


def frame_changes(
    frames: Sequence[Frame], root_box: int | None, digits: int
) -> list[list[tuple[int, str, str]]]:
    """For each frame, ``(box, field, text)`` for every text that differs from the frame
    before (frame 0: every text)."""
    out = []
    states: tuple[object, ...] = ()
    texts: list[dict[str, str]] = []
    for frame in frames:
        changes = []
        for u, state in enumerate(frame.boxes):
            if states and state is states[u]:
                continue  # the model keeps an unchanged box's state: nothing to write
            now = box_texts(state, digits, u == root_box)
            for field in FIELDS:
                if not states or texts[u][field] != now[field]:
                    changes.append((u, field, now[field]))
            if states:
                texts[u] = now
            else:
                texts.append(now)
        out.append(changes)
        states = frame.boxes
    return out


def frame_records(
    frames: Sequence[Frame], captions: Sequence[str], root_box: int | None, digits: int
) -> list[dict[str, Any]]:
    """What the page's script reads per frame: phase, caption, firing box, its focus (the
    firing box and the boxes it reads or sends to), the changes, and the marked edges."""
    records = []
    for frame, text, changes in zip(
        frames, captions, frame_changes(frames, root_box, digits), strict=True
    ):
        labels = edge_labels(frame, digits)
        edges: list[tuple[str, str]] = []
        if frame.firing is not None:
            f = frame.firing
            edges = [(f"n{f}_e{e}", labels.get(e, "")) for e in frame.edges]
            if frame.phase != "backward":
                edges.append((f"n{f}_out", ""))
        records.append(
            {
                "phase": frame.phase,
                "number": frame.number,
                "stage": frame.stage,
                "caption": text,
                "firing": frame.firing,
                "focus": [] if frame.firing is None else [frame.firing, *frame.inputs],
                "changes": changes,
                "edges": edges,
            }
        )
    return records


def page_html(
    title: str,
    svg: str,
    data: dict[str, Any],
    *,
    quiz: bool,
    panel: bool,
    drill: bool = False,
) -> str:
    """The self-contained page: ``svg``, ``data`` (a JavaScript literal) and the scripts."""
    folder = resources.files("autograd_engine.viz")
    template = folder.joinpath("page.html").read_text("utf-8")
    quiz_panel = quiz_script = side_panel = panel_script = ""
    if panel:
        # Its style comes before the scripts, which measure the graph's viewer at once.
        side_panel = (
            f"<style>\n{folder.joinpath('panel.css').read_text('utf-8')}</style>\n"
            '  <div id="panel" aria-live="polite"></div>\n'
        )
        panel_script = f"<script>\n{folder.joinpath('panel.js').read_text('utf-8')}</script>\n"
    if quiz:
        quiz_panel = folder.joinpath("quiz.html").read_text("utf-8")
        quiz_script = f"<script>\n{folder.joinpath('quiz.js').read_text('utf-8')}</script>\n"
    drill_script = ""
    if drill:  # grouped boxes open into their nodes (drill.js, its style inside)
        drill_script = (
            f"<style>\n{folder.joinpath('drill.css').read_text('utf-8')}</style>\n"
            f"<script>\n{folder.joinpath('drill.js').read_text('utf-8')}</script>\n"
        )
    # The data is a JavaScript literal (so an infinite gradient is Infinity, not an error);
    # "<" is escaped so no label can close the <script> element it sits in.
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Template(template).substitute(
        title=_html_text(title),
        style=folder.joinpath("page.css").read_text("utf-8"),
        script=folder.joinpath("page.js").read_text("utf-8"),
        quiz_panel=quiz_panel,
        quiz_script=quiz_script,
        panel=side_panel,
        panel_script=panel_script + drill_script,
        svg=svg,
        data=text.replace("<", "\\u003c"),
    )


def node_records(units: Sequence[Unit]) -> list[dict[str, str]]:
    """The boxes as the page names them: SVG id, full name, op."""
    return [
        {"id": f"n{u}", "name": unit.name, "op": unit.op or "leaf"} for u, unit in enumerate(units)
    ]


def _html_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

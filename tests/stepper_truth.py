"""What a stepper frame claims, checked against what it draws.

``caption_claims`` reads a caption the way a learner does and lists every statement it makes
about a box: "∂L/∂u = 1.587 + 0.4621 = 2.049, 2 of 3 terms arrived" says u's box shows
``grad 2.049 (2/3)``; "n = ... = 0.8814" says n's box shows ``data 0.8814``; "w5: 0.4 - 0.5 ×
0.08217 = 0.3589" says w5's box shows ``data 0.3589`` and ``grad 0.08217``. ``check_claims``
holds them against the texts a page (or a still picture) shows for that frame.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from autograd_engine.viz import BackwardStepper

NUMBER = r"-?(?:\d+(?:\.\d+)?(?:e-?\d+)?|inf|nan)"


def _box(name: str, names: Mapping[str, int]) -> int | None:
    if name in names:
        return names[name]
    if name.startswith("(") and name.endswith(")") and name[1:-1] in names:
        return names[name[1:-1]]
    return None


def caption_claims(stepper: BackwardStepper, k: int) -> list[tuple[int, str, str]]:
    """``(box, field, text)`` for every statement caption ``k`` makes about a box's texts."""
    boxes = stepper._boxes
    names = {unit.name: i for i, unit in enumerate(boxes)}
    root = stepper.name(stepper.root)
    r = re.escape(root if re.fullmatch(r"[\w.]+", root) else f"({root})")
    claims: list[tuple[int, str, str]] = []
    caption = stepper.caption(k)
    for line in caption.split("\n"):
        # A receiver's sum, as its box now shows it.
        for match in re.finditer(
            rf"∂{r}/∂(\S+|\([^;]*?\)) = (?:[^;]*? = )?({NUMBER}), "
            r"(its only term arrived|both terms arrived|all \d+ terms arrived"
            r"|(\d+) of (\d+) terms arrived)",
            line,
        ):
            box = _box(match[1], names)
            if box is None:
                continue
            text = f"grad {match[2]}"
            if match[4]:
                text += f" ({match[4]}/{match[5]})"
            claims.append((box, "grad", text))
        # The firing node's gradient: complete.
        match = re.search(rf"with ∂{r}/∂(.+?) = ({NUMBER}) complete", line)
        if match and (box := _box(match[1], names)) is not None and len(boxes[box].outputs) == 1:
            claims.append((box, "grad", f"grad {match[2]}"))
        match = re.search(rf"the seed ∂{r}/∂{r} = ({NUMBER})", line)
        if match and (box := _box(root, names)) is not None:
            claims.append((box, "grad", f"grad {match[1]}"))
        # A value computed: forward and forward again.
        match = re.match(
            rf"forward(?: again)? \d+/\d+: (.+?) = .* = ({NUMBER})(?: \(was .*\))?$", line
        )
        if match and (box := _box(match[1], names)) is not None:
            claims.append((box, "data", f"data {match[2]}"))
        match = re.match(r"forward(?: again)? \d+/\d+: (\S+) \(\w+, \d+ nodes\) is computed", line)
        if match and (box := _box(match[1], names)) is not None and len(boxes[box].outputs) == 1:
            value = line.rsplit(": ", 1)[1].split(" (was")[0]
            claims.append((box, "data", f"data {value}"))
        # A parameter moved.
        match = re.match(rf"  (\S+): ({NUMBER}) - ({NUMBER}) × ({NUMBER}) = ({NUMBER})$", line)
        if match and (box := _box(match[1], names)) is not None:
            claims.append((box, "data", f"data {match[5]}"))
            claims.append((box, "grad", f"grad {match[4]}"))
    return claims


def check_claims(stepper: BackwardStepper, k: int, shown: Mapping[tuple[int, str], str]) -> int:
    """Assert every claim of caption ``k`` is what ``shown`` (box, field) -> text draws.

    Returns how many claims were checked.
    """
    claims = caption_claims(stepper, k)
    for box, field, text in claims:
        assert shown[box, field] == text, (
            f"frame {k}: the caption says {stepper._boxes[box].name} shows {text!r}, "
            f"the picture shows {shown[box, field]!r}\n{stepper.caption(k)}"
        )
    return len(claims)


def svg_texts(svg: str) -> dict[tuple[int, str], str]:
    """(box, field) -> text of a still picture's boxes (``n3_data`` -> ``data 0.5``)."""
    return {
        (int(m[1]), m[2]): html.unescape(m[3])
        for m in re.finditer(r'<text id="n(\d+)_(data|grad)"[^>]*>([^<]*)</text>', svg)
    }


def svg_marks(svg: str) -> dict[int, str]:
    """box -> the arrival class of its gradient text in a still picture ("" if none)."""
    return {
        int(m[1]): m[2].removeprefix("grad").strip()
        for m in re.finditer(r'<text id="n(\d+)_grad" class="([^"]*)"', svg)
    }


def page_state(stepper: BackwardStepper, k: int) -> dict[tuple[int, str], str]:
    """(box, field) -> text after frames 0..k of the page's data, applied as its script does."""
    fields: dict[tuple[int, str], str] = {}
    for record in stepper.page_data()["frames"][: k + 1]:
        for i, field, text in record["changes"]:
            fields[i, field] = text
    return fields

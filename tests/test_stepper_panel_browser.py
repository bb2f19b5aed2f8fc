"""The stepper page's side panel in headless Chromium: the slider swaps the network view.

Set ``PANEL_SCREENSHOTS=dir`` to keep the screenshot of the README's figure (``make figures``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from autograd_engine.viz import BackwardStepper
from nn.plotting import network_panel
from tests.test_stepper_browser import browser, move_slider, pytestmark
from tests.test_stepper_group import mlp_loss

__all__ = ["browser", "pytestmark"]  # the Chromium fixture and the browser/slow marks

SHOWN = """
const host = document.getElementById('panel');
return [host.dataset.picture, host.shadowRoot.innerHTML];
"""


def test_moving_the_slider_swaps_the_panel(browser: Any, tmp_path: Path) -> None:
    loss, model, _ = mlp_loss([2, 4, 4, 1])
    stepper = BackwardStepper(
        loss, group="layer", lr=0.1, params=model.parameters(), panel=network_panel(model)
    )
    pictures, shown = stepper.panels()
    browser.set_window_size(1400, 900)
    browser.get(stepper.to_html(tmp_path / "panel.html").resolve().as_uri())
    seen = set()
    for k in [*range(len(stepper.frames)), 0]:
        move_slider(browser, k)
        picture, markup = browser.execute_script(SHOWN)
        assert int(picture) == shown[k]
        # The very picture Python drew (the browser writes the same SVG back out).
        expected = pictures[shown[k]]
        assert markup.count("<line") == expected.count("<line")
        assert markup.count("stroke-dasharray") == expected.count("stroke-dasharray")
        assert ("backward:" in markup) == ("backward:" in expected)
        seen.add(picture)
    assert len(seen) == len(pictures) > 3
    # The graph's stylesheet does not reach the picture: its texts keep their own anchors.
    anchor = browser.execute_script(
        "const t = document.getElementById('panel').shadowRoot.querySelector('text');"
        "return getComputedStyle(t).textAnchor;"
    )
    assert anchor == "start"


def test_screenshot_mid_backward(browser: Any, tmp_path: Path) -> None:
    """The README's figure: MLP(2, [16, 16, 1]) by layer, ``layers.1`` about to send back."""
    loss, model, _ = mlp_loss([2, 16, 16, 1])
    stepper = BackwardStepper(
        loss, group="layer", lr=0.1, params=model.parameters(), panel=network_panel(model)
    )
    assert stepper.units is not None
    layer_1 = next(u for u, unit in enumerate(stepper.units) if unit.name == "layers.1")
    k = next(
        i
        for i, frame in enumerate(stepper.frames)
        if frame.phase == "backward" and frame.firing == layer_1
    )
    browser.set_window_size(1600, 900)
    browser.get(stepper.to_html(tmp_path / "panel.html").resolve().as_uri())
    move_slider(browser, k)
    _, markup = browser.execute_script(SHOWN)
    assert "backward:" in markup
    assert 0 < markup.count("stroke-dasharray") < markup.count("<line")  # partly swept
    folder = Path(os.environ.get("PANEL_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "stepper-network-panel.png"
    assert browser.save_screenshot(str(path))
    assert path.stat().st_size > 10_000  # a page, not an empty image

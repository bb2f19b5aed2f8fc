"""The grouped stepper's page in headless Chromium: every frame shows the grouped numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from autograd_engine.viz import BackwardStepper
from tests.test_stepper_browser import browser, check_frame, move_slider, pytestmark
from tests.test_stepper_group import mlp_loss

__all__ = ["browser", "pytestmark"]  # the Chromium fixture and the browser/slow marks


@pytest.fixture(scope="module")
def grouped() -> BackwardStepper:
    loss, model, _ = mlp_loss([2, 4, 4, 1])
    return BackwardStepper(loss, group="neuron", lr=0.1, params=model.parameters())


def test_every_grouped_frame_shows_its_boxes_numbers_and_edges(
    browser: Any, grouped: BackwardStepper, tmp_path: Path
) -> None:
    browser.set_window_size(1400, 900)
    path = grouped.to_html(tmp_path / "grouped.html")
    browser.get(path.resolve().as_uri())
    assert grouped.units is not None
    assert browser.execute_script("return DATA.nodes.length") == len(grouped.units)
    for k in range(len(grouped.frames)):
        move_slider(browser, k)
        check_frame(browser, grouped, k)

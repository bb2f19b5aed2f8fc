"""The grouped stepper's page in headless Chromium: every frame shows the grouped numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from autograd_engine.viz import BackwardStepper
from tests.test_stepper_browser import (
    ActionChains,
    By,
    Keys,
    WebDriverWait,
    browser,
    check_frame,
    move_slider,
    pytestmark,
)
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


def drill_texts(stepper: BackwardStepper, box: int, k: int) -> list[list[str]]:
    """The table the opened view of ``box`` shows at its frame ``k``: name, data, grad, terms."""
    view = next(v for v in stepper.drill_data() if v["box"] == box)
    state: dict[tuple[int, str], str] = {}
    for frame in view["frames"][: k + 1]:
        for i, field, text in frame["changes"]:
            state[i, field] = text
    return [
        [
            b["name"],
            state.get((i, "data"), ""),
            state.get((i, "grad"), ""),
            state.get((i, "terms"), ""),
        ]
        for i, b in enumerate(view["boxes"])
    ]


def test_clicking_a_neuron_opens_its_nodes_at_the_same_moment(
    browser: Any, grouped: BackwardStepper, tmp_path: Path
) -> None:
    browser.set_window_size(1400, 900)
    path = grouped.to_html(tmp_path / "grouped.html")
    browser.get(path.resolve().as_uri())
    assert grouped.units is not None
    box = next(u for u, unit in enumerate(grouped.units) if unit.name == "layers.1.neurons.2")
    fired = next(f.index for f in grouped.frames if f.phase == "backward" and f.firing == box)
    view = grouped.drill(box)
    browser.execute_script("window.stepperDrill.ready.then(() => { window.drillReady = true; })")
    WebDriverWait(browser, 10).until(lambda d: d.execute_script("return window.drillReady"))
    for k in (fired - 1, fired, fired + 1, len(grouped.frames) - 1):
        move_slider(browser, k)
        browser.find_element(By.ID, "fit").click()
        ActionChains(browser).move_to_element(
            browser.find_element(By.ID, f"n{box}")
        ).click().perform()
        WebDriverWait(browser, 10).until(
            lambda d: d.execute_script("return window.stepperDrill.isOpen()")
        )
        opened = view.frame_of[k]
        assert browser.execute_script("return window.stepperDrill.current()") == opened
        caption = browser.find_element(By.ID, "drill-caption").get_attribute("textContent")
        own = grouped.drill_caption(box, opened)
        if own is None:  # the moment just before it runs: the network's caption of it
            assert view.moments[opened] == k
            assert caption.endswith(grouped.caption(k))
        else:
            assert caption == own
        rows = browser.execute_script(
            "return [...document.querySelectorAll('#drill-grads tbody tr:not(.drill-section)')]"
            ".map((r) => [0, 3, 4, 5].map((i) => r.cells[i].textContent))"
        )
        assert rows == drill_texts(grouped, box, opened)
        # Its own keys step it; the network's page stays where it was.
        browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_LEFT)
        assert browser.execute_script("return window.stepperDrill.current()") == max(0, opened - 1)
        assert browser.find_element(By.ID, "frame-number").text == str(k)
        browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
        assert not browser.execute_script("return window.stepperDrill.isOpen()")
    # Closed, the keys step the network again.
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_LEFT)
    assert browser.find_element(By.ID, "frame-number").text == str(len(grouped.frames) - 2)

"""The watch page in a real browser: headless Chromium moves the slider, plays, steps with the
keys, and we read back the epoch, loss, accuracy, image and network view of every frame and
compare them with the training history and the frames Python drew."""

from __future__ import annotations

import base64
import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from nn import MLP
from nn.datasets import make_moons
from nn.losses import binary_cross_entropy_with_logits, mse_loss
from nn.optim import SGD, Adam
from nn.train import fit
from nn.watch import Watch, watch
from tests.test_stepper_browser import browser, pytestmark

__all__ = ["browser", "pytestmark"]  # the Chromium fixture and the browser/slow marks

webdriver = pytest.importorskip("selenium.webdriver")
pytest.importorskip("matplotlib")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Watch, dict[str, list[float]], Path]:
    X, y = make_moons(40, noise=0.1, seed=0)
    model = MLP(2, [8, 1], seed=0)
    path = tmp_path_factory.mktemp("watch") / "page.html"
    watcher = watch(X, y, every=3, path=path, live=False, title="moons", resolution=25)
    history = fit(
        model, X, y, binary_cross_entropy_with_logits, Adam(model.parameters(), 0.05), 10,
        progress=False, callbacks=[watcher],
    )  # fmt: skip
    return watcher, history, path


def open_page(driver: Any, path: Path) -> None:
    driver.set_window_size(1300, 1100)
    driver.get(path.resolve().as_uri())
    WebDriverWait(driver, 20).until(
        lambda d: d.execute_script("return document.body.dataset.ready") == "1"
    )


def move_slider(driver: Any, k: int) -> None:
    slider = driver.find_element(By.ID, "slider")
    driver.execute_script(
        "arguments[0].value = arguments[1];"
        "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
        slider,
        str(k),
    )


def text(driver: Any, element_id: str) -> str:
    return str(driver.find_element(By.ID, element_id).text)


def line_widths(svg: str) -> dict[str, str]:
    root = ET.fromstring(svg)
    return {
        e.get("id", ""): e.get("stroke-width", "") for e in root.iter(f"{SVG}line") if e.get("id")
    }


def test_frames_are_taken_before_training_every_k_epochs_and_at_the_end(
    trained: tuple[Watch, dict[str, list[float]], Path],
) -> None:
    watcher, history, _ = trained
    assert [frame.epoch for frame in watcher.frames] == [0, 3, 6, 9, 10]
    for frame in watcher.frames[1:]:
        assert frame.loss == history["loss"][frame.epoch - 1]
        assert frame.accuracy == history["accuracy"][frame.epoch - 1]


def test_the_slider_shows_each_frames_epoch_loss_accuracy_and_pictures(
    browser: Any, trained: tuple[Watch, dict[str, list[float]], Path]
) -> None:
    watcher, history, path = trained
    open_page(browser, path)
    assert text(browser, "frame-count") == "5"
    assert text(browser, "epochs") == "10"
    assert text(browser, "epoch") == "10"  # the page opens on the last frame
    markers = set()
    for k in [0, 3, 1, 4, 2]:
        move_slider(browser, k)
        frame = watcher.frames[k]
        assert text(browser, "frame-number") == str(k + 1)
        assert text(browser, "epoch") == str(frame.epoch)
        if frame.epoch == 0:
            assert text(browser, "loss") == "—"
            assert text(browser, "accuracy") == "—"
        else:
            assert text(browser, "loss") == f"{history['loss'][frame.epoch - 1]:.4f}"
            assert text(browser, "accuracy") == f"{history['accuracy'][frame.epoch - 1]:.1%}"
        src = browser.find_element(By.ID, "boundary").get_attribute("src")
        assert src == "data:image/png;base64," + base64.b64encode(frame.boundary).decode()
        shown = browser.find_element(By.CSS_SELECTOR, "#network svg").get_attribute("outerHTML")
        assert line_widths(shown) == line_widths(frame.network)
        marker = browser.find_element(By.ID, "marker")
        markers.add((marker.get_attribute("cx"), marker.is_displayed()))
    assert len(markers) == 5  # the loss marker moved for each frame (hidden before training)
    # The frames really differ: training changed the weights' widths between frame 0 and 4.
    assert line_widths(watcher.frames[0].network) != line_widths(watcher.frames[4].network)


def test_play_runs_to_the_last_frame_and_the_keys_step(
    browser: Any, trained: tuple[Watch, dict[str, list[float]], Path]
) -> None:
    _, _, path = trained
    open_page(browser, path)
    move_slider(browser, 0)
    play = browser.find_element(By.ID, "play")
    play.click()
    assert "pause" in play.text
    seen = set()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and text(browser, "epoch") != "10":
        seen.add(text(browser, "epoch"))
        time.sleep(0.05)
    assert text(browser, "epoch") == "10"
    assert len(seen) >= 3  # it went through the frames, not straight to the end
    WebDriverWait(browser, 5).until(lambda d: "play" in d.find_element(By.ID, "play").text)
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ARROW_LEFT)
    assert text(browser, "epoch") == "9"
    body.send_keys(Keys.ARROW_LEFT)
    body.send_keys(Keys.ARROW_RIGHT)
    assert text(browser, "epoch") == "9"


def test_a_diverging_run_still_writes_its_page_with_the_error(browser: Any, tmp_path: Path) -> None:
    model = MLP(1, [1], activation="linear", seed=0)
    path = tmp_path / "diverged.html"
    watcher = watch(every=1, path=path, live=False)
    X = [[1.0], [2.0], [3.0]]
    with pytest.raises(FloatingPointError):
        fit(
            model, X, [1.0, 2.0, 3.0], mse_loss, SGD(model.parameters(), 1e154), 50,
            progress=False, accuracy_fn=None, callbacks=[watcher],
        )  # fmt: skip
    assert watcher.error is not None
    open_page(browser, path)
    assert text(browser, "accuracy") == "—"
    error = text(browser, "error")
    assert "stopped: FloatingPointError" in error
    assert re.search(r"epoch \d+, batch 0", error)
    assert browser.find_element(By.ID, "boundary-panel").is_displayed() is False


def test_a_link_opens_the_frame_it_names(
    browser: Any, trained: tuple[Watch, dict[str, list[float]], Path]
) -> None:
    watcher, _, path = trained
    browser.get("about:blank")
    browser.get(path.resolve().as_uri() + "#frame=2")
    WebDriverWait(browser, 20).until(
        lambda d: d.execute_script("return document.body.dataset.ready") == "1"
    )
    assert text(browser, "epoch") == str(watcher.frames[2].epoch)
    assert browser.find_element(By.ID, "slider").get_attribute("value") == "2"


def _markup_loss(outputs: Any, targets: Any) -> Any:
    raise ValueError("cross_entropy: the label '<!--<script>' is not a class index")


def test_a_failed_runs_error_with_markup_in_it_is_shown_as_text(
    browser: Any, tmp_path: Path
) -> None:
    model = MLP(1, [1], seed=0)
    path = tmp_path / "markup.html"
    watcher = watch(every=1, path=path, live=False)
    with pytest.raises(ValueError, match="<!--<script>"):
        fit(
            model, [[1.0]], [1.0], _markup_loss, SGD(model.parameters(), 0.1), 3,
            progress=False, accuracy_fn=None, callbacks=[watcher],
        )  # fmt: skip
    open_page(browser, path)  # waits for the page's script to have run
    assert "stopped: ValueError: cross_entropy: the label '<!--<script>'" in text(browser, "error")


def test_a_new_frame_link_on_the_open_page_shows_that_frame(
    browser: Any, trained: tuple[Watch, dict[str, list[float]], Path]
) -> None:
    # A table of contents linking #frame=1, #frame=3: clicking one changes only the hash.
    watcher, _, path = trained
    open_page(browser, path)
    for k in (1, 3, 0):
        browser.execute_script("location.hash = arguments[0]", f"#frame={k}")
        WebDriverWait(browser, 5).until(
            lambda d, k=k: d.find_element(By.ID, "slider").get_attribute("value") == str(k)
        )
        assert text(browser, "epoch") == str(watcher.frames[k].epoch)
    browser.back()  # back to #frame=3
    WebDriverWait(browser, 5).until(
        lambda d: d.find_element(By.ID, "slider").get_attribute("value") == "3"
    )


def test_the_page_colours_signs_as_every_picture_does(
    browser: Any, trained: tuple[Watch, dict[str, list[float]], Path]
) -> None:
    from autograd_engine.palette import NEGATIVE, POSITIVE

    _, _, path = trained
    open_page(browser, path)
    strokes = browser.execute_script(
        "return [...document.querySelectorAll('#network line[id]')].map((l) => {"
        "  const tip = l.querySelector('title').textContent;"
        "  return [l.getAttribute('stroke'), Number(/= (\\S+)/.exec(tip)[1])]; })"
    )
    assert {colour for colour, w in strokes if w > 0} == {POSITIVE}
    assert {colour for colour, w in strokes if w < 0} == {NEGATIVE}

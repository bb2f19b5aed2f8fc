"""The exported stepper page in a real browser: headless Chromium moves the slider and we read
back the frame number, the highlighted node and every gradient shown."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autograd_engine import Value
from autograd_engine.viz import BackwardStepper

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()),
        reason="needs Debian's chromium and chromium-driver (/usr/bin/chromium, "
        "/usr/bin/chromedriver); `make system-deps` installs them as root",
    ),
]

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def tanh_neuron() -> Value:
    """The micrograd lecture's neuron, with x1 used twice so one node receives two terms."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh() + 0.1 * x1
    o.label = "o"
    return o


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    with tempfile.TemporaryDirectory(prefix="stepper-chromium-") as profile:
        for flag in (
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
        ):
            options.add_argument(flag)
        driver = webdriver.Chrome(
            service=Service(executable_path=str(CHROMEDRIVER)), options=options
        )
        try:
            yield driver
        finally:
            driver.quit()


@pytest.fixture(scope="module")
def stepper() -> BackwardStepper:
    return BackwardStepper(tanh_neuron())


@pytest.fixture
def page(browser: Any, stepper: BackwardStepper, tmp_path: Path) -> Any:
    path = stepper.to_html(tmp_path / "stepper.html")
    browser.get(path.resolve().as_uri())
    return browser


def move_slider(driver: Any, k: int) -> None:
    """Set the slider as a user's drag does: a new value, then an input event."""
    slider = driver.find_element(By.ID, "slider")
    driver.execute_script(
        "arguments[0].value = arguments[1];"
        "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
        slider,
        str(k),
    )


def check_frame(driver: Any, stepper: BackwardStepper, k: int) -> None:
    """Everything the page shows must be frame k of the stepper."""
    assert driver.find_element(By.ID, "frame-number").text == str(k)
    assert driver.find_element(By.ID, "slider").get_attribute("value") == str(k)
    assert driver.find_element(By.ID, "caption").text == stepper.caption(k)

    step = stepper.firing(k)
    highlighted = driver.find_elements(By.CSS_SELECTOR, "#viewer g.node.highlighted title")
    firing_rows = driver.find_elements(By.CSS_SELECTOR, "#grads tr.firing")
    if step is None:
        assert highlighted == []
        assert firing_rows == []
        assert driver.find_element(By.ID, "firing").text == "nothing (done)"
    else:
        node_id = f"n{stepper.nodes.index(step.node)}"
        assert [t.get_attribute("textContent") for t in highlighted] == [node_id]
        assert [row.get_attribute("data-node") for row in firing_rows] == [node_id]
        assert driver.find_element(By.ID, "firing").text == stepper.name(step.node)

    expected = stepper.grads(k)
    rows = driver.find_elements(By.CSS_SELECTOR, "#grads tbody tr")
    assert len(rows) == len(stepper.nodes)
    for row, node in zip(rows, stepper.nodes, strict=True):
        cell = row.find_element(By.CSS_SELECTOR, "td.grad")
        assert float(cell.get_attribute("data-grad")) == expected[node]
        assert cell.get_attribute("textContent") == f"{expected[node]: .4f}"


def test_the_page_opens_at_frame_zero(page: Any, stepper: BackwardStepper) -> None:
    assert page.find_element(By.ID, "frame-count").text == str(len(stepper))
    check_frame(page, stepper, 0)


def test_moving_the_slider_shows_that_frame(page: Any, stepper: BackwardStepper) -> None:
    for k in (3, len(stepper), 1, 5):
        move_slider(page, k)
        check_frame(page, stepper, k)


def test_the_buttons_and_arrow_keys_step_one_frame(page: Any, stepper: BackwardStepper) -> None:
    page.find_element(By.ID, "next").click()
    page.find_element(By.ID, "next").click()
    check_frame(page, stepper, 2)
    page.find_element(By.ID, "prev").click()
    check_frame(page, stepper, 1)
    page.find_element(By.ID, "slider").send_keys(Keys.ARROW_RIGHT)
    check_frame(page, stepper, 2)
    page.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_LEFT)
    check_frame(page, stepper, 1)


def test_prev_is_disabled_at_the_start_and_next_at_the_end(
    page: Any, stepper: BackwardStepper
) -> None:
    assert not page.find_element(By.ID, "prev").is_enabled()
    move_slider(page, len(stepper))
    assert not page.find_element(By.ID, "next").is_enabled()
    assert page.find_element(By.ID, "prev").is_enabled()


def test_play_runs_to_the_last_frame(page: Any, stepper: BackwardStepper) -> None:
    move_slider(page, len(stepper) - 2)
    play = page.find_element(By.ID, "play")
    play.click()
    assert "pause" in play.text
    # Waiting, not timing: the frames advance once a second; allow plenty for a busy machine.
    WebDriverWait(page, 60).until(
        lambda driver: driver.find_element(By.ID, "frame-number").text == str(len(stepper))
    )
    WebDriverWait(page, 60).until(lambda driver: "play" in play.text)
    check_frame(page, stepper, len(stepper))

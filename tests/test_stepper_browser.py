"""The exported stepper page in a real browser: headless Chromium steps, zooms and follows, and
we read back the frame, the colours, every number shown and where each box is drawn."""

from __future__ import annotations

import random
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autograd_engine import Value
from autograd_engine.graph import topological_order
from autograd_engine.viz import BackwardStepper
from tests.stepper_truth import check_claims, page_state, svg_marks, svg_texts

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
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


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


def mlp_loss(sizes: list[int], examples: int) -> tuple[Value, list[Value]]:
    """A squared-error loss of an MLP over a few fixed examples, and the model's parameters."""
    from nn import MLP

    random.seed(0)
    model = MLP(sizes[0], sizes[1:])
    loss = Value(0.0, "zero")
    for e in range(examples):
        x = [Value(random.uniform(-1, 1), f"x{e}_{i}") for i in range(sizes[0])]
        out = model(x)  # one output: a Value
        assert isinstance(out, Value)
        loss = loss + (out - random.uniform(-1, 1)) ** 2
    loss.label = "loss"
    return loss, model.parameters()


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
            "--hide-scrollbars",
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


def neuron_params(root: Value) -> list[Value]:
    """The lecture neuron's weights and bias (not its inputs x1, x2)."""
    return [n for n in topological_order(root) if n.label in ("w1", "w2", "b")]


@pytest.fixture(scope="module")
def stepper() -> BackwardStepper:
    root = tanh_neuron()
    return BackwardStepper(root, lr=0.1, params=neuron_params(root))


@pytest.fixture
def page(browser: Any, stepper: BackwardStepper, tmp_path: Path) -> Any:
    browser.set_window_size(1400, 900)
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


def expected_state(stepper: BackwardStepper, k: int) -> dict[tuple[int, str], str]:
    return page_state(stepper, k)


SHOWN = """
const out = [];
for (const node of DATA.nodes) {
  const box = document.getElementById(node.id);
  const grad = document.getElementById(node.id + "_grad");
  const polygon = box.querySelector("polygon");
  out.push({
    cls: box.getAttribute("class"),
    data: document.getElementById(node.id + "_data").textContent,
    grad: grad.textContent,
    gradClass: grad.getAttribute("class"),
    stroke: getComputedStyle(polygon).stroke,
    fill: getComputedStyle(polygon).fill,
    gradFill: getComputedStyle(grad).fill,
  });
}
return out;
"""
# The palette's GRAD (the node firing) and PARTIAL (the nodes receiving its terms).
RED, PURPLE = "rgb(214, 39, 40)", "rgb(123, 50, 148)"


def check_frame(driver: Any, stepper: BackwardStepper, k: int, *, quiz: bool = False) -> None:
    """Everything the page shows must be frame k of the stepper: the numbers and marks of
    every box (the same as ``stepper.svg(k)``'s), the caption (and every number it states
    about a box is what that box shows), the table, the marked edges and their labels."""
    frame = stepper.page_data()["frames"][k]
    assert driver.find_element(By.ID, "frame-number").text == str(k)
    assert driver.find_element(By.ID, "slider").get_attribute("value") == str(k)
    assert driver.find_element(By.ID, "phase").text == frame["phase"]
    if not quiz:  # a quiz hides the terms of the question being asked
        assert driver.find_element(By.ID, "caption").get_attribute("textContent") == (
            stepper.caption(k)
        )
    fields = expected_state(stepper, k)
    shown = driver.execute_script(SHOWN)
    table = driver.execute_script(TABLE)
    page = {}
    for i, box in enumerate(shown):
        page[i, "data"], page[i, "grad"] = box["data"], box["grad"]
        assert box["data"] == fields[i, "data"]
        assert box["grad"] == fields[i, "grad"]
        assert box["gradClass"] == f"grad {fields[i, 'arrival']}"
        # The table row says the same, without the words "data" and "grad".
        assert table[i]["name"] == stepper._boxes[i].name  # the full name, never cut
        assert table[i]["data"] == fields[i, "data"].removeprefix("data ")
        assert table[i]["grad"] == fields[i, "grad"].removeprefix("grad ")
        assert table[i]["terms"] == fields[i, "terms"]
        firing = i == frame["firing"]
        receiving = i in frame["focus"][1:]
        assert ("firing" in box["cls"].split()) == firing
        assert ("receiving" in box["cls"].split()) == receiving
        # The colours a person sees: red outline on the firing node, blue on its inputs.
        if firing:
            assert box["stroke"] == RED
        elif receiving:
            assert box["stroke"] == PURPLE
        else:
            assert box["stroke"] not in (RED, PURPLE)
        if fields[i, "arrival"] == "waiting":
            assert box["gradFill"] == "rgb(170, 170, 170)"  # grey: nothing arrived yet
        elif fields[i, "arrival"] == "complete":
            assert box["gradFill"] == "rgb(0, 0, 0)"
    rows = driver.find_elements(By.CSS_SELECTOR, "#grads tr.firing")
    assert [row.get_attribute("data-node") for row in rows] == (
        [] if frame["firing"] is None else [f"n{frame['firing']}"]
    )
    sending = driver.find_elements(By.CSS_SELECTOR, "g.edge.sending, g.edge.computing")
    assert sorted(e.get_attribute("id") for e in sending) == sorted(e for e, _ in frame["edges"])
    if not quiz:
        labels = page_labels(driver)
        assert sorted(labels) == sorted(label for _, label in frame["edges"] if label)
    # The caption's numbers are the page's, and the still picture is the page's frame k.
    check_claims(stepper, k, page)
    svg = stepper.svg(k)
    assert svg_texts(svg) == page
    if frame["phase"] == "backward":
        assert svg_marks(svg) == {i: fields[i, "arrival"] for i in range(len(shown))}
    assert sorted(svg_edges(svg)) == sorted(e for e, _ in frame["edges"])


TABLE = """
return [...document.querySelectorAll("#grads tbody tr")].map((row) => ({
  name: row.querySelector(".name").textContent, data: row.querySelector(".data").textContent,
  grad: row.querySelector(".grad").textContent, terms: row.querySelector(".terms").textContent,
}));
"""


def svg_edges(svg: str) -> list[str]:
    return re.findall(r'<g id="(n\d+_(?:e\d+|out))" class="edge (?:sending|computing)"', svg)


def page_labels(driver: Any) -> list[str]:
    """The edge labels a person can see (the others are laid out but not displayed)."""
    return list(
        driver.execute_script(
            "return [...document.querySelectorAll('text.edge-label')]"
            ".filter((t) => getComputedStyle(t).display !== 'none').map((t) => t.textContent);"
        )
    )


def test_the_page_opens_at_frame_zero(page: Any, stepper: BackwardStepper) -> None:
    assert page.find_element(By.ID, "frame-count").text == str(len(stepper.frames) - 1)
    assert page.execute_script("return document.querySelectorAll('svg').length") == 1
    check_frame(page, stepper, 0)


def test_every_frame_shows_its_numbers_and_colours(page: Any, stepper: BackwardStepper) -> None:
    order = [*range(len(stepper.frames)), 3, 0, len(stepper.frames) - 1, 7]
    assert len(stepper) == len(stepper.frames)  # one numbering: the page's
    for k in order:
        move_slider(page, k)
        check_frame(page, stepper, k)


def test_an_exactly_zero_gradient_that_arrived_is_shown_as_arrived(
    page: Any, stepper: BackwardStepper
) -> None:
    move_slider(page, stepper.backward_end)
    w2 = next(i for i, node in enumerate(stepper.nodes) if node.label == "w2")
    grad = page.find_element(By.ID, f"n{w2}_grad")
    assert grad.text == "grad 0"
    assert grad.get_attribute("class") == "grad complete"


POSITIONS = """
return DATA.nodes.map((node) => {
  const box = document.getElementById(node.id);
  const b = box.getBBox();
  return [box.querySelector("polygon").getAttribute("points"), b.x, b.y, b.width, b.height];
});
"""


def test_no_box_moves_between_frames(page: Any, stepper: BackwardStepper) -> None:
    first = page.execute_script(POSITIONS)
    for k in range(1, len(stepper.frames)):
        move_slider(page, k)
        assert page.execute_script(POSITIONS) == first, f"a box moved at frame {k}"


IN_VIEW = """
const frame = DATA.frames[window.stepperPage.current()];
const viewer = document.getElementById("viewer").getBoundingClientRect();
const box = document.getElementById(DATA.nodes[frame.firing].id);
const r = box.getBoundingClientRect();
const text = document.getElementById(DATA.nodes[frame.firing].id + "_data");
const px = text.getScreenCTM().a * parseFloat(getComputedStyle(text).fontSize);
return {inside: r.left >= viewer.left && r.right <= viewer.right
                && r.top >= viewer.top && r.bottom <= viewer.bottom,
        px: px};
"""


def check_follow(driver: Any, stepper: BackwardStepper) -> list[float]:
    sizes = []
    for k, frame in enumerate(stepper.frames):
        if frame.firing is None:
            continue
        move_slider(driver, k)
        seen = driver.execute_script(IN_VIEW)
        assert seen["inside"], f"frame {k}: the firing node is outside the view"
        assert seen["px"] >= 11, f"frame {k}: text of {seen['px']:.1f} px"
        sizes.append(seen["px"])
    return sizes


def test_follow_keeps_the_firing_node_in_view_and_readable(
    page: Any, stepper: BackwardStepper
) -> None:
    assert page.find_element(By.ID, "follow").is_selected()
    check_follow(page, stepper)


def test_zoom_pan_and_fit(page: Any, stepper: BackwardStepper) -> None:
    move_slider(page, stepper.backward_start + 2)
    view = page.execute_script("return window.stepperPage.view()")
    body = page.find_element(By.TAG_NAME, "body")
    body.send_keys("+")
    zoomed = page.execute_script("return window.stepperPage.view()")
    assert zoomed["s"] == pytest.approx(view["s"] * 1.25)
    assert not page.find_element(By.ID, "follow").is_selected()  # the user took over
    page.find_element(By.ID, "zoom-out").click()
    assert page.execute_script("return window.stepperPage.view()")["s"] == pytest.approx(view["s"])
    viewer = page.find_element(By.ID, "viewer")
    ActionChains(page).move_to_element(viewer).click_and_hold().move_by_offset(
        100, 40
    ).release().perform()
    panned = page.execute_script("return window.stepperPage.view()")
    assert panned["cx"] == pytest.approx(view["cx"] - 100 / view["s"], abs=1)
    assert panned["cy"] == pytest.approx(view["cy"] - 40 / view["s"], abs=1)
    page.execute_script(
        "document.getElementById('viewer').dispatchEvent(new WheelEvent('wheel',"
        "{deltaY: -200, clientX: 300, clientY: 400, bubbles: true, cancelable: true}))"
    )
    assert page.execute_script("return window.stepperPage.view()")["s"] > panned["s"]
    body.send_keys("0")  # fit: the whole graph inside the viewer
    inside = page.execute_script(
        "const v = document.getElementById('viewer').getBoundingClientRect();"
        "const g = document.getElementById('graph0').getBoundingClientRect();"
        "return g.left >= v.left - 1 && g.right <= v.right + 1"
        " && g.top >= v.top - 1 && g.bottom <= v.bottom + 1;"
    )
    assert inside
    body.send_keys("f")
    assert page.find_element(By.ID, "follow").is_selected()
    assert page.execute_script(IN_VIEW)["inside"]


def test_keys_step_play_and_jump(page: Any, stepper: BackwardStepper) -> None:
    last = len(stepper.frames) - 1
    body = page.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ARROW_RIGHT)
    body.send_keys(Keys.ARROW_RIGHT)
    check_frame(page, stepper, 2)
    body.send_keys(Keys.ARROW_LEFT)
    check_frame(page, stepper, 1)
    body.send_keys(Keys.END)
    check_frame(page, stepper, last)
    body.send_keys(Keys.HOME)
    check_frame(page, stepper, 0)
    page.find_element(By.ID, "next").click()
    page.find_element(By.ID, "next").click()
    page.find_element(By.ID, "prev").click()
    check_frame(page, stepper, 1)
    page.find_element(By.ID, "slider").send_keys(Keys.ARROW_RIGHT)
    check_frame(page, stepper, 2)
    play = page.find_element(By.ID, "play")
    body.send_keys(Keys.SPACE)
    assert "pause" in play.text
    body.send_keys(Keys.SPACE)
    assert "play" in play.text


def test_prev_is_disabled_at_the_start_and_next_at_the_end(
    page: Any, stepper: BackwardStepper
) -> None:
    assert not page.find_element(By.ID, "prev").is_enabled()
    move_slider(page, len(stepper.frames) - 1)
    assert not page.find_element(By.ID, "next").is_enabled()
    assert page.find_element(By.ID, "prev").is_enabled()


def test_play_at_a_chosen_speed_runs_to_the_last_frame(page: Any, stepper: BackwardStepper) -> None:
    last = len(stepper.frames) - 1
    move_slider(page, last - 6)
    Select(page.find_element(By.ID, "speed")).select_by_value("8")
    play = page.find_element(By.ID, "play")
    start = time.perf_counter()
    play.click()
    assert "pause" in play.text
    WebDriverWait(page, 60).until(
        lambda driver: driver.find_element(By.ID, "frame-number").text == str(last)
    )
    WebDriverWait(page, 60).until(lambda driver: "play" in play.text)
    # Six frames at 8x (125 ms each) take well under the 6 s they take at 1x.
    assert time.perf_counter() - start < 5
    check_frame(page, stepper, last)


# --- a 500-node graph: the stepper's speed goals, asserted loosely (5x), measured and printed -----


def test_a_500_node_page_exports_loads_and_steps_within_the_goals(
    browser: Any, tmp_path: Path
) -> None:
    loss, params = mlp_loss([2, 8, 8, 1], 2)
    start = time.perf_counter()
    stepper = BackwardStepper(loss, lr=0.05, params=params, max_nodes=1000)
    path = stepper.to_html(tmp_path / "mlp.html")
    export = time.perf_counter() - start
    size = path.stat().st_size
    assert len(stepper.nodes) == 500
    browser.set_window_size(1400, 900)
    start = time.perf_counter()
    browser.get(path.resolve().as_uri())
    load = time.perf_counter() - start
    step_all = browser.execute_script(
        "const t = performance.now();"
        "for (let k = 0; k < window.stepperPage.frames; k++) window.stepperPage.show(k);"
        "return (performance.now() - t) / 1000;"
    )
    # What a person waits for per step: the frame's changes and the page laid out again.
    laid_out = browser.execute_script(
        "const t = performance.now();"
        "for (let k = 300; k < 340; k++) {"
        "  window.stepperPage.show(k); document.getElementById('viewer').getBBox;"
        "  document.body.getBoundingClientRect(); getComputedStyle(document.body).color; }"
        "return (performance.now() - t) / 40 / 1000;"
    )
    print(
        f"\n500-node MLP loss: {len(stepper.frames)} frames, export {export:.2f} s, "
        f"{size / 1e6:.2f} MB, load {load:.2f} s, every frame applied in {step_all:.2f} s, "
        f"{laid_out * 1000:.0f} ms per frame with layout"
    )
    assert laid_out < 1.0
    assert export < 5 * 2.0
    assert size < 5 * 2_000_000
    assert load < 20
    assert step_all < 60
    for k in (0, stepper.backward_start, len(stepper.frames) - 1):
        move_slider(browser, k)
        check_frame(browser, stepper, k)
    sizes = check_follow_some(browser, stepper)
    assert min(sizes) >= 11


def check_follow_some(driver: Any, stepper: BackwardStepper) -> list[float]:
    """Follow on a big graph: every 25th firing frame inside the view, text >= 11 px."""
    sizes = []
    firing = [k for k, frame in enumerate(stepper.frames) if frame.firing is not None]
    for k in firing[::25]:
        move_slider(driver, k)
        seen = driver.execute_script(IN_VIEW)
        assert seen["inside"], f"frame {k}: the firing node is outside the view"
        sizes.append(seen["px"])
    return sizes

"""Where the stepper page looks, in headless Chromium: follow frames the firing node and every
node it sends to (or says how many are off-screen), at a readable size, in a wide window and
a small one; every page opens readable; fit on a big graph is a marked overview."""

from __future__ import annotations

import re
from typing import Any

import pytest

from autograd_engine import Value
from autograd_engine.viz import BackwardStepper
from tests.test_stepper_browser import browser, pytestmark

__all__ = ["browser", "pytestmark"]  # the Chromium fixture and the browser/slow marks

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402

#: The window sizes a class sees: a projector's laptop, and a small window or notebook cell.
WINDOWS = [(1400, 900), (900, 500)]
#: The widget's iframe: a notebook cell's width, the widget's default height.
WIDGET = (900, 720)


def lecture_neuron() -> Value:
    """The micrograd lecture's neuron, named as on the board."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    x1w1, x2w2 = x1 * w1, x2 * w2
    x1w1.label, x2w2.label = "x1*w1", "x2*w2"
    total = x1w1 + x2w2
    total.label = "x1*w1 + x2*w2"
    n = total + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def mazur() -> Value:
    """Matt Mazur's 2-2-2 network and its squared error."""
    i1, i2 = Value(0.05, "i1"), Value(0.1, "i2")
    w = [Value(v, f"w{k + 1}") for k, v in enumerate([0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55])]
    b1, b2 = Value(0.35, "b1"), Value(0.6, "b2")
    h1 = (i1 * w[0] + i2 * w[1] + b1).sigmoid()
    h2 = (i1 * w[2] + i2 * w[3] + b1).sigmoid()
    o1 = (h1 * w[4] + h2 * w[5] + b2).sigmoid()
    o2 = (h1 * w[6] + h2 * w[7] + b2).sigmoid()
    return 0.5 * (0.01 - o1) ** 2 + 0.5 * (0.99 - o2) ** 2


def grouped_mlp() -> BackwardStepper:
    """One example through MLP(2, [16, 16, 1]), one box per neuron: 16 boxes receive at once."""
    from nn import MLP

    model = MLP(2, [16, 16, 1], seed=0)
    out = model([Value(0.5, "x0"), Value(-1.0, "x1")])
    assert isinstance(out, Value)
    return BackwardStepper((out - 1.0) ** 2, group="neuron")


PAGES = {
    "lecture": lambda: BackwardStepper(lecture_neuron()),
    "mazur": lambda: BackwardStepper(mazur(), quiz=True),
    "grouped": grouped_mlp,
}


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[BackwardStepper, str]]:
    folder = tmp_path_factory.mktemp("view-pages")
    made = {}
    for name, make in PAGES.items():
        stepper = make()
        made[name] = (stepper, stepper.to_html(folder / f"{name}.html").resolve().as_uri())
    return made


def open_page(driver: Any, uri: str, window: tuple[int, int]) -> None:
    """Open ``uri`` with the page's *viewport* (not the window) of size ``window``."""
    driver.set_window_size(*window)
    inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    driver.set_window_size(2 * window[0] - inner[0], 2 * window[1] - inner[1])
    driver.get(uri)
    driver.execute_script("return document.fonts.ready")


#: What the viewer shows of frame k: for the firing node, its op, each edge it sends along
#: (label shown) and each node receiving, whether it is inside the viewer; the text size;
#: the note's text.
SHOW = """
window.stepperPage.setLimit(DATA.frames.length - 1);  // past any quiz question
window.stepperPage.show(arguments[0]);
// A quiz panel may grow and shrink the viewer: the page re-follows before the next paint.
const done = arguments[arguments.length - 1];
requestAnimationFrame(() => requestAnimationFrame(() => done(window.stepperPage.current())));
"""

SEEN = """
const k = arguments[0];
if (window.stepperPage.current() !== k) throw new Error("the page did not show frame " + k);
const frame = DATA.frames[k];
// The part of the viewer inside the window: a viewer running below the window's edge
// does not show what is down there.
const whole = document.getElementById("viewer").getBoundingClientRect();
const viewer = {left: Math.max(whole.left, 0), top: Math.max(whole.top, 0),
                right: Math.min(whole.right, window.innerWidth),
                bottom: Math.min(whole.bottom, window.innerHeight)};
const within = (id) => {
  const el = document.getElementById(id);
  if (!el) return true;
  const r = el.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) return true;  // not drawn (a hidden label)
  return r.left >= viewer.left - 1 && r.right <= viewer.right + 1
         && r.top >= viewer.top - 1 && r.bottom <= viewer.bottom + 1;
};
const firing = DATA.nodes[frame.firing].id;
const text = document.getElementById(firing + "_data");
const note = document.getElementById("view-note");
const noteBox = note.getBoundingClientRect();
return {
  noteVisible: note.hidden || (noteBox.bottom <= window.innerHeight && noteBox.top >= viewer.top),
  firing: within(firing) && within(firing + "_op"),
  receivers: frame.focus.slice(1).filter((i) => i !== frame.firing)
    .map((i) => [DATA.nodes[i].name, within(DATA.nodes[i].id)]),
  indices: frame.focus.slice(1).filter((i) => i !== frame.firing),
  edges: frame.edges.filter(([id]) => !id.endsWith("_out")).map(([id]) => [id, within(id)]),
  px: text.getScreenCTM().a * parseFloat(getComputedStyle(text).fontSize),
  note: note.hidden ? "" : note.textContent,
};
"""


def seen_at(driver: Any, k: int) -> dict[str, Any]:
    driver.execute_async_script(SHOW, k)
    seen: dict[str, Any] = driver.execute_script(SEEN, k)
    return seen


def check_follow(driver: Any, stepper: BackwardStepper, frames: list[int]) -> None:
    for k in frames:
        seen = seen_at(driver, k)
        where = f"frame {k} ({stepper.frames[k].phase})"
        assert seen["firing"], f"{where}: the firing node is outside the view"
        assert seen["noteVisible"], f"{where}: the note {seen['note']!r} is outside the window"
        assert seen["px"] >= 11 - 1e-6, f"{where}: text of {seen['px']:.1f} px"
        # A receiver is off-screen when its box is, or the term on an edge from it.
        cut = {source(stepper, edge) for edge, inside in seen["edges"] if not inside}
        outside = [
            name
            for (name, inside), i in zip(seen["receivers"], seen["indices"], strict=True)
            if not inside or i in cut
        ]
        if outside:
            assert seen["note"].startswith(f"{len(outside)} of {len(seen['receivers'])} "), (
                f"{where}: {outside} are off-screen and the note says {seen['note']!r}"
            )
        else:
            assert all(inside for _, inside in seen["edges"]), f"{where}: {seen['edges']}"
            assert seen["note"] == "", f"{where}: nothing is off-screen, yet {seen['note']!r}"


def source(stepper: BackwardStepper, edge: str) -> int:
    """The box an edge ``n<i>_e<j>`` comes from: the ``j``-th input of box ``i``."""
    match = re.fullmatch(r"n(\d+)_e(\d+)", edge)
    assert match is not None, edge
    i, j = int(match[1]), int(match[2])
    if stepper.units is not None:
        index = stepper.units[i].inputs[j]
        assert index is not None
        return index
    return stepper.nodes.index(stepper.nodes[i].parents[j])


def firing_frames(stepper: BackwardStepper, most: int = 40) -> list[int]:
    frames = [k for k, frame in enumerate(stepper.frames) if frame.firing is not None]
    step = max(1, len(frames) // most)
    return frames[::step]


@pytest.mark.parametrize("window", [*WINDOWS, WIDGET], ids=lambda w: f"{w[0]}x{w[1]}")
@pytest.mark.parametrize("name", list(PAGES))
def test_follow_frames_the_firing_node_and_its_receivers_readably(
    browser: Any, pages: dict[str, tuple[BackwardStepper, str]], name: str, window: tuple[int, int]
) -> None:
    stepper, uri = pages[name]
    open_page(browser, uri, window)
    assert browser.find_element(By.ID, "follow").is_selected()
    check_follow(browser, stepper, firing_frames(stepper))


@pytest.mark.parametrize("window", [*WINDOWS, WIDGET], ids=lambda w: f"{w[0]}x{w[1]}")
@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_opens_readable(
    browser: Any, pages: dict[str, tuple[BackwardStepper, str]], name: str, window: tuple[int, int]
) -> None:
    _, uri = pages[name]
    open_page(browser, uri, window)
    sizes = browser.execute_script(
        "const v = document.getElementById('viewer').getBoundingClientRect();"
        "return [...document.querySelectorAll('#viewer text.name')].filter((t) => {"
        "  const r = t.getBoundingClientRect();"
        "  return r.width > 0 && r.right > v.left && r.left < v.right"
        "         && r.bottom > v.top && r.top < v.bottom;"
        "}).map((t) => t.getScreenCTM().a * parseFloat(getComputedStyle(t).fontSize));"
    )
    assert sizes, "the page opens on an empty view"
    assert min(sizes) >= 11 - 1e-6
    assert max(sizes) <= 12 * 1.4 + 1e-6  # enlarged at most 1.4x: no clipped, giant ovals


def test_the_widget_shows_x2_w2_and_the_terms_when_x2_w2_fires(
    browser: Any, pages: dict[str, tuple[BackwardStepper, str]]
) -> None:
    stepper, uri = pages["lecture"]
    open_page(browser, uri, WIDGET)
    k = next(
        k
        for k, frame in enumerate(stepper.frames)
        if frame.phase == "backward"
        and frame.firing is not None
        and box_name(stepper, frame.firing) == "x2*w2"
    )
    seen = seen_at(browser, k)
    assert seen["firing"]
    assert sorted(name for name, inside in seen["receivers"] if inside) == ["w2", "x2"]
    assert len(seen["edges"]) == 2
    assert all(inside for _, inside in seen["edges"])
    labels = browser.execute_script(
        "return [...document.querySelectorAll('#viewer .edge.sending text.edge-label')]"
        ".map((t) => t.getBoundingClientRect().width)"
    )
    assert len(labels) == 2
    assert min(labels) > 0
    assert seen["px"] >= 11 - 1e-6


def box_name(stepper: BackwardStepper, index: int) -> str:
    """The name the page shows for box ``index``."""
    if stepper.units is None:
        return stepper.name(stepper.nodes[index])
    return stepper.units[index].name


def test_fit_on_a_graph_too_big_to_read_is_a_marked_overview(
    browser: Any, pages: dict[str, tuple[BackwardStepper, str]]
) -> None:
    stepper, uri = pages["mazur"]
    open_page(browser, uri, WINDOWS[0])
    k = firing_frames(stepper)[5]
    browser.execute_script("window.stepperPage.show(arguments[0])", k)
    browser.find_element(By.ID, "fit").click()
    state = browser.execute_script(
        "const v = document.getElementById('viewer').getBoundingClientRect();"
        "const g = document.getElementById('graph0').getBoundingClientRect();"
        "const m = document.getElementById('readable-region');"
        "const f = document.getElementById(DATA.nodes[DATA.frames[arguments[0]].firing].id)"
        "  .getBoundingClientRect();"
        "const r = m.getBoundingClientRect();"
        "return {whole: g.left >= v.left - 1 && g.right <= v.right + 1 && g.top >= v.top - 1"
        "              && g.bottom <= v.bottom + 1,"
        "        marked: !m.hidden && r.width > 0,"
        "        around: r.left <= f.left && r.right >= f.right && r.top <= f.top"
        "                && r.bottom >= f.bottom,"
        "        note: document.getElementById('view-note').textContent,"
        "        s: window.stepperPage.view().s};",
        k,
    )
    assert state["whole"], state
    assert state["marked"], state
    assert state["around"], state
    assert state["s"] < 11 / 12
    assert "overview" in state["note"]
    # A click reads the graph there, at a readable size.
    viewer = browser.find_element(By.ID, "viewer")
    viewer.click()
    assert browser.execute_script("return window.stepperPage.view().s") >= 11 / 12
    assert browser.execute_script("return document.getElementById('readable-region').hidden")


def test_a_click_on_the_note_pans_along_the_receivers_off_screen(
    browser: Any, pages: dict[str, tuple[BackwardStepper, str]]
) -> None:
    stepper, uri = pages["grouped"]
    open_page(browser, uri, WINDOWS[1])
    k = next(k for k in firing_frames(stepper, most=10**6) if seen_at(browser, k)["note"])
    seen = seen_at(browser, k)
    hidden = {name for name, inside in seen["receivers"] if not inside}
    assert hidden
    shown_later: set[str] = set()
    for _ in range(len(hidden) + 1):
        browser.find_element(By.ID, "view-note").click()
        now = browser.execute_script(SEEN, k)
        shown_later |= {name for name, inside in now["receivers"] if inside}
        if now["note"].endswith("the firing node ▸"):
            break
    assert hidden <= shown_later, f"never shown: {hidden - shown_later}"
    browser.find_element(By.ID, "view-note").click()  # and back to the firing node
    assert browser.execute_script(SEEN, k)["firing"]

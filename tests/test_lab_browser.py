"""The browser lab, built from this checkout and served from 127.0.0.1 to headless Chromium:
it loads from its own origin only, draws the lecture's gradients, shows the same stepper
frames as Python, grades the quiz, trains the Playground, and survives a syntax error."""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.lab_browser import (
    chromium,
    missing_tools,
    requested_urls,
    serve,
    wait_for,
    wait_for_playground,
    wait_until_ready,
)

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.keys import Keys  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LAB = ROOT / "lab"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        bool(missing_tools()),
        reason=f"the lab's browser tests need {', '.join(missing_tools())} "
        "(`make system-deps` installs Debian's chromium, chromium-driver, nodejs and npm as root)",
    ),
]


def _load(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lab built once, exactly as `make lab` builds it (npm ci, this commit's wheel)."""
    build = _load("lab_build", LAB / "build.py")
    return Path(build.build(tmp_path_factory.mktemp("site") / "lab"))


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[tuple[str, list[str]]]:
    with serve(site) as (base, paths):
        yield base, paths


@pytest.fixture(scope="module")
def opened(served: tuple[str, list[str]]) -> Iterator[tuple[Any, dict[str, str]]]:
    """One browser for the module, opened on ``?example=mazur``; and what that load showed."""
    with chromium() as driver:
        driver.get(f"{served[0]}?example=mazur")
        wait_until_ready(driver)
        first = {
            "source": driver.find_element("id", "source").get_attribute("value"),
            "output": driver.find_element("id", "output").text,
        }
        yield driver, first


@pytest.fixture(scope="module")
def browser(opened: tuple[Any, dict[str, str]]) -> Any:
    return opened[0]


@pytest.fixture
def page(browser: Any) -> Any:
    """The lab on its first tab, with its status and error boxes read fresh."""
    browser.find_element("id", "tab-code").click()
    return browser


def screenshot(driver: Any, name: str) -> None:
    """With LAB_SCREENSHOTS=folder, keep what the page shows now as folder/name.png."""
    folder = os.environ.get("LAB_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        assert driver.save_screenshot(str(Path(folder) / f"{name}.png"))


def editor_python() -> Any:
    """The lab's Python side of the editor, imported from lab/python as the page does."""
    return _load("lab_editor", LAB / "python" / "lab_editor.py")


def example(name: str) -> str:
    return (LAB / "examples" / f"{name}.py").read_text("utf-8")


def set_source(driver: Any, text: str) -> None:
    driver.execute_script("document.getElementById('source').value = arguments[0]", text)


def leaves(driver: Any) -> dict[str, tuple[str, str]]:
    rows = driver.execute_script(
        "return [...document.querySelectorAll('#leaves tbody tr')]"
        ".map((r) => [...r.cells].map((c) => c.textContent));"
    )
    return {name: (data, grad) for name, data, grad in rows}


def run(driver: Any) -> None:
    before = driver.execute_script("return window.lab.editor.runs")
    driver.find_element("id", "run").click()
    wait_for(
        driver,
        "return window.lab.editor.runs > arguments[0] || !document.getElementById('error').hidden",
        30,
        "Run",
        before,
    )


def test_the_lab_loads_from_its_own_origin_only(
    browser: Any, served: tuple[str, list[str]]
) -> None:
    base, paths = served
    wait_for_playground(browser)  # the worker's Python has loaded too
    urls = requested_urls(browser)
    fetched = [u for u in urls if u.split(":", 1)[0] in ("http", "https", "ws", "wss")]
    assert fetched, "Chrome's performance log recorded no request"
    elsewhere = [u for u in fetched if not u.startswith(base)]
    assert elsewhere == [], f"requests left the site's origin: {elsewhere}"
    # The log saw every file the server sent, the worker's included.
    logged = {u[len(base) - 1 :].split("?")[0] for u in fetched}
    assert {p.split("?")[0] for p in paths} <= logged
    for needed in ("/pyodide/pyodide.asm.wasm", "/viz/viz.js", "/worker.js"):
        assert needed in paths
    assert any(p.startswith("/wheels/autograd_engine-") for p in paths)


def test_run_on_the_lecture_expression_shows_its_gradients(page: Any) -> None:
    set_source(page, example("lecture"))
    run(page)
    assert page.find_element("id", "error").get_attribute("hidden") is not None
    shown = leaves(page)
    assert shown["a"] == ("2", "6")
    assert shown["b"] == ("-3", "-4")
    assert shown["c"] == ("10", "-2")
    assert shown["f"] == ("-2", "4")
    svg_text = page.execute_script("return document.querySelector('#graph svg').textContent")
    for drawn in ("grad 6", "grad -4", "data -8"):
        assert drawn in svg_text
    screenshot(page, "lab-editor")


def expected_fields(data: dict[str, Any], k: int) -> dict[tuple[int, str], str]:
    fields: dict[tuple[int, str], str] = {}
    for frame in data["frames"][: k + 1]:
        for i, field, text in frame["changes"]:
            fields[i, field] = text
    return fields


def test_step_shows_the_same_frames_as_backward_stepper(page: Any) -> None:
    from autograd_engine.viz import BackwardStepper

    source = example("neuron")
    lab_editor = editor_python()
    namespace, result, _ = lab_editor.execute(source)
    python = BackwardStepper(lab_editor.find_root(source, namespace, result)).page_data()
    python = json.loads(json.dumps(python))
    set_source(page, source)
    if page.find_element("id", "quiz").is_selected():
        page.find_element("id", "quiz").click()
    page.find_element("id", "step").click()
    frame = page.find_element("id", "stepper")
    page.switch_to.frame(frame)
    try:
        wait_for(
            page, "return typeof DATA !== 'undefined' && DATA.frames.length", 30, "the stepper"
        )
        assert page.execute_script("return DATA") == python
        last = len(python["frames"]) - 1
        for k in range(last + 1):
            if k:
                page.find_element("id", "next").click()
            assert page.execute_script("return window.stepperPage.current()") == k
            caption = page.find_element("id", "caption").get_attribute("textContent")
            assert caption == python["frames"][k]["caption"]
            fields = expected_fields(python, k)
            for i, node in enumerate(python["nodes"]):
                shown = page.execute_script(
                    "return [document.getElementById(arguments[0] + '_data').textContent,"
                    " document.getElementById(arguments[0] + '_grad').textContent]",
                    node["id"],
                )
                assert shown == [fields.get((i, "data"), ""), fields.get((i, "grad"), "")]
        assert page.find_element("id", "slider").get_attribute("value") == str(last)
    finally:
        screenshot(page, "lab-stepper")
        page.switch_to.default_content()


def test_the_quiz_grades_a_right_and_a_wrong_answer(page: Any) -> None:
    from autograd_engine.viz import BackwardStepper
    from autograd_engine.viz.format import format_number

    source = example("lecture")
    lab_editor = editor_python()
    namespace, result, _ = lab_editor.execute(source)
    questions = BackwardStepper(
        lab_editor.find_root(source, namespace, result), quiz=True
    ).questions()
    set_source(page, source)
    if not page.find_element("id", "quiz").is_selected():
        page.find_element("id", "quiz").click()
    page.find_element("id", "step").click()
    page.switch_to.frame(page.find_element("id", "stepper"))
    try:
        wait_for(page, "return document.getElementById('answer')", 30, "the quiz")
        for _ in range(len(questions) * 4):  # forward until the player holds at a question
            if page.find_element("id", "answer").is_enabled():
                break
            page.find_element("id", "next").click()
        assert page.execute_script("return window.stepperPage.current()") == questions[0].frame
        box = page.find_element("id", "answer")
        box.send_keys(format_number(questions[0].answer + 1), Keys.ENTER)
        assert page.find_element("id", "quiz-feedback").get_attribute("class") == "wrong"
        box.clear()
        box.send_keys(format_number(questions[0].answer), Keys.ENTER)
        assert page.find_element("id", "quiz-feedback").get_attribute("class") == "right"
        assert page.find_element("id", "score-attempts").text == "2"
        assert page.find_element("id", "score-answered").text == "1"
    finally:
        page.switch_to.default_content()
        page.find_element("id", "quiz").click()


def test_a_syntax_error_shows_pythons_message_and_the_page_keeps_working(page: Any) -> None:
    set_source(page, "a = Value(2.0, label='a')\nb = (a * 3\n")
    run(page)
    error = page.find_element("id", "error")
    assert error.get_attribute("hidden") is None
    assert "SyntaxError" in error.text
    assert "'(' was never closed" in error.text
    assert 'File "<lab>", line 2' in error.text
    set_source(page, "x = Value(1.0, label='x')\ny = x / 0\n")
    run(page)
    assert "ZeroDivisionError" in page.find_element("id", "error").text
    set_source(page, example("lecture"))
    run(page)
    assert page.find_element("id", "error").get_attribute("hidden") is not None
    assert leaves(page)["a"] == ("2", "6")
    # The editor indents with Tab and keeps the indentation on Enter.
    set_source(page, "")
    page.find_element("id", "source").send_keys("def f(x):", Keys.ENTER, "return x", Keys.ENTER)
    page.find_element("id", "source").send_keys(Keys.TAB, "# tabbed")
    typed = page.find_element("id", "source").get_attribute("value")
    assert typed == "def f(x):\n    return x\n        # tabbed"


def test_links_open_an_example_or_the_given_code(
    opened: tuple[Any, dict[str, str]], served: tuple[str, list[str]]
) -> None:
    browser, first = opened
    assert first["source"] == example("mazur")
    assert first["output"] == "E_total = 0.298371109"
    base = served[0]
    code = "p = Value(3.0, label='p')\nq = p * p\nq.label = 'q'\nq  # ∂q/∂p = 2p\n"
    encoded = base64.urlsafe_b64encode(code.encode("utf-8")).decode("ascii").rstrip("=")
    browser.get(f"{base}?code={encoded}")
    wait_until_ready(browser)
    assert browser.find_element("id", "source").get_attribute("value") == code
    assert leaves(browser)["p"] == ("3", "6")


def test_the_playground_trains_and_its_test_loss_falls(browser: Any) -> None:
    wait_for_playground(browser)
    browser.execute_script(
        "const p = window.lab.playground; p.play(false);"
        "Object.assign(p.config, {dataset: 'circles', hidden: [4, 2], learning_rate: 0.03});"
        "p.state = null; p.reset();"
    )
    wait_for(
        browser,
        "const p = window.lab.playground; return p.state && p.state.steps === 0",
        30,
        "reset",
    )
    before = browser.execute_script("return window.lab.playground.state.test_loss")
    browser.find_element("id", "pg-play").click()
    time.sleep(2)
    screenshot(browser, "lab-playground")
    browser.find_element("id", "pg-play").click()
    after = browser.execute_script("return window.lab.playground.state")
    assert after["steps"] > 0
    assert after["test_loss"] < before
    shown = browser.find_element("id", "pg-test-loss").text
    assert abs(float(shown) - after["test_loss"]) < 1e-3 or after["steps"] > 0
    # Any weight: its value and its gradient from the last step.
    browser.execute_script(
        "document.querySelector('#pg-network path.hit').dispatchEvent(new MouseEvent('click'))"
    )
    weight = after["layers"][0][0]
    text = browser.find_element("id", "pg-weight").text
    assert "The weight from x1 to neuron 1 of hidden layer 1" in text
    assert browser.find_element("css selector", "#pg-weight [data-gradient]").text
    assert isinstance(weight["w_grad"][0], float)
    # The stepper on one example at the current weights.
    browser.find_element("id", "pg-stepper").click()
    browser.switch_to.frame(browser.find_element("id", "pg-dialog-frame"))
    try:
        wait_for(browser, "return typeof DATA !== 'undefined' && DATA.frames.length", 30, "stepper")
        assert browser.execute_script("return DATA.root") == "loss"
    finally:
        browser.switch_to.default_content()
        browser.find_element("id", "pg-dialog-close").click()

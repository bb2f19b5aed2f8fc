"""The quiz page in headless Chromium: a learner types answers, and we read back what it says.

A wrong answer is flagged with the rule and the right product, a right one advances, the score
counts, garbage is refused without counting, and the player never runs past an unanswered
question. Set ``QUIZ_SCREENSHOTS=dir`` to keep the screenshots (a question, a wrong answer,
the end) for a look.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from autograd_engine.viz import BackwardStepper
from autograd_engine.viz.format import format_number
from autograd_engine.viz.quiz import grade
from tests.test_stepper_browser import (
    SHOWN,
    browser,
    check_frame,
    expected_state,
    move_slider,
    neuron_params,
    page_labels,
    pytestmark,
    tanh_neuron,
)

__all__ = ["browser", "pytestmark"]  # the Chromium fixture and the browser/slow marks

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select


@pytest.fixture(scope="module")
def quiz() -> BackwardStepper:
    root = tanh_neuron()
    return BackwardStepper(root, lr=0.1, params=neuron_params(root), quiz=True)


@pytest.fixture
def page(browser: Any, quiz: BackwardStepper, tmp_path: Path) -> Any:
    browser.set_window_size(1400, 900)
    path = quiz.to_html(tmp_path / "quiz.html")
    browser.get(path.resolve().as_uri())
    return browser


def screenshot(driver: Any, name: str, tmp_path: Path) -> Path:
    folder = Path(os.environ.get("QUIZ_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    assert driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000  # a page, not an empty image
    return path


def current(driver: Any) -> int:
    return int(driver.execute_script("return window.stepperPage.current()"))


def text(driver: Any, element_id: str) -> str:
    return str(driver.find_element(By.ID, element_id).text)


def score(driver: Any) -> tuple[int, int, int, int]:
    """(right first try, attempts, revealed, answered) as the page shows them."""
    return tuple(  # type: ignore[return-value]
        int(text(driver, f"score-{part}")) for part in ("first", "attempts", "revealed", "answered")
    )


def answer(driver: Any, typed: str) -> None:
    """Type into the answer box and press Enter, as a learner does."""
    box = driver.find_element(By.ID, "answer")
    box.clear()
    box.send_keys(typed, Keys.ENTER)


def label_shown(driver: Any, edge: str) -> bool:
    return bool(
        driver.execute_script(
            "const t = document.querySelector('#' + arguments[0] + ' text.edge-label');"
            "return t !== null && getComputedStyle(t).display !== 'none';",
            edge,
        )
    )


def test_the_player_waits_at_the_first_question(page: Any, quiz: BackwardStepper) -> None:
    asked = [q for q in quiz.questions() if not q.given]
    first = asked[0]
    # The root is a sum: what it passes on is filled in, so the first question is tanh's.
    assert quiz.questions()[0].given
    assert quiz.questions()[0].frame == quiz.backward_start + 1
    assert quiz.frames[first.frame].stage == "fires"
    page.find_element(By.TAG_NAME, "body").send_keys(Keys.END)
    assert current(page) == first.frame
    assert page.find_element(By.ID, "next").get_attribute("disabled") is not None
    move_slider(page, len(quiz.frames) - 1)
    assert current(page) == first.frame
    assert page.find_element(By.ID, "slider").get_attribute("value") == str(first.frame)
    page.find_element(By.ID, "prev").click()
    Select(page.find_element(By.ID, "speed")).select_by_value("8")
    page.find_element(By.ID, "play").click()
    time.sleep(0.8)  # 8 frames per second: time to run past the question, if it could
    assert current(page) == first.frame
    # The graph shows every number up to the question, like the plain page...
    check_numbers(page, quiz, first.frame)
    assert "firing" in page.find_element(By.ID, f"n{first.sender}").get_attribute("class")
    # ...but the answers are hidden: only the caption's first line, no label on any edge.
    assert page_labels(page) == []
    caption = text(page, "caption").split("\n")
    assert caption[0] == quiz.caption(first.frame).split("\n")[0]
    assert caption[1:] == [f"  to {quiz.name(quiz.nodes[first.receiver])}: ?   <- your turn"]
    assert "×" not in "".join(caption)
    assert not label_shown(page, first.edge)
    assert "asked" in page.find_element(By.ID, first.edge).get_attribute("class")
    prompt = text(page, "quiz-prompt")
    assert prompt.startswith(f"Question 1 of {len(asked)}: ")
    assert "incoming gradient × the local derivative" in prompt
    assert "Right means within 1% of the engine's number (0 only for an exact 0)" in text(
        page, "tolerance"
    )
    # The answer box has the keys: typing a space or an arrow does not play or step.
    box = page.find_element(By.ID, "answer")
    assert page.switch_to.active_element == box
    box.send_keys(" ", Keys.ARROW_LEFT, Keys.ARROW_RIGHT)
    assert current(page) == first.frame
    assert page.find_element(By.ID, "play").text.endswith("play")


def check_numbers(driver: Any, stepper: BackwardStepper, k: int) -> None:
    """Every box shows page frame k's data and gradient (the quiz hides only products)."""
    fields = expected_state(stepper, k)
    for i, box in enumerate(driver.execute_script(SHOWN)):
        assert (box["data"], box["grad"]) == (fields[i, "data"], fields[i, "grad"])


def test_a_wrong_answer_is_flagged_with_the_rule_and_the_right_product(
    page: Any, quiz: BackwardStepper, tmp_path: Path
) -> None:
    page.find_element(By.TAG_NAME, "body").send_keys(Keys.END)
    first = next(q for q in quiz.questions() if not q.given)
    screenshot(page, "quiz-question", tmp_path)
    answer(page, "2")
    feedback = page.find_element(By.ID, "quiz-feedback")
    assert feedback.get_attribute("class") == "wrong"
    assert feedback.text.startswith("✗ 2 is not the term")
    assert first.rule in feedback.text
    assert first.product in feedback.text
    assert score(page) == (0, 1, 0, 0)
    assert current(page) == first.frame  # still asked
    screenshot(page, "quiz-wrong", tmp_path)
    # A named slip says which: the sign.
    answer(page, format_number(-first.answer))
    assert "right size, wrong sign" in text(page, "quiz-feedback")
    assert score(page) == (0, 2, 0, 0)
    # Right after wrong: on to the next question, not counted as right first try.
    answer(page, format_number(first.answer))
    assert page.find_element(By.ID, "quiz-feedback").get_attribute("class") == "right"
    assert score(page) == (0, 3, 0, 1)
    # Its only term found: on to the frame where it has arrived, its product on its edge.
    assert current(page) == first.frame + 1
    assert label_shown(page, first.edge)
    check_frame(page, quiz, first.frame + 1)


def test_right_answers_advance_count_and_end_with_the_score(
    page: Any, quiz: BackwardStepper, tmp_path: Path
) -> None:
    asked = [q for q in quiz.questions() if not q.given]
    for i, q in enumerate(asked):
        page.find_element(By.TAG_NAME, "body").send_keys(Keys.END)  # on to the next question
        assert current(page) == q.frame
        assert text(page, "quiz-prompt").startswith(f"Question {i + 1} of {len(asked)}")
        answer(page, format_number(q.answer))  # the rounded number a learner reads off
        assert score(page) == (i + 1, i + 1, 0, i + 1)
        last_of_frame = i + 1 == len(asked) or asked[i + 1].frame != q.frame
        # The last term of a step: the page moves on, and shows the terms arrived.
        assert current(page) == (q.frame + 1 if last_of_frame else q.frame)
        if last_of_frame:  # the terms just found have arrived at their receivers
            check_numbers(page, quiz, q.frame + 1)
        if last_of_frame and i + 1 == len(asked):
            check_frame(page, quiz, q.frame + 1)  # the last frame: nothing left to hide
    prompt = text(page, "quiz-prompt")
    assert prompt.startswith(f"Done: {len(asked)} of {len(asked)} right first try")
    assert page.find_element(By.ID, "answer").get_attribute("disabled") is not None
    screenshot(page, "quiz-end", tmp_path)
    # Free to step on to the update frame, and back to a step whose answers are all shown.
    page.find_element(By.TAG_NAME, "body").send_keys(Keys.END)
    assert current(page) == len(quiz.frames) - 1
    move_slider(page, asked[0].frame)
    check_frame(page, quiz, asked[0].frame)  # the whole caption again, every product
    assert all(label_shown(page, q.edge) for q in asked if q.frame == asked[0].frame)


def test_a_slip_is_named_deep_in_the_pass(page: Any, quiz: BackwardStepper, tmp_path: Path) -> None:
    """The README's picture (``make figures``): x1*w1 about to send to x1, answered with w1."""
    asked = [q for q in quiz.questions() if not q.given]
    target = next(
        q
        for q in asked
        if quiz.name(quiz.nodes[q.sender]) == "x1·w1" and quiz.name(quiz.nodes[q.receiver]) == "x1"
    )
    page.set_window_size(1200, 820)
    for q in asked[: asked.index(target)]:
        page.find_element(By.TAG_NAME, "body").send_keys(Keys.END)
        answer(page, format_number(q.answer))
    page.find_element(By.TAG_NAME, "body").send_keys(Keys.END)
    assert current(page) == target.frame
    answer(page, "-3")  # w1, the local derivative, not multiplied by the incoming 0.5
    feedback = text(page, "quiz-feedback")
    assert "that is the local derivative ∂(x1·w1)/∂x1 alone" in feedback
    assert "0.5 × -3 = -1.5" in feedback
    screenshot(page, "quiz-slip", tmp_path)


def test_garbage_is_refused_without_counting(page: Any, quiz: BackwardStepper) -> None:
    page.find_element(By.TAG_NAME, "body").send_keys(Keys.END)
    for typed in ("abc", "1,5", "", "1/2"):
        answer(page, typed)
        feedback = page.find_element(By.ID, "quiz-feedback")
        assert feedback.get_attribute("class") == "unreadable", typed
        assert "is not a number: type a decimal such as 0.5" in feedback.text
        assert score(page) == (0, 0, 0, 0)
        assert current(page) == next(q for q in quiz.questions() if not q.given).frame
    # Forms people type are read: ".5"-style, a sign, an exponent.
    answer(page, "+1e-1")
    assert score(page) == (1, 1, 0, 1)


def test_reveal_shows_the_answer_counts_it_and_goes_on(page: Any, quiz: BackwardStepper) -> None:
    page.find_element(By.TAG_NAME, "body").send_keys(Keys.END)
    first, second = [q for q in quiz.questions() if not q.given][:2]
    page.find_element(By.ID, "reveal").click()
    feedback = text(page, "quiz-feedback")
    assert feedback.startswith("revealed")
    assert first.product in feedback
    assert score(page) == (0, 0, 1, 1)
    assert "question 2 of" in text(page, "quiz-prompt").lower()
    assert current(page) == first.frame + 1  # the term revealed has arrived
    page.find_element(By.TAG_NAME, "body").send_keys(Keys.END)
    assert current(page) == second.frame


def test_the_page_judges_every_answer_as_python_does(page: Any, quiz: BackwardStepper) -> None:
    cases = []
    for i, q in enumerate(quiz.questions()):
        typed = [
            format_number(q.answer),
            repr(q.answer * 1.009),
            repr(q.answer * 1.02 + 0.001),
            repr(q.answer + 2e-4),
            " .5",
            "−1",
            "5.",
            "x",
            "1e999",
            *(repr(value) for value, _ in q.mistakes),
        ]
        cases += [(i, t, grade(q, t)) for t in typed]
    verdicts = page.execute_script(
        "return arguments[0].map(([i, t]) => window.stepperQuiz.grade(i, t));",
        [[i, t] for i, t, _ in cases],
    )
    for (i, typed, (kind, why)), (page_kind, page_why) in zip(cases, verdicts, strict=True):
        assert page_kind == kind, (i, typed)
        if kind != "unreadable":
            assert page_why == why, (i, typed)
    assert {kind for _, _, (kind, _) in cases} == {"right", "wrong", "unreadable"}


def test_the_plain_page_has_no_quiz_and_is_never_held(browser: Any, tmp_path: Path) -> None:
    root = tanh_neuron()
    plain = BackwardStepper(root, lr=0.1, params=neuron_params(root))
    browser.get(plain.to_html(tmp_path / "plain.html").resolve().as_uri())
    assert browser.find_elements(By.ID, "quiz") == []
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.END)
    assert current(browser) == len(plain.frames) - 1
    check_frame(browser, plain, len(plain.frames) - 1)


def test_every_frame_of_mazurs_network_as_a_quiz_tells_one_truth(
    browser: Any, tmp_path: Path
) -> None:
    """Mazur's 2-2-2 network, quiz on, 8 digits: at every frame the page's boxes, table and
    caption agree with each other and with ``svg(k)``; every question revealed on the way."""
    from tests.test_stepper import mazur

    error, w = mazur()
    stepper = BackwardStepper(error, quiz=True, precision=8, lr=0.5, params=list(w.values()))
    asked = [q for q in stepper.questions() if not q.given]
    browser.set_window_size(1400, 900)
    browser.get(stepper.to_html(tmp_path / "mazur.html").resolve().as_uri())
    last = len(stepper) - 1
    seen = []
    while True:
        k = current(browser)
        questions = [q for q in asked if q.frame == k]
        check_frame(browser, stepper, k, quiz=bool(questions))
        seen.append(k)
        if k == last:
            break
        if questions:
            for _ in questions:  # each reveal shows one term; the last moves the page on
                browser.find_element(By.ID, "reveal").click()
        else:
            browser.find_element(By.ID, "next").click()
    assert seen == list(range(len(stepper)))
    assert score(browser)[2] == len(asked)
    # The published numbers, on the page: w5 after the step, and the error before and after.
    assert "w5: 0.4 - 0.5 × 0.082167041 = 0.35891648" in stepper.caption(
        next(f.index for f in stepper.frames if f.phase == "update")
    )
    assert "from 0.29837111 to 0.29102777" in text(browser, "caption")

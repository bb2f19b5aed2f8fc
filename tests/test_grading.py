"""The grader: it passes right engines, names the classic mistake and the first diverging
node in wrong ones, and survives engines that raise, loop forever or return NaN."""

from __future__ import annotations

import math

import pytest

from autograd_engine import Value
from autograd_engine.grading import check_engine, item_names
from autograd_engine.grading.bounded import run_bounded
from tests.grading_mutants import MUTANTS, Mutant
from tests.grading_solutions.solutions import engine_source, load_engine

FAST = [name for name in item_names() if name != "random expressions"]


@pytest.mark.slow
def test_this_projects_value_passes_every_item() -> None:
    report = check_engine(Value, only=FAST)
    assert report.passed, str(report)
    assert report.skipped == {}


@pytest.mark.slow
def test_the_reference_solution_passes_and_says_what_it_skipped() -> None:
    report = check_engine(load_engine())
    assert report.passed, str(report)
    assert set(report.skipped) == {"log", "sigmoid"}
    assert "no `log` method" in str(report)


@pytest.mark.slow
def test_micrograd_passes_what_it_supports_and_fails_its_two_known_limits() -> None:
    micrograd = pytest.importorskip("micrograd.engine")
    lacking = {"exp", "log", "tanh", "sigmoid", "Mazur's network"}
    report = check_engine(
        micrograd.Value, only=[n for n in FAST if n not in lacking] + ["exp", "tanh"]
    )
    failing = {item.name: item for item in report.items if not item.passed}
    # micrograd has no exp or tanh; with only= they are failing items that say so.
    assert "no `exp` method" in failing.pop("exp").message
    assert "no `tanh` method" in failing.pop("tanh").message
    # Two real limits of micrograd (its own README's code): stale inner gradients on a
    # second backward(), and a recursive topological sort.
    assert failing.pop("backward twice").mistake.key == "not_reset"  # type: ignore[union-attr]
    assert failing.pop("deep chain").mistake.key == "recursion"  # type: ignore[union-attr]
    assert failing == {}, str(report)
    full = check_engine(micrograd.Value)
    assert "Mazur's network" in full.skipped


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.name)
def test_each_mutant_is_caught_and_named(mutant: Mutant) -> None:
    report = check_engine(mutant.engine(), only=[mutant.item])
    (item,) = report.items
    assert not item.passed
    assert item.mistake is not None, str(report)
    assert item.mistake.key == mutant.key, str(report)
    assert item.first_divergence == mutant.node, str(report)
    assert item.mistake.advice in str(report)


def test_there_are_at_least_fifteen_mutants_covering_the_classic_mistakes() -> None:
    assert len(MUTANTS) >= 15
    keys = {m.key for m in MUTANTS}
    assert {"overwrite", "order", "no_incoming", "sign", "missing_factor", "not_reset"} <= keys
    ops = {m.item for m in MUTANTS}
    assert {"tanh", "exp", "pow", "relu", "div"} <= ops


def test_a_rule_that_raises_is_a_failing_item_naming_the_error() -> None:
    broken = load_engine(
        engine_source().replace("t = math.tanh(self.data)", "t = math.tanh(self.dat)")
    )
    item = check_engine(broken, only=["tanh"]).items[0]
    assert not item.passed
    assert "AttributeError" in item.message
    assert "tanh" in item.message


def test_an_endless_backward_is_stopped_and_reported() -> None:
    looping = load_engine(
        engine_source().replace(
            "    while stack:\n", "    while True:\n        stack = stack or [(self, True)]\n"
        )
    )
    report = check_engine(looping, only=["add"], seconds=0.3)
    item = report.items[0]
    assert not item.passed
    assert "did not finish within 0.3 s" in item.message


def test_a_one_line_endless_loop_is_stopped_too() -> None:
    source = "def spin():\n    while True: pass\n"
    namespace: dict[str, object] = {}
    exec(compile(source, "<learner>", "exec"), namespace)
    outcome = run_bounded(namespace["spin"], 0.2)  # type: ignore[arg-type]
    assert outcome.timed_out


def test_nan_gradients_fail_with_the_numbers_shown() -> None:
    nan_mul = load_engine(
        "import math\n"
        + engine_source().replace("self.grad += other.data * out.grad", "self.grad += math.nan")
    )
    item = check_engine(nan_mul, only=["mul"]).items[0]
    assert not item.passed
    assert any(row.received is not None and math.isnan(row.received) for row in item.rows)
    assert item.first_divergence == "x"
    assert "nan" in str(item.message)


def test_a_blank_class_gets_a_message_to_act_on() -> None:
    class Blank:
        def __init__(self, data: float) -> None:
            raise NotImplementedError("write __init__")

    report = check_engine(Blank, only=["add"])
    assert not report.passed
    assert "not written yet" in str(report) or "write" in str(report)


def test_unknown_item_names_are_refused_with_the_list() -> None:
    with pytest.raises(ValueError, match="unknown item"):
        check_engine(Value, only=["addition"])


def test_the_report_is_deterministic_and_renders_in_html() -> None:
    engine = MUTANTS[0].engine()
    first = check_engine(engine, only=["add", "fan-out"])
    second = check_engine(engine, only=["add", "fan-out"])
    assert str(first) == str(second)
    page = first._repr_html_()
    assert "first divergence" in page
    assert "Mistake:" in page


@pytest.mark.slow
def test_random_expressions_pass_on_right_engines_and_fail_on_a_mutant() -> None:
    assert check_engine(Value, only=["random expressions"]).passed
    wrong = load_engine(engine_source().replace("(1 - t**2)", "(1 - t)"))
    item = check_engine(wrong, only=["random expressions"]).items[0]
    assert not item.passed
    assert item.mistake is not None

"""The lab's Python side, under CPython: what the editor runs and draws, the Playground's
training and pictures, the renderer seam, and the build's pins. The browser tests
(test_lab_browser.py) check the same modules inside Pyodide."""

from __future__ import annotations

import importlib.util
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest

from autograd_engine import Value
from autograd_engine.viz import BackwardStepper, render_svg, set_dot_renderer

LAB = Path(__file__).resolve().parent.parent / "lab"


def _load(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, LAB / "python" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


lab_editor = _load("lab_editor")
lab_playground = _load("lab_playground")


def example(name: str) -> str:
    return (LAB / "examples" / f"{name}.py").read_text("utf-8")


# --- the renderer seam ------------------------------------------------------------------


def test_a_registered_renderer_draws_every_picture_and_none_restores_dot() -> None:
    seen: list[str] = []

    def fake(dot: str) -> str:
        seen.append(dot)
        return "<svg>fake</svg>"

    a = Value(2.0, label="a")
    set_dot_renderer(fake)
    try:
        assert render_svg(a * a) == "<svg>fake</svg>"
        assert BackwardStepper(a * 3).layout().startswith("<svg>fake</svg>") or seen
    finally:
        set_dot_renderer(None)
    assert "digraph" in seen[0]
    assert render_svg(a * a) != "<svg>fake</svg>"


def test_set_dot_renderer_refuses_what_it_cannot_call() -> None:
    with pytest.raises(TypeError, match="DOT -> SVG"):
        set_dot_renderer("dot")  # type: ignore[arg-type]


# --- the editor ---------------------------------------------------------------------------


def test_run_on_the_lecture_expression_gives_its_published_gradients() -> None:
    result = lab_editor.run(example("lecture"))
    grads = {leaf["name"]: leaf["grad"] for leaf in result["leaves"]}
    assert grads == {"a": "6", "b": "-4", "c": "-2", "f": "4"}
    assert result["root"] == {"name": "L", "data": "-8"}
    assert result["svg"].lstrip().startswith("<")


@pytest.mark.parametrize("name", ["lecture", "neuron", "mazur", "expression"])
def test_every_example_runs_and_steps(name: str) -> None:
    result = lab_editor.run(example(name))
    assert result["leaves"]
    page = lab_editor.stepper_page(example(name), True)
    assert "<html" in page.lower()


def test_mazur_prints_his_total_error() -> None:
    assert lab_editor.run(example("mazur"))["output"] == "E_total = 0.298371109\n"


def test_the_root_is_the_last_line_else_the_last_value_assigned() -> None:
    source = "a = Value(1.0, label='a')\nb = a * 2\nb.label = 'b'\nc = a + 1\nc.label = 'c'\n"
    namespace, result, _ = lab_editor.execute(source)
    assert lab_editor.find_root(source, namespace, result).label == "c"
    namespace, result, _ = lab_editor.execute(source + "b\n")
    assert lab_editor.find_root(source + "b\n", namespace, result).label == "b"
    source = "a = Value(1.0)\nx, y = a * 2, a * 3\nn = 4\n"
    namespace, result, _ = lab_editor.execute(source)
    assert lab_editor.find_root(source, namespace, result).data == 3.0


def test_code_that_already_called_backward_is_not_backpropagated_twice() -> None:
    result = lab_editor.run("a = Value(3.0, label='a')\nL = a * a\nL.backward()\nL")
    assert result["leaves"] == [{"name": "a", "data": "3", "grad": "6"}]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("a = (", r"File \"<lab>\", line 1\n.*\nSyntaxError: '\(' was never closed"),
        ("x = 1\ny = x / 0", r'File "<lab>", line 2, in <module>\nZeroDivisionError'),
        ("x = 3", r"Nothing to draw: the code made no Value"),
        ("import nothing_here", r"ModuleNotFoundError: No module named 'nothing_here'"),
    ],
)
def test_the_learners_errors_come_back_as_pythons_messages(source: str, message: str) -> None:
    with pytest.raises(lab_editor.LabError, match=re.compile(message, re.S)) as error:
        lab_editor.run(source)
    assert "lab_editor.py" not in str(error.value)  # only the learner's own lines
    answer = json.loads(lab_editor.as_json("run", source))
    assert answer["ok"] is False
    assert re.search(message, answer["error"], re.S)


def test_a_quiz_on_a_leaf_is_refused_with_the_steppers_message() -> None:
    with pytest.raises(lab_editor.LabError, match="is a leaf"):
        lab_editor.stepper_page("Value(1.0)", True)


def test_the_engines_own_errors_reach_the_page_whole() -> None:
    answer = json.loads(lab_editor.as_json("run", "a = Value(0.0, label='a')\nL = a.log()\nL"))
    assert answer["ok"] is False
    assert answer["error"].endswith(
        "ValueError: log: logarithm of 0.0 is undefined (log needs x > 0)"
    )


# --- the Playground -----------------------------------------------------------------------


@pytest.mark.parametrize("dataset", lab_playground.DATASETS)
def test_every_data_set_fits_the_square_with_two_classes(dataset: str) -> None:
    points, labels = lab_playground.make_data(dataset, 120, 0.2, seed=1)
    assert len(points) == len(labels) == 120
    assert set(labels) == {0, 1}
    assert max(abs(c) for p in points for c in p) <= lab_playground.EXTENT + 1.5


def test_training_lowers_both_losses() -> None:
    session = lab_playground.Session({"dataset": "xor", "hidden": [8, 8], "learning_rate": 0.1})
    train0, test0 = session.losses()
    session.train(300)
    train1, test1 = session.losses()
    assert train1 < 0.7 * train0
    assert test1 < 0.8 * test0
    state = session.state()
    assert state["steps"] == 300
    assert state["epochs"] == 300 * 10 / 100


def test_the_float_forward_is_the_networks_own() -> None:
    features = list(lab_playground.FEATURES)
    session = lab_playground.Session({"features": features, "hidden": [3, 2], "activation": "relu"})
    session.train(5)
    row = lab_playground.feature_row(features, 0.7, -1.3)
    out = session.model(row)
    assert isinstance(out, Value)
    assert session.activations(row)[-1][0] == out.data
    assert session._columns([row])[-1][0][0] == out.data


def test_the_gradients_shown_are_the_last_steps() -> None:
    session = lab_playground.Session({"regularization": "l2", "regularization_rate": 0.01})
    session.step()
    state = session.state()
    first = session.model.layers[0].neurons[0]
    assert state["layers"][0][0]["w_grad"] == session.gradients[: len(first.w)]
    assert any(g != 0.0 for g in session.gradients)


def test_l1_and_l2_shrink_the_weights() -> None:
    def weight_size(kind: str) -> float:
        session = lab_playground.Session(
            {"regularization": kind, "regularization_rate": 0.3, "learning_rate": 0.1}
        )
        session.train(100)
        return sum(abs(w) for layer in session.weights() for ws, _ in layer for w in ws)

    plain = weight_size("none")
    assert weight_size("l1") < plain
    assert weight_size("l2") < plain


def test_the_grid_holds_every_feature_then_every_neuron() -> None:
    session = lab_playground.Session({"features": ["x1", "x1*x2"], "hidden": [3]})
    grid = session.grid(5)
    pictures = len(lab_playground.FEATURES) + 3 + 1
    assert len(grid) == pictures * 25
    assert grid[0] == pytest.approx(-lab_playground.EXTENT)  # x1 at the top-left corner
    assert grid[25] == pytest.approx(lab_playground.EXTENT)  # x2 there
    assert all(0.0 <= p <= 1.0 for p in grid[-25:])  # the output is a probability


def test_a_diverging_run_says_so_and_keeps_its_last_good_weights() -> None:
    session = lab_playground.Session(
        {"learning_rate": 1e200, "regularization": "l2", "regularization_rate": 1.0}
    )
    with pytest.raises((OverflowError, FloatingPointError), match=r"overflow|not finite"):
        session.train(20)
    assert all(math.isfinite(w) for layer in session.weights() for ws, _ in layer for w in ws)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"features": []}, "features must be"),
        ({"features": ["x3"]}, "features must be"),
        ({"regularization": "l3"}, "regularization must be"),
        ({"dataset": "swirl"}, "unknown data set"),
        ({"noise": 0.9}, "noise must be"),
        ({"batch_size": 0}, "batch_size must be"),
        ({"train_percent": 95}, "train_percent"),
    ],
)
def test_bad_settings_are_named(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        lab_playground.Session(change)


def test_the_example_loss_uses_the_given_weights() -> None:
    session = lab_playground.Session({"hidden": [2]})
    session.train(10)
    state = session.state()
    point, label = session.x_train[0], session.y_train[0]
    loss, params = lab_playground.example_loss(session.config, state["layers"], point, label)
    z = session.activations(lab_playground.feature_row(session.features, *point))[-1][0]
    assert loss.data == pytest.approx(max(z, 0) + math.log1p(math.exp(-abs(z))) - label * z)
    assert [p.data for p in params] == [p.data for p in session.parameters]
    page = lab_playground.example_page(session.config, state["layers"], point, label)
    assert "node by node" in page


# --- the build's pins ---------------------------------------------------------------------


def test_the_browser_runtimes_are_pinned_by_the_lockfile() -> None:
    package = json.loads((LAB / "package.json").read_text("utf-8"))
    lock = json.loads((LAB / "package-lock.json").read_text("utf-8"))
    for name, version in package["dependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} must be pinned exactly"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
        assert lock["packages"][f"node_modules/{name}"]["integrity"].startswith("sha512-")
    requirements = (LAB / "requirements.txt").read_text("utf-8")
    assert re.search(r"graphviz==[\d.]+ --hash=sha256:[0-9a-f]{64}", requirements)


def test_no_file_of_the_page_names_another_origin() -> None:
    for path in LAB.glob("*.*"):
        if path.suffix in (".html", ".js", ".css"):
            text = path.read_text("utf-8").replace("http://www.w3.org/2000/svg", "")
            assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", text), path.name
